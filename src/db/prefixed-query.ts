import pg from 'pg';

/** A statement sent ahead of a query; its values are text (or null) in the wire's text format. */
export interface PrefixStatement {
  text: string;
  values: (string | null)[];
  /**
   * A server-side prepared statement's name (see `prepare` in CreateDatabaseOptions): parsed once
   * per connection, then only bound and executed. Unnamed without it.
   */
  name?: string | undefined;
}

// The named prefix and suffix statements each connection has parsed (pg keeps its own map for a
// query's own name). Recorded once a pipeline succeeds; forgetNamedStatements clears both.
const parsedOn = new WeakMap<object, Set<string>>();

function parsedStatements(connection: object): Set<string> {
  let parsed = parsedOn.get(connection);
  if (parsed === undefined) {
    parsed = new Set();
    parsedOn.set(connection, parsed);
  }
  return parsed;
}

/**
 * After `DEALLOCATE ALL` on `client`'s connection: forgets what it had parsed, pg's own record
 * included. A failed pipeline may have parsed some of its named statements and not others, so
 * the caller deallocates them all rather than guess.
 */
export function forgetNamedStatements(client: pg.ClientBase): void {
  const connection = (client as unknown as { connection: Record<string, unknown> }).connection;
  parsedOn.delete(connection);
  connection.parsedStatements = {};
  connection.submittedNamedStatements = {};
}

/** The parts of pg's Connection a query writes its messages to (pg/lib/connection.js). */
interface WireConnection {
  parse(config: { text: string; name?: string }): void;
  bind(config: { values: (string | null)[]; statement?: string }): void;
  execute(config: { portal?: string; rows?: number }): void;
}

interface DataRowMessage {
  fields: (string | null)[];
}

// pg.Query's protocol handlers are public in pg's JavaScript but missing from @types/pg.
const QueryBase = pg.Query as unknown as new (
  config: unknown,
  values?: unknown,
  callback?: (error: Error | null, result: pg.QueryResult) => void,
) => {
  prepare(connection: WireConnection): void;
  handleDataRow(message: DataRowMessage): void;
  handleCommandComplete(message: unknown, connection: WireConnection): void;
};

/**
 * A pg query with statements around it in the same pipeline: Parse/Bind/Execute for each prefix
 * statement, the query's own Parse/Bind/Describe/Execute, Parse/Bind/Execute for each suffix
 * statement, then one Sync — written in one go, so the whole thing costs one network round trip.
 * The tenant client sends `BEGIN` and `open_context` before the statement and `COMMIT` after it:
 * an explicit transaction block, the one form in which Citus forwards the context's `SET LOCAL`s
 * to its workers. Settings made LOCAL by a prefix statement hold for the query and end at the
 * COMMIT. An error in any statement makes the server skip everything up to the Sync, which leaves
 * the block failed: the caller sends ROLLBACK (see node-postgres.ts), so nothing is kept.
 * PgBouncer (transaction mode) keeps the pipeline on one server connection, since it releases
 * the connection only at ReadyForQuery in an idle state.
 *
 * The prefix and suffix statements' rows are not part of the result: the first column of the
 * first prefix row is handed to `onPrefixValue` (the context's status), the rest is dropped.
 */
export class PrefixedQuery extends QueryBase {
  #pending: number;
  #onPrefixValue: (value: string | null) => void;
  #prefix: PrefixStatement[];
  #suffix: PrefixStatement[];
  #seen = false;
  #done = false;

  constructor(
    prefix: PrefixStatement[],
    onPrefixValue: (value: string | null) => void,
    config: pg.QueryConfig & { rowMode?: string; types?: unknown },
    values: unknown[] | undefined,
    callback: (error: Error | null, result: pg.QueryResult) => void,
    suffix: PrefixStatement[] = [],
  ) {
    // queryMode 'extended': even a query without parameters goes through Parse/Bind/Execute (a
    // simple Query message would end the implicit transaction the prefix opened).
    super({ ...config, values: values ?? config.values ?? [], queryMode: 'extended' }, undefined, callback);
    this.#prefix = prefix;
    this.#suffix = suffix;
    this.#pending = prefix.length;
    this.#onPrefixValue = onPrefixValue;
  }

  #parsing: string[] = [];

  // Parse (unless this connection has this named statement already), Bind, Execute.
  #send(connection: WireConnection, statement: PrefixStatement, parsed: Set<string>): void {
    if (statement.name === undefined || !parsed.has(statement.name)) {
      connection.parse({ text: statement.text, ...(statement.name !== undefined ? { name: statement.name } : {}) });
      if (statement.name !== undefined) this.#parsing.push(statement.name);
    }
    connection.bind({
      values: statement.values,
      ...(statement.name !== undefined ? { statement: statement.name } : {}),
    });
    connection.execute({});
  }

  /** The named statements this pipeline parsed, to record once it succeeded. */
  get parsedNames(): readonly string[] {
    return this.#parsing;
  }

  override prepare(connection: WireConnection): void {
    const parsed = parsedStatements(connection);
    for (const statement of this.#prefix) this.#send(connection, statement, parsed);
    // pg's prepare writes the query's Parse/Bind/Describe/Execute and the Sync; the suffix goes in
    // between, by holding back the Sync until it is written.
    const sync = (connection as WireConnection & { sync(): void }).sync;
    (connection as WireConnection & { sync(): void }).sync = () => {
      for (const statement of this.#suffix) this.#send(connection, statement, parsed);
      (connection as WireConnection & { sync(): void }).sync = sync;
      sync.call(connection);
    };
    super.prepare(connection);
  }

  override handleDataRow(message: DataRowMessage): void {
    if (this.#done) return;
    if (this.#pending === 0) return super.handleDataRow(message);
    if (!this.#seen) {
      this.#seen = true;
      this.#onPrefixValue(message.fields[0] ?? null);
    }
  }

  override handleCommandComplete(message: unknown, connection: WireConnection): void {
    if (this.#done) return;
    if (this.#pending === 0) {
      this.#done = true;
      return super.handleCommandComplete(message, connection);
    }
    this.#pending -= 1;
  }
}

/** Runs `config` on `client` with `prefix` before and `suffix` after it in one pipeline (see PrefixedQuery). */
export function queryWithPrefix(
  client: pg.ClientBase,
  prefix: PrefixStatement[],
  onPrefixValue: (value: string | null) => void,
  config: pg.QueryConfig & { rowMode?: string; types?: unknown },
  values: unknown[] | undefined,
  suffix: PrefixStatement[] = [],
): Promise<pg.QueryResult> {
  return new Promise<pg.QueryResult>((resolve, reject) => {
    const query: PrefixedQuery = new PrefixedQuery(
      prefix,
      onPrefixValue,
      config,
      values,
      (error, result) => {
        if (error) return reject(error);
        if (query.parsedNames.length > 0) {
          const parsed = parsedStatements((client as unknown as { connection: object }).connection);
          for (const name of query.parsedNames) parsed.add(name);
        }
        resolve(result);
      },
      suffix,
    );
    client.query(query as unknown as pg.QueryConfig);
  });
}

const NOTHING: pg.QueryResult = { command: '', rowCount: 0, oid: 0, fields: [], rows: [] };

/**
 * A pg client for Drizzle's transactions that holds back `BEGIN` and sends it in the same pipeline
 * as the transaction's first statement (usually `open_context`), saving a round trip. A
 * transaction that ends before any statement sends nothing at all.
 */
export class DeferredBeginClient {
  #begin: string | null = null;

  constructor(readonly client: pg.ClientBase) {}

  query(config: string | (pg.QueryConfig & { rowMode?: string; types?: unknown }), values?: unknown[]) {
    const query = typeof config === 'string' ? { text: config } : config;
    const text = query.text.trim();
    const noValues = (values ?? query.values ?? []).length === 0;
    if (this.#begin === null && noValues && /^begin\b/i.test(text)) {
      this.#begin = text;
      return Promise.resolve(NOTHING);
    }
    if (this.#begin !== null) {
      const begin = this.#begin;
      this.#begin = null;
      if (noValues && /^(commit|rollback)$/i.test(text)) return Promise.resolve(NOTHING);
      return queryWithPrefix(this.client, [{ text: begin, values: [] }], () => {}, query, values);
    }
    return this.client.query(query, values);
  }
}

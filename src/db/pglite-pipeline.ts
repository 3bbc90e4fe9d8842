import { parse, protocol, type PGlite, type QueryOptions, type Results } from '@electric-sql/pglite';
import { OPEN_CONTEXT_SQL, openContextValues, type PipelineContext, type StatementContext } from './database.ts';

const { serialize } = protocol;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A statement sent around the query in the pipeline; its values are text (or null). */
interface Around {
  text: string;
  values: (string | null)[];
}

const run = (statement: Around) => [
  serialize.parse({ text: statement.text }),
  serialize.bind({ values: statement.values }),
  serialize.execute({}),
];

/**
 * The prefix statements, one statement and the suffix statements as extended-protocol messages
 * before a single Sync, in two calls into the WASM instance: the first sends the prefix and parses
 * the statement, the second binds it (with the parameter types the first reported), executes it,
 * sends the suffix and syncs. Hands the first column of the prefix's first row to `onPrefixValue`.
 * After an error PostgreSQL skips everything up to the Sync: this makes sure the Sync is sent,
 * and leaves the failed transaction block to the caller. The caller holds PGlite's query lock.
 */
async function runPipeline<T>(
  client: PGlite,
  prefix: Around[],
  text: string,
  params: unknown[],
  suffix: Around[],
  options: QueryOptions | undefined,
  onPrefixValue: (value: string) => void,
): Promise<Results<T>> {
  let synced = false;
  try {
    const first = await client.execProtocolStream(
      concat([
        ...prefix.flatMap(run),
        serialize.parse({ text, ...(options?.paramTypes ? { types: options.paramTypes } : {}) }),
        serialize.describe({ type: 'S' }),
      ]),
      { syncToFs: false },
    );
    const row = first.find((message) => message.name === 'dataRow') as { fields?: (string | null)[] } | undefined;
    onPrefixValue(row?.fields?.[0] ?? '');
    const types = parse.parseDescribeStatementResults(first);
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const type = types[i] as number;
      const serializer = options?.serializers?.[type] ?? client.serializers[type];
      return serializer ? serializer(value) : String(value);
    });
    const batch = concat([
      serialize.bind({ values }),
      serialize.describe({ type: 'P' }),
      serialize.execute({}),
      ...suffix.flatMap(run),
      serialize.sync(),
    ]);
    // This batch ends with the Sync: once it is sent the pipeline is ended, whatever its outcome.
    synced = true;
    const second = await client.execProtocolStream(batch, { syncToFs: false });
    const [result] = parse.parseResults(second, client.parsers, options);
    if (result === undefined) throw new Error('PGlite returned no result for the statement');
    return result as Results<T>;
  } finally {
    if (!synced) await client.execProtocolStream(serialize.sync(), { syncToFs: false, throwOnError: false });
  }
}

const BEGIN: Around = { text: 'BEGIN', values: [] };
const COMMIT: Around = { text: 'COMMIT', values: [] };

/**
 * PGlite's counterpart of the server pipeline (PrefixedQuery): `BEGIN`, `open_context`, one
 * statement and `COMMIT` as extended-protocol messages before a single Sync, the same explicit
 * block as on a server — the context holds for the statement and ends at the COMMIT, and an
 * error anywhere rolls all of it back. PGlite's own `query()` makes six calls into the WASM instance per statement
 * (parse, describe, bind, describe, execute, sync); this makes two for both statements.
 *
 * It holds PGlite's transaction and query locks, as `transaction()` does, so it can never run
 * inside another caller's open transaction.
 */
export function queryInPipeline<T>(
  client: PGlite,
  context: StatementContext,
  text: string,
  params: unknown[] = [],
  options?: QueryOptions,
): Promise<Results<T>> {
  return client._runExclusiveTransaction(() =>
    client._runExclusiveQuery(async () => {
      let committed = false;
      try {
        const open = { text: OPEN_CONTEXT_SQL, values: openContextValues(context) };
        const result = await runPipeline<T>(client, [BEGIN, open], text, params, [COMMIT], options, (status) =>
          context.onStatus(status),
        );
        committed = true;
        await client.syncToFs();
        return result;
      } finally {
        // After an error the COMMIT was skipped: roll back the failed block, so the next statement starts clean.
        if (!committed) {
          await client.execProtocolStream(serialize.query('ROLLBACK'), { syncToFs: false, throwOnError: false });
        }
      }
    }),
  );
}

/**
 * `open_context` and one statement in one pipeline inside the transaction the caller holds
 * (RawSession.pipelineInContext): no BEGIN or COMMIT of its own, the query lock only. An error
 * leaves that transaction failed, for the caller to roll back.
 */
export function queryInOpenTransaction<T>(
  client: PGlite,
  context: PipelineContext,
  text: string,
  params: unknown[] = [],
): Promise<Results<T>> {
  const open = { text: OPEN_CONTEXT_SQL, values: [context.tenantId, context.userId, 'true'] };
  return client._runExclusiveQuery(() => runPipeline<T>(client, [open], text, params, [], undefined, () => {}));
}

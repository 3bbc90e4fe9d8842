import { parse, protocol, type PGlite, type QueryOptions, type Results } from '@electric-sql/pglite';
import { OPEN_CONTEXT_SQL, openContextValues, type StatementContext } from './database.ts';

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

/**
 * PGlite's counterpart of the server pipeline (PrefixedQuery): `BEGIN`, `open_context`, one
 * statement and `COMMIT` as extended-protocol messages before a single Sync, the same explicit
 * block as on a server — the context holds for the statement and ends at the COMMIT, and an
 * error anywhere rolls all of it back. PGlite's own `query()` makes six calls into the WASM instance per statement
 * (parse, describe, bind, describe, execute, sync); this makes two for both statements: the
 * first sends the context and parses the statement, the second binds (with the parameter types
 * the first reported), executes and syncs.
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
      let synced = false;
      let committed = false;
      try {
        const first = await client.execProtocolStream(
          concat([
            serialize.parse({ text: 'BEGIN' }),
            serialize.bind({ values: [] }),
            serialize.execute({}),
            serialize.parse({ text: OPEN_CONTEXT_SQL }),
            serialize.bind({ values: openContextValues(context) }),
            serialize.execute({}),
            serialize.parse({ text, ...(options?.paramTypes ? { types: options.paramTypes } : {}) }),
            serialize.describe({ type: 'S' }),
          ]),
          { syncToFs: false },
        );
        const row = first.find((message) => message.name === 'dataRow') as { fields?: (string | null)[] } | undefined;
        context.onStatus(row?.fields?.[0] ?? '');
        const types = parse.parseDescribeStatementResults(first);
        const values = params.map((value, i) => {
          if (value === null || value === undefined) return null;
          const type = types[i] as number;
          const serializer = options?.serializers?.[type] ?? client.serializers[type];
          return serializer ? serializer(value) : String(value);
        });
        const second = await client.execProtocolStream(
          concat([
            serialize.bind({ values }),
            serialize.describe({ type: 'P' }),
            serialize.execute({}),
            serialize.parse({ text: 'COMMIT' }),
            serialize.bind({ values: [] }),
            serialize.execute({}),
            serialize.sync(),
          ]),
          { syncToFs: false },
        );
        synced = true;
        committed = true;
        await client.syncToFs();
        const [result] = parse.parseResults(second, client.parsers, options);
        if (result === undefined) throw new Error('PGlite returned no result for the statement');
        return result as Results<T>;
      } finally {
        // After an error PostgreSQL skips everything up to the next Sync (the COMMIT too): end the
        // pipeline, then roll back the failed block, so the next statement starts clean.
        if (!committed) {
          if (!synced) await client.execProtocolStream(serialize.sync(), { syncToFs: false, throwOnError: false });
          await client.execProtocolStream(serialize.query('ROLLBACK'), { syncToFs: false, throwOnError: false });
        }
      }
    }),
  );
}

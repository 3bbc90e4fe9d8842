/**
 * What the context form of migration 0010 costs against 0008's, on the same point read.
 *
 * - raw (here: **0008's form**): `open_context` as 0008 wrote it — the settings made by one
 *   `set_config()` list, `SET LOCAL ROLE` — and the statement in one pipeline before one Sync, an
 *   implicit transaction, exactly as the tenant client sent it before 0010. The function is
 *   recreated as `bench_ctx.open_context_0008` in the bench database.
 * - tenantdb (**0010's form**, what the tenant client sends now): `BEGIN`, `open_context` with
 *   stand-alone `SET LOCAL`s, the member's grants computed into settings, the statement and
 *   `COMMIT`, in one pipeline before one Sync — the form Citus forwards to its workers.
 *
 * Both run the same statement on the same connection pool size; the ratio is 0010 ÷ 0008. Server
 * only: on PGlite the 0008 side is the same pipeline code, so the scenario is skipped there.
 */
import pg from 'pg';
import { queryWithPrefix } from '../../src/db/prefixed-query.ts';
import { at, scenario, statement } from './scenario.ts';
import { client, MESSAGE_COLUMNS, sampleMessages, tenantClients } from './targets.ts';

const TARGETS = 5000;

// 0008's open_context, verbatim but for its name (migrations/0008_faster_open_context.sql).
const OPEN_CONTEXT_0008 = `
CREATE SCHEMA IF NOT EXISTS bench_ctx;
GRANT USAGE ON SCHEMA bench_ctx TO tenantdb_app;
CREATE OR REPLACE FUNCTION bench_ctx.open_context_0008(p_tenant uuid, p_user uuid, p_switch_role boolean DEFAULT true)
  RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_auth record;
  v_open uuid := tenantdb.current_tenant_id();
BEGIN
  IF v_open IS NOT NULL AND v_open IS DISTINCT FROM p_tenant THEN
    RAISE EXCEPTION 'this transaction already has the context of tenant %', v_open USING ERRCODE = 'TD006';
  END IF;
  v_auth := tenantdb.authorize_member(p_tenant, p_user);
  PERFORM pg_catalog.set_config('app.current_tenant_id', p_tenant::text, true),
    pg_catalog.set_config('app.current_user_id', COALESCE(p_user::text, ''), true),
    pg_catalog.set_config('app.current_member_role', COALESCE(v_auth.member_role, ''), true);
  IF v_auth.status = 'SUSPENDED' THEN
    SET LOCAL transaction_read_only = on;
  END IF;
  IF p_switch_role AND current_user <> 'tenantdb_app' THEN
    SET LOCAL ROLE tenantdb_app;
  END IF;
  RETURN v_auth.status;
END $$;`;

export const contextForm = scenario({
  name: 'context-form',
  description: "point read: 0010's context form (tenantdb) against 0008's (shown as raw)",
  dataset: 'main',
  target: { kind: 'info' },
  serverOnly: true,
  async prepare({ bench }) {
    if (bench.url === undefined) throw new Error('context-form runs on a server only');
    await bench.raw.query(OPEN_CONTEXT_0008);
    const picks = await sampleMessages(bench, TARGETS);
    const clients = tenantClients(bench, picks);
    const tenantSql = `SELECT ${MESSAGE_COLUMNS} FROM public.messages WHERE id = $1 LIMIT 1`;
    const pool = new pg.Pool({ connectionString: bench.url, max: 4 });
    pool.on('error', () => {});
    const form0008 = async (tenantId: string, id: string) => {
      const connection = await pool.connect();
      try {
        return await queryWithPrefix(
          connection,
          [
            {
              text: 'select bench_ctx.open_context_0008($1::uuid, $2::uuid, $3::boolean)',
              values: [tenantId, null, 'true'],
            },
          ],
          () => {},
          { text: tenantSql },
          [id],
        );
      } finally {
        connection.release();
      }
    };
    const first = at(picks, 0);
    return {
      targets: picks.length,
      sides: [
        { name: 'raw', op: (i) => form0008(at(picks, i).tenantId, at(picks, i).id) },
        {
          name: 'tenantdb',
          op: (i) => {
            const { tenantId, id } = at(picks, i);
            return client(clients, tenantId).query(tenantSql, [id]);
          },
        },
      ],
      explain: {
        tenantId: first.tenantId,
        table: 'messages',
        expectScan: true,
        statement: statement(tenantSql, [first.id]),
      },
      close: () => pool.end(),
    };
  },
});

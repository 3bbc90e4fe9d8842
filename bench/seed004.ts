/**
 * The design of ../shared/seeds/004 (the "complete Drizzle schema" seed), rebuilt in its own
 * schema `seed004` of the main bench database so its list query can be measured against ours:
 *
 * - `messages` has no tenant_id; it hangs off `sessions` (our conversations) by session_id;
 * - its policy is `session_id IN (SELECT id FROM sessions WHERE tenant_id =
 *   current_setting('app.current_tenant_id')::uuid)` — a subquery, itself filtered by the sessions
 *   policy, with `current_setting(...)` evaluated in the predicate rather than once in an InitPlan;
 * - the seed's single-column indexes (message_session_idx, message_timestamp_idx, …);
 * - RLS enabled and FORCEd; the app sets `app.current_tenant_id` transaction-locally
 *   (`set_config(…, true)`, the seed's `SET LOCAL`) and queries as a role without BYPASSRLS.
 *
 * The data is the main set's conversations (as sessions) and messages, copied with INSERT …
 * SELECT. The seed's `tenants` table is not rebuilt: sessions reference ours (only foreign-key
 * checks read it, never the list).
 */
import pg from 'pg';
import { databaseUrl, type BenchDatabase } from './databases.ts';
import { Progress, timed } from './progress.ts';

/** The seed's application role: LOGIN, not a superuser, no BYPASSRLS. */
export const SEED004_ROLE = 'seed004_app';

const TABLES = `
CREATE SCHEMA IF NOT EXISTS seed004;
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '${SEED004_ROLE}') THEN
    CREATE ROLE ${SEED004_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
END $$;
CREATE TABLE seed004.sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
  widget_id uuid,
  meeting_id uuid,
  mode text NOT NULL DEFAULT 'text',
  cost_usd numeric(10, 4) DEFAULT 0,
  metadata jsonb,
  created_at timestamp NOT NULL DEFAULT now(),
  ended_at timestamp
);
CREATE TABLE seed004.messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  session_id uuid NOT NULL REFERENCES seed004.sessions (id) ON DELETE CASCADE,
  role text NOT NULL,
  content text NOT NULL,
  attachments jsonb,
  metadata jsonb,
  "timestamp" timestamp NOT NULL DEFAULT now()
);`;

// Indexes and policies come after the copy (same end state, faster load).
const INDEXES_AND_POLICIES = `
CREATE INDEX session_tenant_idx ON seed004.sessions (tenant_id);
CREATE INDEX session_widget_idx ON seed004.sessions (widget_id);
CREATE INDEX session_meeting_idx ON seed004.sessions (meeting_id);
CREATE INDEX session_created_at_idx ON seed004.sessions (created_at);
CREATE INDEX message_session_idx ON seed004.messages (session_id);
CREATE INDEX message_timestamp_idx ON seed004.messages ("timestamp");
ALTER TABLE seed004.sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE seed004.messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE seed004.sessions FORCE ROW LEVEL SECURITY;
ALTER TABLE seed004.messages FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation_policy ON seed004.sessions
  USING (tenant_id = current_setting('app.current_tenant_id')::uuid);
CREATE POLICY tenant_isolation_policy ON seed004.messages
  USING (session_id IN (
    SELECT id FROM seed004.sessions WHERE tenant_id = current_setting('app.current_tenant_id')::uuid
  ));
GRANT USAGE ON SCHEMA seed004 TO ${SEED004_ROLE};
GRANT SELECT, INSERT, UPDATE, DELETE ON seed004.sessions, seed004.messages TO ${SEED004_ROLE};`;

const COPY_SESSIONS = `
  INSERT INTO seed004.sessions (id, tenant_id, mode, created_at)
  SELECT id, tenant_id, 'text', created_at AT TIME ZONE 'UTC' FROM public.conversations WHERE tenant_id = ANY ($1::uuid[])`;
const COPY_MESSAGES = `
  INSERT INTO seed004.messages (id, session_id, role, content, attachments, metadata, "timestamp")
  SELECT id, conversation_id, role::text, content, attachments,
         jsonb_strip_nulls(jsonb_build_object('tokensUsed', tokens_used, 'costUsd', cost_usd)),
         created_at AT TIME ZONE 'UTC'
  FROM public.messages WHERE tenant_id = ANY ($1::uuid[])`;

const TENANTS_PER_BATCH = 25;

/** Builds the seed 004 design and fills it from the public tables (as the superuser). */
export async function installSeed004(bench: BenchDatabase, tenantIds: string[], messages: number): Promise<void> {
  await bench.db.rawTransaction((session) => session.exec(TABLES));
  const progress = new Progress(`${bench.name}: seed004 copy`, messages, 'messages');
  for (let i = 0; i < tenantIds.length; i += TENANTS_PER_BATCH) {
    const batch = tenantIds.slice(i, i + TENANTS_PER_BATCH);
    const copied = await bench.db.rawTransaction(async (session) => {
      await session.exec('SET LOCAL session_replication_role = replica');
      await session.command(COPY_SESSIONS, [batch]);
      return session.command(COPY_MESSAGES, [batch]);
    });
    progress.tick(copied);
  }
  progress.finish();
  await timed(`${bench.name}: seed004 indexes and policies`, () =>
    bench.db.rawTransaction((session) => session.exec(INDEXES_AND_POLICIES)),
  );
}

/** The seed's role must not bypass RLS, or the comparison measures nothing. */
export async function checkSeed004Role(bench: BenchDatabase): Promise<void> {
  const [role] = await bench.raw.query<{ rolsuper: boolean; rolbypassrls: boolean }>(
    'SELECT rolsuper, rolbypassrls FROM pg_catalog.pg_roles WHERE rolname = $1',
    [SEED004_ROLE],
  );
  if (!role) throw new Error(`The role ${SEED004_ROLE} is missing: rerun with --regenerate.`);
  if (role.rolsuper || role.rolbypassrls) {
    throw new Error(`The role ${SEED004_ROLE} bypasses RLS (superuser or BYPASSRLS); drop it and rerun.`);
  }
}

/** Runs one statement the seed's way: in a transaction, as the seed's role, tenant set locally. */
export interface Seed004Runner {
  query<Row = Record<string, unknown>>(tenantId: string, text: string, params: unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

const SET_TENANT = "SELECT set_config('app.current_tenant_id', $1, true)";

export function openSeed004Runner(bench: BenchDatabase, concurrency: number): Seed004Runner {
  if (bench.url === undefined) {
    // PGlite has one connection, as its superuser: switch to the seed's role for the transaction.
    return {
      query: <Row>(tenantId: string, text: string, params: unknown[]) =>
        bench.db.rawTransaction(async (session) => {
          await session.exec(`SET LOCAL ROLE ${SEED004_ROLE}`);
          await session.query(SET_TENANT, [tenantId]);
          return session.query<Row>(text, params);
        }),
      close: async () => {},
    };
  }
  // On a server the seed's application logs in as its own role.
  const pool = new pg.Pool({ connectionString: databaseUrl(bench.url, bench.name, SEED004_ROLE), max: concurrency });
  pool.on('error', () => {});
  return {
    query: async <Row>(tenantId: string, text: string, params: unknown[]) => {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        await client.query(SET_TENANT, [tenantId]);
        const { rows } = await client.query(text, params);
        await client.query('COMMIT');
        return rows as Row[];
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

/** The seed's latest-50 list of a session (our conversation), keyset-paginated like ours. */
export function seed004ListSql(withCursor: boolean): string {
  return `SELECT id, session_id, role, content, attachments, metadata, "timestamp" FROM seed004.messages
    WHERE session_id = $1${withCursor ? ' AND ("timestamp", id) < ($2::timestamp, $3::uuid)' : ''}
    ORDER BY "timestamp" DESC, id DESC LIMIT 50`;
}

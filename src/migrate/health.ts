import type { Database } from '../db/database.ts';
import { migrationStatus } from './status.ts';

export interface DatabaseHealth {
  ok: boolean;
  backend: Database['kind'];
  serverVersion?: string;
  latencyMs?: number;
  migrations?: { applied: number; pending: number; edited: number };
  /** tenantdb_app exists and is neither superuser nor BYPASSRLS. */
  appRoleSafe?: boolean;
  error?: string;
}

/** A cheap, non-throwing health check for readiness probes. */
export async function checkDatabaseHealth(db: Database): Promise<DatabaseHealth> {
  const started = performance.now();
  try {
    const [row] = await db.rawQuery<{ version: string; safe: boolean | null }>(
      `select current_setting('server_version') as version,
              (select not (rolsuper or rolbypassrls) from pg_roles where rolname = 'tenantdb_app') as safe`,
    );
    const latencyMs = Math.round((performance.now() - started) * 100) / 100;
    const { applied, pending, edited } = await migrationStatus({ query: db.rawQuery });
    return {
      ok: pending === 0 && edited === 0 && row?.safe === true,
      backend: db.kind,
      serverVersion: row?.version ?? 'unknown',
      latencyMs,
      migrations: { applied, pending, edited },
      appRoleSafe: row?.safe === true,
    };
  } catch (error) {
    return { ok: false, backend: db.kind, error: (error as Error).message };
  }
}

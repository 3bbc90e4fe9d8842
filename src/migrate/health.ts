import type { Database } from '../db/database.ts';
import { loadMigrations } from './migrator.ts';

export interface DatabaseHealth {
  ok: boolean;
  backend: Database['kind'];
  serverVersion?: string;
  latencyMs?: number;
  migrations?: { applied: number; pending: number };
  /** tenantdb_app exists and is neither superuser nor BYPASSRLS. */
  appRoleSafe?: boolean;
  error?: string;
}

/** A cheap, non-throwing health check for readiness probes. */
export async function checkDatabaseHealth(db: Database): Promise<DatabaseHealth> {
  const started = performance.now();
  try {
    const [row] = await db.rawQuery<{ version: string; applied: number | null; safe: boolean | null }>(
      `select current_setting('server_version') as version,
              (select count(*)::int from tenantdb.migrations) as applied,
              (select not (rolsuper or rolbypassrls) from pg_roles where rolname = 'tenantdb_app') as safe`,
    );
    const latencyMs = Math.round((performance.now() - started) * 100) / 100;
    const total = (await loadMigrations()).length;
    const applied = row?.applied ?? 0;
    return {
      ok: applied === total && row?.safe === true,
      backend: db.kind,
      serverVersion: row?.version ?? 'unknown',
      latencyMs,
      migrations: { applied, pending: total - applied },
      appRoleSafe: row?.safe === true,
    };
  } catch (error) {
    return { ok: false, backend: db.kind, error: (error as Error).message };
  }
}

/** Running the real `tenantdb` binary as a user would, and opening the database it used. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createDatabase, type Database } from '../../src/index.ts';
import type { TestDatabase } from './backend.ts';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const bin = fileURLToPath(new URL('../../bin/tenantdb.js', import.meta.url));

/** Spawns `command args` in the repository, without the caller's DATABASE_URL unless `env` sets it. */
export function run(command: string, args: string[], env: Record<string, string | undefined> = {}) {
  const result = spawnSync(command, args, {
    cwd: root,
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, DATABASE_URL: undefined, ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Runs `fn` on the database a CLI run used: the server's test database, or the PGlite data
 * directory `dataDir` (opened for `fn` only and closed before the next CLI run opens it).
 */
export async function openTarget<T>(
  server: TestDatabase | undefined,
  dataDir: string,
  fn: (db: Database) => Promise<T>,
): Promise<T> {
  if (server) return fn(server.db);
  const db = await createDatabase({ dataDir });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

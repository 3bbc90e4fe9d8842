import type { Database, RawSession } from './database.ts';

class RolledBack<T> extends Error {
  constructor(readonly value: T) {
    super('tenantdb: rolled back on purpose');
  }
}

/**
 * Runs `fn` in one raw transaction on the system connection that is always rolled back, and
 * resolves to what `fn` returned: for probes and checks that must leave nothing behind
 * (`tenantdb verify`, tests that remove a protection on purpose). An error of `fn` rolls back too
 * and is rethrown.
 */
export async function inRolledBackTransaction<T>(
  db: Pick<Database, 'rawTransaction'>,
  fn: (session: RawSession) => Promise<T>,
): Promise<T> {
  try {
    await db.rawTransaction(async (session) => {
      throw new RolledBack(await fn(session));
    });
  } catch (error) {
    if (error instanceof RolledBack) return error.value as T;
    throw error;
  }
  throw new Error('unreachable: the transaction always rolls back');
}

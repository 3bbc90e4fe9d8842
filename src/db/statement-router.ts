import { AsyncLocalStorage } from 'node:async_hooks';
import { TenantDbError } from '../errors.ts';

interface Slot<Session> {
  session: Session;
  used: boolean;
}

/**
 * Lets one Drizzle instance, built once per database, serve every single-statement operation:
 * the Drizzle client it wraps asks `take()` for the session of the operation running in the
 * current async context (AsyncLocalStorage), so concurrent operations never share one. Each
 * operation may take its session once: a second statement is refused before it is sent.
 */
export function statementRouter<Session>() {
  const storage = new AsyncLocalStorage<Slot<Session>>();
  return {
    run<T>(session: Session, fn: () => Promise<T>): Promise<T> {
      // Awaited inside the scope: Drizzle's query builders are lazy thenables that only send
      // their statement when awaited, and that must happen where the session can be found.
      return storage.run({ session, used: false }, async () => await fn());
    },
    take(): Session {
      const slot = storage.getStore();
      if (slot === undefined) {
        throw new Error('tenantdb: the single-statement Drizzle instance was used outside runStatement()');
      }
      if (slot.used) {
        throw new TenantDbError(
          'STATEMENT_LIMIT',
          'Refused: run() executes exactly one statement and this operation issued a second one, which was not sent. The first ran in its own transaction. Use transaction() for several statements that must be atomic.',
        );
      }
      slot.used = true;
      return slot.session;
    },
  };
}

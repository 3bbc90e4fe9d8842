import { migrationStatus } from '../migrate/status.ts';
import type { CheckItem } from '../verify/check.ts';
import { lintCatalogue, type LintFamilyName } from '../verify/lints/index.ts';
import type { CliOptions } from './args.ts';
import { describeTarget, withDatabase } from './connection.ts';
import { renderTable } from './table.ts';

/** The lint families doctor reports: the server, the application role and its grants. */
const DOCTOR_FAMILIES: readonly LintFamilyName[] = ['grant', 'role', 'server'];

/**
 * `tenantdb doctor`: a short health report — server version and the CVE-2025-1094 fix,
 * extensions, the application role and its grants, migrations applied and not edited since.
 */
export async function doctorCommand(options: CliOptions): Promise<number> {
  const items = await withDatabase(options, (db) =>
    db.rawTransaction(async (session) => {
      const found: CheckItem[] = await lintCatalogue(session, { families: DOCTOR_FAMILIES });
      const [vector] = await session.query<{ version: string | null }>(
        `select (select extversion from pg_extension where extname = 'vector') as version`,
      );
      found.push({
        id: 'doctor.extension-vector',
        check: 'extension vector installed',
        object: 'vector',
        ok: vector?.version != null,
        detail: vector?.version
          ? `pgvector ${vector.version}`
          : 'Install pgvector on the server and run tenantdb migrate.',
      });
      const status = await migrationStatus(session);
      for (const file of status.files) {
        found.push({
          id: 'doctor.migration-unchanged',
          check: 'migration applied and unchanged',
          object: file.tag,
          ok: file.state === 'applied',
          detail:
            file.state === 'pending'
              ? 'not applied: run tenantdb migrate'
              : file.state === 'applied'
                ? 'applied'
                : 'the file changed after it was applied: restore it and put the change in a new migration',
        });
      }
      return found;
    }),
  );
  const failed = items.filter((i) => !i.ok);
  if (options.json) console.log(JSON.stringify({ checks: items.length, failed: failed.length, items }));
  else {
    console.log(`tenantdb doctor: ${describeTarget(options)}\n`);
    console.log(
      renderTable(
        ['', 'check', 'object', 'detail'],
        items.map((i) => [i.ok ? 'ok' : 'FAIL', i.check, i.object, i.detail]),
      ),
    );
    console.log(`\n${items.length} checks, ${failed.length} failed.`);
  }
  return failed.length === 0 ? 0 : 1;
}

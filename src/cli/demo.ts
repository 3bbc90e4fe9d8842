import { crossTenantAttempts, visibility } from '../demo/isolation-demo.ts';
import { seedSampleData } from '../demo/sample-data.ts';
import { migrate } from '../migrate/migrator.ts';
import type { CliOptions } from './args.ts';
import { describeTarget, withDatabase } from './connection.ts';
import { renderTable } from './table.ts';

/**
 * `tenantdb demo` (what `npm start` runs): migrate, seed the sample tenants of seed 002, then
 * show what each user sees and the outcome of every cross-tenant attempt. Exit 0 only when every
 * attempt was refused and nobody saw a foreign row.
 */
export async function demoCommand(options: CliOptions): Promise<number> {
  console.log(`tenantdb demo: ${describeTarget(options)}\n`);
  return withDatabase(options, async (db) => {
    console.log('1. Migrations');
    await migrate(db, { log: (line) => console.log(`   ${line}`) });
    console.log('\n2. Sample data (seed 002: Acme Corporation, Tech Startup Inc, Healthcare Co)');
    const sample = await seedSampleData(db, (line) => console.log(`   ${line}`));

    console.log('\n3. What each user sees in their own tenant context (as tenantdb_app, under RLS)\n');
    const seen = await visibility(db, sample);
    console.log(
      indent(
        renderTable(
          ['user', 'tenant', 'role', 'tenants visible', 'conversations', 'messages', 'foreign rows'],
          seen.map((r) => [
            r.user,
            r.tenant,
            r.role,
            `${r.tenantsVisible}`,
            `${r.conversations}`,
            `${r.messages}`,
            `${r.foreignRows}`,
          ]),
        ),
      ),
    );

    console.log("\n4. Cross-tenant attempts (raw SQL inside the attacker's own context, unless noted)\n");
    const attempts = await crossTenantAttempts(db, sample);
    console.log(
      indent(
        renderTable(
          ['attempt', 'by', 'against', 'outcome'],
          attempts.map((a) => [a.attempt, a.actor, a.target, a.outcome]),
        ),
      ),
    );
    const leaks = attempts.filter((a) => !a.refused).length + seen.reduce((n, r) => n + r.foreignRows, 0);
    console.log(
      `\n${attempts.length} cross-tenant attempts, ${attempts.length - attempts.filter((a) => !a.refused).length} refused, ${leaks} leaks.`,
    );
    return leaks === 0 ? 0 : 1;
  });
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `   ${l}`)
    .join('\n');
}

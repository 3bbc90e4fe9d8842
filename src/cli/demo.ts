import { crossTenantAttempts, rowsPerTenant, visibility } from '../demo/isolation-demo.ts';
import { knowledgeSearches } from '../demo/knowledge-demo.ts';
import { spendPerTenant } from '../demo/billing-demo.ts';
import { runAgentTasks } from '../demo/tasks-demo.ts';
import { seedSampleData } from '../demo/sample-data.ts';
import { migrate } from '../migrate/migrator.ts';
import type { CliOptions } from './args.ts';
import { describeTarget, withDatabase } from './connection.ts';
import { renderTable } from './table.ts';

/**
 * `tenantdb demo` (what `npm start` runs): migrate, seed the sample tenants of seed 002, then
 * show what each user sees, how many rows of every table each tenant's admin sees, one knowledge
 * search per tenant, and the outcome of every cross-tenant attempt. Exit 0 only when every attempt was refused and nobody
 * saw a foreign row.
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

    console.log("\n4. Rows per tenant (as each tenant's admin, under RLS)\n");
    const rows = await rowsPerTenant(db, sample);
    console.log(
      indent(
        renderTable(
          ['tenant table', ...sample.map((t) => t.name)],
          rows.tenantTables.map((r) => [r.table, ...r.counts.map(String)]),
        ),
      ),
    );
    const empty = rows.tenantTables.flatMap((r) =>
      r.counts.flatMap((n, i) => (n === 0 ? [`${r.table} (${sample[i]?.name})`] : [])),
    );
    const foreignRows = rows.tenantTables.reduce((n, r) => n + r.foreignRows, 0);
    console.log(
      `\n   ${rows.tenantTables.length} tenant tables, ${empty.length === 0 ? 'every one with rows for every tenant' : `empty: ${empty.join(', ')}`}; ${foreignRows} foreign rows seen.\n`,
    );
    console.log(
      indent(
        renderTable(
          ['global table', 'all rows', ...sample.map((t) => `${t.name} admin`)],
          rows.globalTables.map((r) => [
            r.table,
            `${r.total}`,
            ...r.visible.map((n) => (n === undefined ? 'no access' : `${n}`)),
          ]),
        ),
      ),
    );

    console.log(
      '\n5. Knowledge: one hybrid search per tenant (vector + full text, fused by rank), as its admin, over\n' +
        '   its own documents and the global knowledge\n',
    );
    const searches = await knowledgeSearches(db, sample);
    console.log(
      indent(
        renderTable(
          ['tenant', 'question', 'best result', 'from', 'score', 'snippet'],
          searches.map((r) => [r.tenant, r.question, r.title, r.source, r.score, r.snippet]),
        ),
      ),
    );
    const foreignResults = searches.reduce((n, r) => n + r.foreign, 0);
    console.log(
      `\n   ${searches.reduce((n, r) => n + r.results, 0)} results, ${foreignResults} from another tenant's documents.`,
    );

    console.log(
      "\n6. Spend this month: each tenant's running total and budget alerts, kept by the database as\n" +
        '   its costs were recorded (recordCosts), as its admin\n',
    );
    const spend = await spendPerTenant(db, sample);
    console.log(
      indent(
        renderTable(
          [
            'tenant',
            'last 30 days',
            'month to date',
            'top service',
            'monthly budget',
            'used',
            'open alerts',
            'alerts raised',
          ],
          spend.map((r) => [
            r.tenant,
            r.last30Days,
            r.monthToDate,
            r.topService,
            r.budget,
            r.percent,
            r.alerts,
            r.raised,
          ]),
        ),
      ),
    );
    const foreignAlerts = spend.reduce((n, r) => n + r.foreign, 0);

    console.log(
      '\n7. Agent tasks: each tenant queues two tasks (enqueueMany), one worker claims them tenant-fairly\n' +
        "   and runs each handler in its task's tenant context; each admin reads back its own results\n",
    );
    const taskRows = await runAgentTasks(db, sample);
    console.log(
      indent(
        renderTable(
          ['tenant', 'task', 'status', 'agent', 'result', 'cost', 'foreign'],
          taskRows.map((r) => [r.tenant, r.type, r.status, r.agent, r.summary, r.costUsd, String(r.foreign)]),
        ),
      ),
    );
    const foreignTasks = taskRows.reduce((n, r) => n + r.foreign, 0);

    console.log('\n8. Cross-tenant attempts by Bob (Acme) against Tech Startup\n');
    const attempts = await crossTenantAttempts(db, sample);
    const database = attempts.filter((a) => a.layer === 'database');
    const application = attempts.filter((a) => a.layer === 'application');
    console.log(
      "   Raw SQL as tenantdb_app: each attack `tenantdb verify` tries (ATTACKS), in Bob's own context, with no\n" +
        '   context and with an injected tenant id (in a transaction that is rolled back):\n',
    );
    const described = new Map(database.map((a) => [a.attempt, a.description]));
    for (const [attempt, description] of described) console.log(`   - ${attempt}: ${description}`);
    console.log();
    console.log(
      indent(
        renderTable(
          ['attack', 'context', 'against', 'outcome'],
          database.map((a) => [a.attempt, a.context, a.target, a.outcome]),
        ),
      ),
    );
    console.log("\n   Application-layer checks (through tenantdb's API, not raw SQL):\n");
    console.log(
      indent(
        renderTable(
          ['attempt', 'against', 'outcome'],
          application.map((a) => [a.attempt, a.target, a.outcome]),
        ),
      ),
    );
    const refused = attempts.filter((a) => a.refused).length;
    const leaks =
      attempts.length -
      refused +
      seen.reduce((n, r) => n + r.foreignRows, 0) +
      foreignRows +
      foreignResults +
      foreignAlerts +
      foreignTasks;
    console.log(`\n${attempts.length} cross-tenant attempts, ${refused} refused, ${leaks} leaks.`);
    return leaks === 0 ? 0 : 1;
  });
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `   ${l}`)
    .join('\n');
}

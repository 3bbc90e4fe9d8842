import { verify, type CheckItem, type VerifyReport } from '../verify/index.ts';
import type { CliOptions } from './args.ts';
import { describeTarget, withDatabase } from './connection.ts';
import { renderTable } from './table.ts';

/**
 * `tenantdb verify`: catalogue lints + live probe; exit 0 only when everything holds. What the
 * probe cannot do on a table (write a sample row, for one) is a failure in the report, so a
 * database holding tables without the contract gets findings, not a stack trace.
 */
export async function verifyCommand(options: CliOptions): Promise<number> {
  const report = await withDatabase(options, (db) => verify(db));
  if (options.json) {
    const { checks, failed, leaks, items } = report;
    console.log(
      JSON.stringify({
        checks,
        failed,
        leaks,
        attacks: report.attacks,
        items: items.map(({ id, check, object, ok, detail }) => ({ id, check, object, ok, detail })),
      }),
    );
  } else {
    console.log(`tenantdb verify: ${describeTarget(options)}\n`);
    console.log(renderReport(report));
  }
  return report.failed === 0 ? 0 : 1;
}

/** Failures first (each naming the lint, the object and the fix), then passes summarised per table. */
export function renderReport(report: VerifyReport): string {
  // Group per table (or role, function, server): "public.messages.x USING" → "messages".
  const tableOf = (item: CheckItem) =>
    (item.object.split(' ')[0] ?? item.object).replace(/^public\./, '').split('.')[0] ?? item.object;
  const failures = report.items.filter((i) => !i.ok);
  const lines: string[] = [];
  if (failures.length > 0) {
    lines.push(`FAILED (${failures.length})\n`);
    lines.push(
      renderTable(
        ['lint', 'object', 'check', 'what to do'],
        failures.map((i) => [i.id ?? 'probe', i.object, i.check, i.detail]),
      ),
    );
    lines.push('');
  }
  const byTable = new Map<string, { passed: number; failed: number; attacks: number }>();
  for (const item of report.items) {
    const key = tableOf(item);
    const entry = byTable.get(key) ?? { passed: 0, failed: 0, attacks: 0 };
    if (item.ok) entry.passed++;
    else entry.failed++;
    if (item.attack) entry.attacks++;
    byTable.set(key, entry);
  }
  const rows = [...byTable.entries()].sort(([a, x], [b, y]) => y.failed - x.failed || a.localeCompare(b));
  lines.push(
    renderTable(
      ['object', 'passed', 'failed', 'attacks'],
      rows.map(([k, v]) => [k, `${v.passed}`, `${v.failed}`, `${v.attacks}`]),
    ),
  );
  lines.push(
    `\n${report.checks} checks, ${report.failed} failed; ${report.attacks} attacks tried, ${report.leaks} leaks.`,
  );
  return lines.join('\n');
}

// Sums vitest JSON reports (one per backend) into a table and a closing "N passed, N failed" line.
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
let missing = 0;
for (const file of process.argv.slice(2)) {
  const name = basename(file, '.json');
  if (!existsSync(file)) {
    console.log(`${name.padEnd(14)} no report (the run did not finish)`);
    missing++;
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const p = report.numPassedTests;
  // A file that fails to load has no failed tests but is a failed suite: count it once.
  const f = report.numFailedTests || (report.numFailedTestSuites ?? 0);
  const s = report.numPendingTests + report.numTodoTests;
  console.log(`${name.padEnd(14)} ${p} passed, ${f} failed, ${s} skipped (${report.numTotalTestSuites} suites)`);
  passed += p;
  failed += f;
  skipped += s;
}
console.log(`total: ${passed} passed, ${failed + missing} failed, ${skipped} skipped`);
process.exit(failed + missing === 0 && passed > 0 ? 0 : 1);

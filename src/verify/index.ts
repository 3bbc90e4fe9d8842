/**
 * `tenantdb verify` as a library: the catalogue lints (LINT_FAMILIES, `lintCatalogue`), the live
 * probe's attack catalogue (ATTACKS, ATTACK_VARIANTS, `runAttack`), what an attack target is built
 * from (`loadTable`, `sampleRow`) and `verify`, which runs both. Import from here, not from the
 * files of this folder.
 */
export { verify, type VerifyOptions } from './verify.ts';
export type { CheckItem, VerifyReport } from './check.ts';
export { LINT_FAMILIES, lintCatalogue, type LintFamilyName, type LintId, type LintOptions } from './lints/index.ts';
export type { Lint, LintFamily } from './lints/lint.ts';
export {
  ATTACKS,
  ATTACK_VARIANTS,
  refusalOf,
  runAttack,
  type Attack,
  type AttackId,
  type AttackOutcome,
  type AttackSide,
  type AttackStatement,
  type AttackTable,
  type AttackTarget,
  type AttackVariant,
} from './attacks.ts';
export { sampleRow, type ColumnValue } from './sample-row.ts';
export { loadTable, type ProbeTable } from './probe-tables.ts';
export { SAMPLE_ROW_ID, type ProbeOptions } from './probe.ts';

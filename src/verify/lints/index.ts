/**
 * The catalogue lints: the isolation contract of docs/ARCHITECTURE.md checked table by table,
 * plus the application role, SECURITY DEFINER functions, views, the server version and, on a
 * Citus coordinator, the distribution and every shard's policies. Read-only.
 *
 * LINT_FAMILIES is the one list of them. The family names, the lint ids and the families a
 * command shows (`tenantdb doctor`) or a test asserts (the drift test) derive from it.
 */
import { APP_ROLE } from '../../contract/roles.ts';
import type { RawSession } from '../../db/database.ts';
import type { CheckItem } from '../check.ts';
import { loadTables, type CatalogueTable } from './catalogue.ts';
import { citusLints } from './citus.ts';
import { functionLints } from './functions.ts';
import { grantLints } from './grants.ts';
import { keyLints } from './keys.ts';
import type { LintContext } from './lint.ts';
import { policyLints } from './policies.ts';
import { roleLints } from './roles.ts';
import { serverLints } from './server.ts';
import { tableLints } from './tables.ts';
import { viewLints } from './views.ts';

/** Every lint family, in the order their items are reported. */
export const LINT_FAMILIES = [
  tableLints,
  policyLints,
  keyLints,
  grantLints,
  roleLints,
  functionLints,
  viewLints,
  serverLints,
  citusLints,
] as const;

export type LintFamilyName = (typeof LINT_FAMILIES)[number]['name'];
export type LintId = (typeof LINT_FAMILIES)[number]['lints'][number]['id'];

export interface LintOptions {
  /** Schemas holding application tables. Default: ['public']. */
  schemas?: string[];
  /** The application role. Default: tenantdb_app. */
  appRole?: string;
  /** Run only these families (in LINT_FAMILIES order). Default: all. */
  families?: readonly LintFamilyName[];
}

/** Runs the lints of every family (or of `options.families`), one item per lint and object checked. */
export async function lintCatalogue(session: RawSession, options: LintOptions = {}): Promise<CheckItem[]> {
  const schemas = options.schemas ?? ['public'];
  let tables: Promise<CatalogueTable[]> | undefined;
  const context: LintContext = {
    session,
    schemas,
    app: options.appRole ?? APP_ROLE,
    tables: () => (tables ??= loadTables(session, schemas)),
  };
  const items: CheckItem[] = [];
  for (const family of LINT_FAMILIES) {
    if (options.families && !options.families.includes(family.name)) continue;
    items.push(...(await family.run(context)));
  }
  return items;
}

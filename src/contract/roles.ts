import { pgRole } from 'drizzle-orm/pg-core';

/**
 * The role every tenant transaction runs as: NOSUPERUSER, NOBYPASSRLS, owns nothing, DML grants
 * only. A transaction opened on a privileged connection switches to it with `SET LOCAL ROLE`.
 */
export const APP_ROLE = 'tenantdb_app';

/**
 * The role of the system context (provisioning, rollups, cross-tenant jobs): BYPASSRLS, DML
 * grants only, never used implicitly. Only roles granted membership (the migrating owner) can
 * switch to it.
 */
export const SYSTEM_ROLE = 'tenantdb_system';

export const appRole = pgRole(APP_ROLE).existing();

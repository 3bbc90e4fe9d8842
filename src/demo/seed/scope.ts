/** The database and tenant scope the seeders work with: tenantdb's own schema. */
import type { BuiltinSchema } from '../../client/create-database.ts';
import type { Database } from '../../db/database.ts';
import type { TenantScope } from '../../tenancy/index.ts';

export type SeedDatabase = Database<BuiltinSchema>;
export type SeedScope = TenantScope<BuiltinSchema>;

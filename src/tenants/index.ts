/** Tenants: provisioning, members, the lifecycle (ACTIVE, TRIAL, SUSPENDED, CANCELLED) and the time zone. System work. */
import type { SystemScope } from '../tenancy/index.ts';
import { addMember, provisionTenant, setTenantStatus } from './provision.ts';
import { setTenantTimeZone } from './time-zone.ts';

export { addMember, provisionTenant, setTenantStatus, type ProvisionTenantInput } from './provision.ts';
export { setTenantTimeZone } from './time-zone.ts';

/** The system client's `tenants` namespace. */
export function tenantsNamespace(scope: SystemScope) {
  return {
    provision: (input: Parameters<typeof provisionTenant>[1]) => provisionTenant(scope, input),
    addMember: (tenantId: string, user: Parameters<typeof addMember>[2], role?: Parameters<typeof addMember>[3]) =>
      addMember(scope, tenantId, user, role),
    setStatus: (tenantId: string, status: Parameters<typeof setTenantStatus>[2]) =>
      setTenantStatus(scope, tenantId, status),
    setTimeZone: (tenantId: string, timeZone: string) => setTenantTimeZone(scope, tenantId, timeZone),
  };
}

/** Tenants: provisioning, members and the lifecycle (ACTIVE, TRIAL, SUSPENDED, CANCELLED). System work. */
import type { SystemScope } from '../tenancy/index.ts';
import { addMember, provisionTenant, setTenantStatus } from './provision.ts';

export { addMember, provisionTenant, setTenantStatus, type ProvisionTenantInput } from './provision.ts';

/** The system client's `tenants` namespace. */
export function tenantsNamespace(scope: SystemScope) {
  return {
    provision: (input: Parameters<typeof provisionTenant>[1]) => provisionTenant(scope, input),
    addMember: (tenantId: string, user: Parameters<typeof addMember>[2], role?: Parameters<typeof addMember>[3]) =>
      addMember(scope, tenantId, user, role),
    setStatus: (tenantId: string, status: Parameters<typeof setTenantStatus>[2]) =>
      setTenantStatus(scope, tenantId, status),
  };
}

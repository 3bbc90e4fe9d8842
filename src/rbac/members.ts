/**
 * The open tenant's member directory: who belongs to it, with their profile, role and status. A
 * tenant context reads only its own user's row of the global `users` table (its policy compares a
 * setting, never reads a table), so the profiles come from `tenantdb.member_directory()`, which
 * answers for the context's tenant only.
 */
import { sql } from 'drizzle-orm';
import { TenantDbError } from '../errors.ts';
import { isUuid, requireTenantScope, rowsOf, type TenantScope } from '../tenancy/index.ts';

export interface Member {
  memberId: string;
  userId: string;
  email: string;
  name: string | null;
  image: string | null;
  role: string;
  status: string;
  joinedAt: Date;
}

export interface ListMembersOptions {
  /** At most this many (1–1000, default 100). */
  limit?: number;
  /** The last member of the previous page: the list goes on after it (keyset on joinedAt, memberId). */
  after?: Pick<Member, 'joinedAt' | 'memberId'>;
}

interface MemberRow {
  member_id: string;
  user_id: string;
  email: string;
  name: string | null;
  image: string | null;
  role: string;
  status: string;
  joined_at: string | Date;
}

/**
 * Lists the tenant's members in the order they joined, a page at a time.
 *
 * On Citus the directory is read as `tenantdb_system`: in a transaction that has already written
 * `tenant_members` as the application role, Citus refuses it ("modified in this transaction by a
 * different user"); list members in a transaction of its own (the tenant client does).
 *
 * @example
 * const page = await listMembers(tenant, { limit: 50 });
 * const next = await listMembers(tenant, { limit: 50, after: page.at(-1) });
 */
export async function listMembers(scope: TenantScope, options: ListMembersOptions = {}): Promise<Member[]> {
  const tenant = requireTenantScope(scope, 'listMembers');
  const limit = options.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new TenantDbError(
      'INVALID_INPUT',
      `listMembers: limit must be an integer from 1 to 1000 (got ${String(limit)}).`,
    );
  }
  const after = options.after;
  if (after !== undefined && (!(after.joinedAt instanceof Date) || !isUuid(after.memberId))) {
    throw new TenantDbError(
      'INVALID_INPUT',
      'listMembers: after needs the joinedAt (a Date) and memberId of a member.',
    );
  }
  const rows = rowsOf<MemberRow>(
    await tenant.transaction((tx) =>
      tx.execute(
        sql`select * from tenantdb.member_directory(${after?.joinedAt.toISOString() ?? null}::timestamptz, ${after?.memberId ?? null}::uuid, ${limit}::int)`,
      ),
    ),
  );
  return rows.map((r) => ({
    memberId: r.member_id,
    userId: r.user_id,
    email: r.email,
    name: r.name,
    image: r.image,
    role: r.role,
    status: r.status,
    joinedAt: new Date(r.joined_at),
  }));
}

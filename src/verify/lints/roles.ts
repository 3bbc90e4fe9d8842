import { SYSTEM_ROLE } from '../../contract/roles.ts';
import { lint, lintFamily } from './lint.ts';

const APP_EXISTS = lint('role.app-exists', 'application role exists');
const APP_NOT_SUPERUSER = lint('role.app-not-superuser', 'application role is not superuser');
const APP_NO_BYPASSRLS = lint('role.app-no-bypassrls', 'application role does not bypass RLS');
const APP_OWNS_NOTHING = lint('role.app-owns-nothing', 'application role owns nothing');
const APP_NO_CREATE = lint('role.app-no-create', 'application role cannot CREATE in schemas');
const APP_NOT_SYSTEM = lint('role.app-not-system', 'application role cannot become the system role');

interface RoleRow {
  super: boolean;
  bypass: boolean;
  system_member: boolean;
  owns: number;
  create_schemas: string[];
}

/**
 * The application role is the one RLS applies to: not a superuser, no BYPASSRLS, owner of
 * nothing, no CREATE on any schema, and no way to SET ROLE to the system role.
 */
export const roleLints = lintFamily({
  name: 'role',
  lints: [APP_EXISTS, APP_NOT_SUPERUSER, APP_NO_BYPASSRLS, APP_OWNS_NOTHING, APP_NO_CREATE, APP_NOT_SYSTEM],
  async run({ session, app }, report) {
    const [role] = await session.query<RoleRow>(
      `select r.rolsuper as super, r.rolbypassrls as bypass,
              exists (select 1 from pg_roles s where s.rolname = $2 and pg_has_role(r.oid, s.oid, 'MEMBER')) as system_member,
              (select count(*)::int from pg_class where relowner = r.oid)
                + (select count(*)::int from pg_proc where proowner = r.oid)
                + (select count(*)::int from pg_namespace where nspowner = r.oid)
                + (select count(*)::int from pg_type t where typowner = r.oid and t.typrelid = 0) as owns,
              array(select nspname::text from pg_namespace
                    where nspname not like 'pg\\_%' and nspname <> 'information_schema'
                      and has_schema_privilege(r.oid, oid, 'CREATE') order by 1) as create_schemas
       from pg_roles r where r.rolname = $1`,
      [app, SYSTEM_ROLE],
    );
    if (!role) {
      report(APP_EXISTS, app, false, `Role ${app} does not exist: run tenantdb migrate.`);
      return;
    }
    report(APP_NOT_SUPERUSER, app, !role.super, role.super ? `ALTER ROLE ${app} NOSUPERUSER` : 'NOSUPERUSER');
    report(APP_NO_BYPASSRLS, app, !role.bypass, role.bypass ? `ALTER ROLE ${app} NOBYPASSRLS` : 'NOBYPASSRLS');
    report(
      APP_OWNS_NOTHING,
      app,
      role.owns === 0,
      role.owns === 0
        ? 'owns no tables, functions, schemas or types'
        : `${app} owns ${role.owns} objects: owners bypass RLS unless FORCEd and can ALTER them. Reassign them (REASSIGN OWNED BY ${app} TO <owner>).`,
    );
    report(
      APP_NO_CREATE,
      app,
      role.create_schemas.length === 0,
      role.create_schemas.length === 0
        ? 'no CREATE on any schema'
        : `REVOKE CREATE ON SCHEMA ${role.create_schemas.join(', ')} FROM ${app}`,
    );
    if (app !== SYSTEM_ROLE) {
      report(
        APP_NOT_SYSTEM,
        app,
        !role.system_member || role.super,
        role.system_member && !role.super ? `REVOKE ${SYSTEM_ROLE} FROM ${app}` : `not a member of ${SYSTEM_ROLE}`,
      );
    }
  },
});

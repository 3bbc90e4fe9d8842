// drizzle-kit generates the DDL of your own tables: `npx drizzle-kit generate --config examples/notes/drizzle.config.ts`.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './examples/notes/schema.ts',
  out: './examples/notes/migrations',
  // tenantdb_app is created by tenantdb's migrations; the policies only name it.
  entities: { roles: false },
  strict: true,
});

// Lint: typescript-eslint's recommended rules, and the layer rules of docs/ARCHITECTURE.md (which
// folder of src/ may import which). Import cycles are checked by dpdm (npm run lint).
import tseslint from 'typescript-eslint';

// The domain modules: each a small API over its own tables, reached by others only through index.ts.
const MODULES = [
  'api-keys',
  'rbac',
  'secrets',
  'tenants',
  'knowledge',
  'billing',
  'usage',
  'analytics',
  'tasks',
  'conversations',
  'audit',
];
const ALL = ['cli', 'client', 'demo', 'verify', 'tenancy', 'schema', 'contract', 'db', 'migrate', 'errors', ...MODULES];

/** A layer may import only `allowed` (folders of src/, or 'errors' for src/errors.ts). */
function layer(folder, allowed, why) {
  const forbidden = ALL.filter((name) => name !== folder && !allowed.includes(name));
  // Matches the folder at any depth of relative path (src/verify/lints/x.ts imports ../../db/…).
  const paths = (name) => (name === 'errors' ? ['**/errors.ts', '**/errors.js'] : [`**/${name}/*`]);
  return {
    files: [`src/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...forbidden.map((name) => ({ group: paths(name), message: `${folder} may not import ${name}: ${why}` })),
            // Other modules only through their index.ts.
            ...MODULES.filter((name) => name !== folder && allowed.includes(name)).map((name) => ({
              group: [`**/${name}/*`, `!**/${name}/index.ts`],
              message: `import the ${name} module through its index.ts`,
            })),
          ],
        },
      ],
    },
  };
}

const DOMAIN = ['tenancy', 'contract', 'schema', 'errors'];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'scratch/**',
      'migrations/**',
      'bench/results/**',
      'test-results/**',
      'dist/**',
      '.dist-build-*/**',
      'docs/api/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  layer('db', ['errors'], 'connecting knows no table, no tenant and no migration'),
  layer('contract', [], 'the declaration side depends on drizzle only'),
  layer('schema', ['contract'], 'tables are declared through the contract builders only'),
  layer('migrate', ['db', 'contract', 'errors'], 'the migrator applies SQL and the generated contract'),
  layer('tenancy', ['db', 'contract', 'errors'], 'the isolation engine knows no domain module'),
  layer('verify', ['db', 'contract', 'errors'], 'verify proves any schema that follows the contract'),
  ...MODULES.map((name) =>
    layer(name, [...DOMAIN, ...MODULES], 'a domain module uses tenancy, contract, schema and errors'),
  ),
  layer('client', ['db', 'tenancy', 'schema', 'contract', 'errors', 'migrate', ...MODULES], 'clients compose modules'),
  layer(
    'demo',
    ['db', 'tenancy', 'schema', 'contract', 'errors', 'client', 'verify', ...MODULES],
    'the demo calls the public module APIs and shows the attack catalogue',
  ),
);

#!/usr/bin/env bash
# Packed-tarball test: installs `npm pack`'s tarball into a throwaway project and uses it the way
# a consumer would, with plain Node 20 (no tsx, no loader):
#   (a) app.mjs: import 'tenantdb', migrate an embedded PGlite database, provision a tenant, run one
#       tenant query; import every subpath listed in package.json's "exports".
#   (b) the installed binary: npx tenantdb --help / migrate / health on a PGlite data directory.
#   (c) types: consumer.ts type-checked under NodeNext + strict (this repo's tsc), and
#       @arethetypeswrong/cli (attw) on the package.
# Prints each step's outcome; exits non-zero on the first failure. KEEP=1 keeps the temp dir.
#
# The consumer code is app.mjs and consumer.ts below: when the public API changes, change it there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
started=$SECONDS
work=$(mktemp -d "${TMPDIR:-/tmp}/tenantdb-pack-XXXXXX")
if [[ ${KEEP:-} == 1 ]]; then
  trap 'echo "pack-test: kept $work"' EXIT
else
  trap 'rm -rf "$work"' EXIT
fi

step() { printf '\n--- pack-test: %s (%ss)\n' "$*" "$((SECONDS - started))"; }
pass() { printf 'pack-test: PASS %s\n' "$*"; }
fail() {
  printf 'pack-test: FAIL %s\n' "$*" >&2
  exit 1
}

step "npm pack (its prepack script runs npm run build: a clean, strict build)"
npm pack --pack-destination "$work" >"$work/pack.log" 2>&1 || {
  cat "$work/pack.log" >&2
  fail "npm pack"
}
tarball=$(find "$work" -maxdepth 1 -name 'tenantdb-*.tgz' -print -quit)
[[ -n $tarball ]] || fail "npm pack wrote no tarball"
listing=$(tar -tzf "$tarball")
for f in package.json README.md bin/tenantdb.js dist/index.js dist/index.d.ts dist/cli/main.js \
  migrations/meta/_journal.json; do
  grep -qx "package/$f" <<<"$listing" || fail "the tarball has no $f"
done
if grep -q '^package/src/' <<<"$listing"; then fail "the tarball contains src/"; fi
pass "$(basename "$tarball"): $(wc -l <<<"$listing") files, $(du -k "$tarball" | cut -f1) KiB, no src/"

step "throwaway project: npm install the tarball"
app=$work/app
mkdir "$app"
types_node=$(node -p "require('./node_modules/@types/node/package.json').version")
cat >"$app/package.json" <<EOF
{
  "name": "tenantdb-pack-test",
  "private": true,
  "type": "module",
  "dependencies": { "tenantdb": "file:../$(basename "$tarball")" },
  "devDependencies": { "@types/node": "$types_node" }
}
EOF
(cd "$app" && npm install --prefer-offline --no-audit --no-fund) >"$work/install.log" 2>&1 || {
  cat "$work/install.log" >&2
  fail "npm install"
}
[[ ! -e $app/node_modules/tsx ]] || fail "tsx was installed: it must be a devDependency"
pass "installed ($(find "$app/node_modules" -maxdepth 2 -name package.json | wc -l) packages; no tsx)"

step "(a) node app.mjs: the library with plain Node $(node --version)"
cat >"$app/app.mjs" <<'EOF'
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createDatabase, createSystemClient, createTenantClient, migrate, provisionTenant } from 'tenantdb';

const db = await createDatabase({ embedded: true });
try {
  const { applied } = await migrate(db);
  const system = createSystemClient(db, { reason: 'pack test' });
  const { tenant } = await provisionTenant(system, { name: 'Pack Test', slug: 'pack-test' });
  const rows = await createTenantClient(db, { tenantId: tenant.id }).query(
    'select count(*)::int as n from conversations',
  );
  console.log(`migrations applied: ${applied.length}; tenant ${tenant.id}; conversations: ${JSON.stringify(rows)}`);
  assert.ok(applied.length > 0, 'migrate applied nothing on a fresh database');
  assert.deepEqual(rows, [{ n: 0 }]);
} finally {
  await db.close();
}

// Every subpath in package.json's "exports" (read through the "./package.json" export).
const { exports } = createRequire(import.meta.url)('tenantdb/package.json');
for (const subpath of Object.keys(exports)) {
  if (subpath === './package.json') continue;
  assert.ok(!subpath.includes('*'), `${subpath}: pattern exports are not tested; list each subpath`);
  const specifier = subpath === '.' ? 'tenantdb' : `tenantdb/${subpath.slice(2)}`;
  const names = Object.keys(await import(specifier));
  assert.ok(names.length > 0, `${specifier} exports nothing`);
  console.log(`import '${specifier}': ${names.length} exports`);
}
EOF
(cd "$app" && node app.mjs) || fail "node app.mjs"
pass "app.mjs"

step "(b) the installed binary: npx tenantdb"
data=$work/pgdata
(cd "$app" && npx --no-install tenantdb --help) >"$work/help.log" || fail "npx tenantdb --help"
grep -q 'migrate' "$work/help.log" || fail "npx tenantdb --help does not list migrate"
(cd "$app" && npx --no-install tenantdb migrate --data-dir "$data") || fail "npx tenantdb migrate"
(cd "$app" && npx --no-install tenantdb health --json --data-dir "$data") >"$work/health.json" ||
  fail "npx tenantdb health"
node -e '
  const h = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  if (!h.ok || h.migrations.pending !== 0) { console.error(h); process.exit(1); }
  console.log(`health: ok, ${h.migrations.applied} migrations applied, ${h.migrations.pending} pending`);
' "$work/health.json" || fail "npx tenantdb health: not ok"
pass "npx tenantdb --help, migrate, health"

step "(c) types: consumer.ts under NodeNext + strict (tsc $("$repo/node_modules/.bin/tsc" --version))"
cat >"$app/consumer.ts" <<'EOF'
import { createDatabase, createTenantClient, migrate, type Database, type TenantClient } from 'tenantdb';
import { TenantDbError } from 'tenantdb/errors';
import { conversations } from 'tenantdb/schema';

type Conversation = typeof conversations.$inferSelect;

export async function open(): Promise<Database> {
  const db: Database = await createDatabase({ embedded: true });
  const result = await migrate(db, { log: (line: string) => console.log(line) });
  const applied: string[] = result.applied;
  console.log(applied.length);
  return db;
}

export async function titles(client: TenantClient): Promise<string[]> {
  const rows = await client.query<Pick<Conversation, 'title'>>('select title from conversations');
  return rows.map((row) => row.title ?? '(untitled)');
}

export function client(db: Database, tenantId: string): TenantClient {
  return createTenantClient(db, { tenantId });
}

export function codeOf(error: unknown): string | undefined {
  return error instanceof TenantDbError ? error.code : undefined;
}

export const id: Conversation['id'] = '00000000-0000-0000-0000-000000000000';
// The types are real, not `any`: each of these must be an error.
// @ts-expect-error a conversation has no such column
export const nope: Conversation['noSuchColumn'] = 1;
// @ts-expect-error createDatabase takes an options object
void createDatabase(42);
EOF
cat >"$app/tsconfig.json" <<'EOF'
{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "lib": ["ES2022"],
    "types": ["node"],
    "strict": true,
    "noEmit": true,
    "skipLibCheck": false
  },
  "files": ["consumer.ts"]
}
EOF
# skipLibCheck is false, so every .d.ts is checked. Errors inside other packages' own declarations
# (drizzle-orm's: its gel/mysql2/singlestore typings) are not ours to fix: they are counted, and
# fail the step only when they are in consumer.ts or in tenantdb's dist/*.d.ts.
set +e
(cd "$app" && "$repo/node_modules/.bin/tsc" -p tsconfig.json --pretty false) >"$work/tsc.log" 2>&1
tsc_status=$?
set -e
errors=$(grep -E '^[^ ].*error TS' "$work/tsc.log" || true)
others=$(grep -E '^node_modules/' <<<"$errors" | grep -vE '^node_modules/tenantdb/' || true)
ours=$(grep -vE '^node_modules/' <<<"$errors" | grep -vE '^$' || true; grep -E '^node_modules/tenantdb/' <<<"$errors" || true)
ours=$(grep -vE '^$' <<<"$ours" || true)
if [[ -n $others ]]; then
  echo "pack-test: note: tsc errors in other packages' own declarations (not ours), per package:"
  sed -E 's#^node_modules/((@[^/]+/)?[^/]+)/.*#\1#' <<<"$others" | sort | uniq -c
fi
if [[ -n $ours ]] || { [[ $tsc_status -ne 0 ]] && [[ -z $errors ]]; }; then
  cat "$work/tsc.log" >&2
  echo "pack-test: errors in tenantdb's declarations or consumer.ts:" >&2
  echo "${ours:-(tsc failed without an error line; full log above)}" >&2
  fail "tsc --noEmit on consumer.ts"
fi
pass "consumer.ts type-checks against tenantdb's .d.ts (skipLibCheck false)"

step "(c) types: attw (are the types wrong), ESM-only profile"
attw=$repo/node_modules/.bin/attw
[[ -x $attw ]] || fail "attw is not installed (npm ci installs @arethetypeswrong/cli)"
"$attw" "$tarball" --profile esm-only --no-definitely-typed --format table-flipped --no-color || fail "attw found problems"
pass "attw"

printf '\npack-test: all steps passed in %ss\n' "$((SECONDS - started))"

import { lint, lintFamily } from './lint.ts';

const CVE_2025_1094 = lint('server.cve-2025-1094', 'server has the CVE-2025-1094 fix');

/** First minor release of each major with the CVE-2025-1094 fix (libpq quoting). */
const CVE_2025_1094_FIXED: Record<number, number> = { 13: 19, 14: 16, 15: 11, 16: 7, 17: 3 };

/** The server runs a release with the CVE-2025-1094 fix. */
export const serverLints = lintFamily({
  name: 'server',
  lints: [CVE_2025_1094],
  async run({ session }, report) {
    const [row] = await session.query<{ num: number; version: string }>(
      `select current_setting('server_version_num')::int as num, current_setting('server_version') as version`,
    );
    const num = row?.num ?? 0;
    const major = Math.floor(num / 10000);
    const minor = num % 10000;
    const fixed = CVE_2025_1094_FIXED[major];
    const ok = major > 17 || (fixed !== undefined && minor >= fixed);
    report(
      CVE_2025_1094,
      `server ${row?.version ?? 'unknown'}`,
      ok,
      ok
        ? `fixed from ${major}.${fixed ?? 0}`
        : fixed === undefined
          ? `PostgreSQL ${major} is out of support: upgrade to a supported major.`
          : `Upgrade to ${major}.${fixed} or later (fixed in 13.19, 14.16, 15.11, 16.7, 17.3).`,
    );
  },
});

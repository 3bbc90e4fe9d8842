/** The results: a table for stdout, the JSON record and an SVG chart of the ratios. */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { ExplainResult, Seed004ExplainResult } from './explain.ts';
import type { SideResult } from './harness.ts';
import type { ScenarioName } from './scenarios/index.ts';
import type { StandaloneResult } from './scenarios/standalone.ts';
import { MODULE_THROUGHPUT, SINGLE_STATEMENT, THROUGHPUT, type SideName, type Target } from './scenarios/scenario.ts';

export interface ScenarioResult {
  name: ScenarioName;
  description: string;
  database: string;
  tenants: number;
  targets: number;
  target: Target;
  sides: Partial<Record<SideName, SideResult>>;
  /** tenantdb ops/s ÷ raw ops/s. */
  ratioOps: number;
  /** tenantdb p50 ÷ raw p50. */
  ratioP50: number;
  /** Whether the target was met (null: judged elsewhere, or information only). */
  met: boolean | null;
  explain: ExplainResult;
  seed004?: { ratioOps: number; ratioP50: number; vsTenantdbP50: number; explain: Seed004ExplainResult };
  /** The scoped API (Drizzle builders) on the tenant client, against raw: information. */
  orm?: { ratioOps: number; ratioP50: number };
  /** record-costs-1000: the raw statement with cost_events' triggers disabled, against raw: information. */
  untriggered?: { ratioOps: number; ratioP50: number };
}

export interface ScalingResult {
  smallTenants: number;
  largeTenants: number;
  p50SmallMs: number;
  p50LargeMs: number;
  ratio: number;
  limit: number;
  met: boolean;
  /** The same for the raw side: growth that is the data's (or the machine's), not isolation's. */
  rawRatio: number;
}

export interface Report {
  date: string;
  startedAt: string;
  wallSeconds: number;
  machine: Record<string, unknown>;
  flags: Record<string, unknown>;
  datasets: unknown[];
  scenarios: ScenarioResult[];
  scaling: ScalingResult | null;
  explain: { scenario: string; ok: boolean; summary: string }[];
}

export const SCALING_LIMIT = 1.2;

export function judge(target: Target, ratioOps: number, ratioP50: number): boolean | null {
  if (target.kind === 'p50') return ratioP50 <= target.max;
  if (target.kind === 'ops') return ratioOps >= target.min;
  return null;
}

function targetText(target: Target): string {
  if (target.kind === 'p50') return `p50 ratio ≤ ${target.max}`;
  if (target.kind === 'ops') return `ops ratio ≥ ${target.min}`;
  if (target.kind === 'scaling') return `scaling (below)`;
  return 'info';
}

function metText(met: boolean | null): string {
  return met === null ? '—' : met ? 'yes' : 'NO';
}

function side(s: SideResult | undefined): string {
  if (s === undefined) return '—';
  return `${s.opsPerSec.toFixed(s.opsPerSec < 100 ? 1 : 0)} (${ms(s.p50Ms)}, ${ms(s.p95Ms)})`;
}

function ms(value: number): string {
  return value < 10 ? value.toFixed(3) : value.toFixed(1);
}

function ratio(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : '—';
}

interface Row {
  label: string;
  raw: string;
  other: string;
  ratioOps: string;
  ratioP50: string;
  target: string;
  met: string;
}

function rows(report: Report): Row[] {
  const out: Row[] = [];
  for (const r of report.scenarios) {
    if (r.name === 'seed004-list' && r.seed004) {
      out.push({
        label: 'seed004-list: seed 004 design',
        raw: side(r.sides.raw),
        other: side(r.sides.seed004),
        ratioOps: ratio(r.seed004.ratioOps),
        ratioP50: ratio(r.seed004.ratioP50),
        target: `info: p50 ${ratio(r.seed004.vsTenantdbP50)}× tenantdb's`,
        met: '—',
      });
      out.push({
        label: 'seed004-list: tenantdb, same run',
        raw: side(r.sides.raw),
        other: side(r.sides.tenantdb),
        ratioOps: ratio(r.ratioOps),
        ratioP50: ratio(r.ratioP50),
        target: 'info',
        met: '—',
      });
      continue;
    }
    const label = r.target.kind === 'scaling' ? `${r.name} (${r.tenants.toLocaleString('en-US')} tenants)` : r.name;
    out.push({
      label,
      raw: side(r.sides.raw),
      other: side(r.sides.tenantdb),
      ratioOps: ratio(r.ratioOps),
      ratioP50: ratio(r.ratioP50),
      target: targetText(r.target),
      met: metText(r.met),
    });
    if (r.orm) {
      out.push({
        label: `  ${r.name}: scoped API (Drizzle)`,
        raw: side(r.sides.raw),
        other: side(r.sides.orm),
        ratioOps: ratio(r.orm.ratioOps),
        ratioP50: ratio(r.orm.ratioP50),
        target: 'info',
        met: '—',
      });
    }
    if (r.untriggered) {
      out.push({
        label: `  ${r.name}: raw, cost_events triggers disabled`,
        raw: side(r.sides.raw),
        other: side(r.sides.untriggered),
        ratioOps: ratio(r.untriggered.ratioOps),
        ratioP50: ratio(r.untriggered.ratioP50),
        target: 'info: what the triggers cost',
        met: '—',
      });
    }
  }
  return out;
}

export function renderTable(report: Report): string {
  const header: Row = {
    label: 'scenario',
    raw: 'raw ops/s (p50, p95 ms)',
    other: 'tenantdb ops/s (p50, p95 ms)',
    ratioOps: 'ratio (ops)',
    ratioP50: 'p50 ratio',
    target: 'target',
    met: 'met?',
  };
  const all = [header, ...rows(report)];
  const keys = Object.keys(header) as (keyof Row)[];
  const width = Object.fromEntries(keys.map((k) => [k, Math.max(...all.map((r) => r[k].length))])) as Record<
    keyof Row,
    number
  >;
  const line = (r: Row) =>
    keys
      .map((k) => (k === 'label' || k === 'target' ? r[k].padEnd(width[k]) : r[k].padStart(width[k])))
      .join(' | ')
      .trimEnd();
  const rule = keys.map((k) => '-'.repeat(width[k])).join('-|-');
  const lines = [line(header), rule, ...all.slice(1).map(line)];
  if (report.scaling) {
    const s = report.scaling;
    lines.push(
      '',
      `scaling: tenantdb p50 at ${s.largeTenants.toLocaleString('en-US')} tenants ${ms(s.p50LargeMs)} ms vs ${ms(s.p50SmallMs)} ms at ${s.smallTenants.toLocaleString('en-US')} tenants = ${ratio(s.ratio)}× (target ≤ ${s.limit}×): ${s.met ? 'met' : 'NOT met'}; raw, for control: ${ratio(s.rawRatio)}×`,
    );
  }
  return lines.join('\n');
}

export function renderExplain(report: Report): string {
  const lines = ['EXPLAIN (tenantdb statements, in their tenant context as tenantdb_app):'];
  for (const r of report.scenarios) {
    lines.push(`  ${r.explain.ok ? 'ok     ' : 'MISSING'} ${r.name}: ${r.explain.summary}`);
    if (r.seed004) lines.push(`  seed004 ${r.name} (seed 004 design): ${r.seed004.explain.summary}`);
  }
  return lines.join('\n');
}

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));

/** Writes results/<date>.json and .svg (results/<date>-pglite.* for PGlite); returns their paths. */
export async function writeResults(
  report: Report & { standalone?: StandaloneResult[] },
): Promise<{ json: string; svg: string }> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const base = `${RESULTS_DIR}${report.date}${report.machine.backend === 'pglite' ? '-pglite' : ''}`;
  const json = `${base}.json`;
  const svg = `${base}.svg`;
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(svg, renderSvg(report));
  return { json, svg };
}

interface Bar {
  label: string;
  bars: { name: string; value: number; color: string; target?: { value: number; kind: '≤' | '≥' } }[];
}

const OPS_COLOR = '#3b6fb6';
const P50_COLOR = '#e08a2c';

// The requests scenario's sides, one color each (./scenarios/requests.ts).
const SIDE_COLORS: Record<string, string> = {
  tenantdb: OPS_COLOR,
  'tenantdb+user': '#6b9bd8',
  privileged: '#2a9d8f',
  'privileged+user': '#7cc6bd',
  scoped: '#8e6bbf',
  prepared: '#1f4e79',
  'prepared+user': '#4a7fb0',
  'scoped prepared': '#5e3c99',
  'drizzle recipe': '#b5651d',
  'prisma sequence': '#c44e52',
  floor: '#888888',
};

/**
 * A horizontal bar chart of the ratios, the target of each drawn as a red line across its bar,
 * then the stand-alone scenarios' groups (the requests scenario: every side ÷ raw).
 */
export function renderSvg(report: Report & { standalone?: StandaloneResult[] }): string {
  const groups: Bar[] = [];
  for (const r of report.scenarios) {
    const target = r.target;
    if (r.name === 'seed004-list' && r.seed004) {
      groups.push({
        label: 'seed004-list (seed 004 design)',
        bars: [
          { name: 'ops', value: r.seed004.ratioOps, color: OPS_COLOR },
          { name: 'p50', value: r.seed004.ratioP50, color: P50_COLOR },
        ],
      });
      groups.push({
        label: 'seed004-list (tenantdb, same run)',
        bars: [
          { name: 'ops', value: r.ratioOps, color: OPS_COLOR },
          { name: 'p50', value: r.ratioP50, color: P50_COLOR },
        ],
      });
      continue;
    }
    groups.push({
      label: r.target.kind === 'scaling' ? `${r.name} (${r.tenants.toLocaleString('en-US')} tenants)` : r.name,
      bars: [
        {
          name: 'ops',
          value: r.ratioOps,
          color: OPS_COLOR,
          ...(target.kind === 'ops' ? { target: { value: target.min, kind: '≥' as const } } : {}),
        },
        {
          name: 'p50',
          value: r.ratioP50,
          color: P50_COLOR,
          ...(target.kind === 'p50' ? { target: { value: target.max, kind: '≤' as const } } : {}),
        },
      ],
    });
    if (r.orm) {
      groups.push({
        label: `${r.name} (scoped API, Drizzle; info)`,
        bars: [
          { name: 'ops', value: r.orm.ratioOps, color: OPS_COLOR },
          { name: 'p50', value: r.orm.ratioP50, color: P50_COLOR },
        ],
      });
    }
    if (r.untriggered) {
      groups.push({
        label: `${r.name} (raw, no triggers; info)`,
        bars: [
          { name: 'ops', value: r.untriggered.ratioOps, color: OPS_COLOR },
          { name: 'p50', value: r.untriggered.ratioP50, color: P50_COLOR },
        ],
      });
    }
  }
  if (report.scaling) {
    groups.push({
      label: `scaling: p50 ${report.scaling.largeTenants.toLocaleString('en-US')} ÷ ${report.scaling.smallTenants.toLocaleString('en-US')} tenants`,
      bars: [
        {
          name: 'p50',
          value: report.scaling.ratio,
          color: P50_COLOR,
          target: { value: report.scaling.limit, kind: '≤' },
        },
      ],
    });
  }

  for (const result of report.standalone ?? []) {
    for (const group of result.chart ?? []) {
      groups.push({
        label: `${result.name}: ${group.label}`,
        bars: group.bars.map((bar) => ({
          name: bar.name,
          value: bar.value,
          color: SIDE_COLORS[bar.name] ?? OPS_COLOR,
          ...(bar.min !== undefined ? { target: { value: bar.min, kind: '≥' as const } } : {}),
        })),
      });
    }
  }

  const finite = groups.flatMap((g) => g.bars.map((b) => b.value)).filter(Number.isFinite);
  const maxValue = Math.max(2, ...finite, ...groups.flatMap((g) => g.bars.map((b) => b.target?.value ?? 0)));
  const axisMax = Math.ceil(maxValue * 2) / 2;
  const left = 300;
  const plotWidth = 560;
  const barHeight = 14;
  const top = 90;
  const x = (v: number) => left + (Math.min(v, axisMax) / axisMax) * plotWidth;
  let y = top;
  const parts: string[] = [];
  for (const group of groups) {
    const groupHeight = group.bars.length * (barHeight + 2);
    parts.push(`<text x="${left - 8}" y="${y + groupHeight / 2 + 4}" text-anchor="end">${escape(group.label)}</text>`);
    for (const bar of group.bars) {
      const value = Number.isFinite(bar.value) ? bar.value : 0;
      parts.push(
        `<rect x="${left}" y="${y}" width="${(x(value) - left).toFixed(1)}" height="${barHeight}" fill="${bar.color}"/>`,
        `<text x="${(x(value) + 4).toFixed(1)}" y="${y + barHeight - 3}" font-size="11">${bar.name} ${ratio(bar.value)}</text>`,
      );
      if (bar.target) {
        const tx = x(bar.target.value).toFixed(1);
        parts.push(
          `<line x1="${tx}" y1="${y - 2}" x2="${tx}" y2="${y + barHeight + 2}" stroke="#d62728" stroke-width="2.5"><title>target ${bar.name} ratio ${bar.target.kind} ${bar.target.value}</title></line>`,
        );
      }
      y += barHeight + 2;
    }
    y += 12;
  }
  const bottom = y;
  const ticks: string[] = [];
  for (let v = 0; v <= axisMax + 1e-9; v += axisMax > 4 ? 1 : 0.5) {
    const tx = x(v).toFixed(1);
    ticks.push(
      `<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${bottom}" stroke="${v === 1 ? '#555' : '#ddd'}"/>`,
      `<text x="${tx}" y="${bottom + 16}" text-anchor="middle" font-size="11">${v.toFixed(1)}</text>`,
    );
  }
  const width = left + plotWidth + 90;
  const height = bottom + 60;
  const title = `tenantdb ÷ raw baseline — ${report.date}, ${String(report.machine.backend)}, scale ${String(report.flags.scale)}, concurrency ${String(report.flags.concurrency)}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#fff"/>
<text x="16" y="24" font-size="15" font-weight="bold">${escape(title)}</text>
<rect x="${left}" y="36" width="12" height="12" fill="${OPS_COLOR}"/><text x="${left + 16}" y="46">ops ratio (tenantdb ops/s ÷ raw; higher is better)</text>
<rect x="${left}" y="52" width="12" height="12" fill="${P50_COLOR}"/><text x="${left + 16}" y="62">p50 ratio (tenantdb p50 ÷ raw; lower is better)</text>
<line x1="${left + 6}" y1="68" x2="${left + 6}" y2="80" stroke="#d62728" stroke-width="2.5"/><text x="${left + 16}" y="78">target (p50 ratio ≤ ${SINGLE_STATEMENT.max}: single statements; ops ratio ≥ ${THROUGHPUT.min}: list, aggregate, bulk; ≥ ${MODULE_THROUGHPUT.min}: recordCosts, costSummary; scaling p50 ≤ ${SCALING_LIMIT}×)</text>
${ticks.join('\n')}
${parts.join('\n')}
<text x="${left + plotWidth / 2}" y="${bottom + 36}" text-anchor="middle">ratio (1.0 = same as the raw baseline)</text>
</svg>
`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** One verification result: which check, on which object, whether it held, and what to do. */
export interface CheckItem {
  /**
   * Stable, unlike `check`: the lint that produced this item (`table.rls-forced`), the attack
   * (`attack.select`, from ATTACKS), or `probe.sample-row` for a table the probe could not write into.
   */
  id?: string;
  check: string;
  /** The table, role, function or view checked (schema-qualified), or `server`. */
  object: string;
  ok: boolean;
  /** For a failure: what is wrong and how to fix it. For a pass: what was seen. */
  detail: string;
  /** Probe items: whether this was an attack, and whether it leaked. */
  attack?: boolean;
  leak?: boolean;
}

export interface VerifyReport {
  checks: number;
  failed: number;
  /** Attacks tried by the live probe, and how many got through. */
  attacks: number;
  leaks: number;
  items: CheckItem[];
}

export function summarize(items: CheckItem[]): VerifyReport {
  return {
    checks: items.length,
    failed: items.filter((i) => !i.ok).length,
    attacks: items.filter((i) => i.attack).length,
    leaks: items.filter((i) => i.leak).length,
    items,
  };
}

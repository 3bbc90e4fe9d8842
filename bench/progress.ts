/**
 * Progress on stderr (stdout carries only the results table). On a terminal: one bar redrawn in
 * place; otherwise (CI, a pipe, a log file): a plain line every few seconds and one at the end.
 */

const BAR_WIDTH = 28;
const PLAIN_EVERY_MS = 5_000;
const REDRAW_EVERY_MS = 100;

export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** One step with no measurable progress inside: a line when it starts and one when it ends. */
export async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  log(`${label}…`);
  const result = await fn();
  log(`${label}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

export class Progress {
  readonly #label: string;
  readonly #total: number;
  readonly #unit: string;
  readonly #tty = process.stderr.isTTY === true;
  readonly #started = performance.now();
  #done = 0;
  #lastDraw = performance.now();

  constructor(label: string, total: number, unit: string) {
    this.#label = label;
    this.#total = Math.max(total, 1);
    this.#unit = unit;
    if (!this.#tty) log(`${label}: started (${this.#amount(total)} ${unit})`);
  }

  tick(amount: number): void {
    this.#done = Math.min(this.#done + amount, this.#total);
    const now = performance.now();
    if (now - this.#lastDraw < (this.#tty ? REDRAW_EVERY_MS : PLAIN_EVERY_MS)) return;
    this.#lastDraw = now;
    this.#draw(now);
  }

  /** Ends the bar with a summary line. */
  finish(): void {
    const seconds = (performance.now() - this.#started) / 1000;
    const line = `${this.#label}: done, ${this.#amount(this.#done)} ${this.#unit} in ${seconds.toFixed(1)} s`;
    if (this.#tty) process.stderr.write(`\r\x1b[2K${line}\n`);
    else log(line);
  }

  #amount(n: number): string {
    return this.#unit === 's' ? n.toFixed(1) : format(n);
  }

  #draw(now: number): void {
    const share = this.#done / this.#total;
    const seconds = (now - this.#started) / 1000;
    const rate = seconds > 0 ? this.#done / seconds : 0;
    const eta = rate > 0 ? (this.#total - this.#done) / rate : 0;
    const counts = `${this.#amount(this.#done)}/${this.#amount(this.#total)} ${this.#unit}`;
    if (this.#tty) {
      const filled = Math.round(share * BAR_WIDTH);
      const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`;
      const line = `${this.#label} [${bar}] ${(share * 100).toFixed(0).padStart(3)}% ${counts} eta ${eta.toFixed(0)} s`;
      process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns ?? 120) - 1)}`);
    } else {
      log(
        `${this.#label}: ${(share * 100).toFixed(0)}% (${counts}, ${format(Math.round(rate))}/s, eta ${eta.toFixed(0)} s)`,
      );
    }
  }
}

export function format(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

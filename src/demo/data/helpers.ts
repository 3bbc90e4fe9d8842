/**
 * Small helpers of the sample data: times relative to now, money from integer units (never a
 * float), and a seeded generator so every run produces the same numbers.
 */
import { createHash } from 'node:crypto';

const DAY = 86_400_000;

export function daysAgo(days: number): Date {
  return new Date(Date.now() - days * DAY);
}

export function daysFromNow(days: number): Date {
  return new Date(Date.now() + days * DAY);
}

export function hoursAgo(hours: number): Date {
  return new Date(Date.now() - hours * 3_600_000);
}

/** YYYY-MM-DD (UTC). */
export function dateString(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Micro-dollars (an integer) as a numeric string with 6 decimals: money never goes through a float. */
export function usd(micros: number): string {
  return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
}

/** Cents (an integer) as a numeric string with 2 decimals. */
export function cents(value: number): string {
  return `${Math.floor(value / 100)}.${String(value % 100).padStart(2, '0')}`;
}

export function sha256(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('hex');
}

/** A small deterministic PRNG (mulberry32), so every run seeds the same numbers. */
export function prng(seed: string): () => number {
  let state = Number.parseInt(sha256(seed).slice(0, 8), 16);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An integer in [lo, hi] drawn from `rand`. */
export function between(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

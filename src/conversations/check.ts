/** The input checks the conversation lists share, each an INVALID_INPUT naming the function and what to do. */
import { TenantDbError } from '../errors.ts';
import { isUuid } from '../tenancy/index.ts';

export function fail(fn: string, message: string): never {
  throw new TenantDbError('INVALID_INPUT', `${fn}: ${message} Nothing was read.`);
}

/** A plain object whose keys are all `allowed` (a misspelt filter would otherwise list everything). */
export function checkOptions(fn: string, value: unknown, allowed: readonly string[]): Record<string, unknown> {
  const shape = `{ ${allowed.map((k) => `${k}?`).join(', ')} }`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(fn, `pass ${shape}.`);
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) fail(fn, `pass ${shape}.`);
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) fail(fn, `unknown options (${unknown.join(', ')}): pass ${shape}.`);
  return value as Record<string, unknown>;
}

/** A UUID, in lowercase (one spelling per id, so a list name built from it is canonical). */
export function checkUuid(fn: string, label: string, value: unknown): string {
  if (!isUuid(value)) fail(fn, `${label} must be a UUID (got ${JSON.stringify(value) ?? String(value)}).`);
  return value.toLowerCase();
}

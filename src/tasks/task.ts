/**
 * The task: a row of the tenant-scoped `tasks` table, its input checks, and the mapping of rows
 * the queue's SQL functions return (snake_case) to the typed task.
 */
import { getTableColumns } from 'drizzle-orm';
import { TenantDbError } from '../errors.ts';
import { taskPriority, taskStatus } from '../schema/enums.ts';
import { tasks } from '../schema/operations.ts';

export type Task = typeof tasks.$inferSelect;
export type TaskStatus = Task['status'];
export type TaskPriority = Task['priority'];

export const TASK_STATUSES: readonly TaskStatus[] = taskStatus.enumValues;
export const TASK_PRIORITIES: readonly TaskPriority[] = taskPriority.enumValues;

/** A task type: what a worker's handler is chosen by (`connector.sync`, `report.weekly`, …). */
const TYPE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;

export function fail(fn: string, message: string, nothing = 'Nothing was written.'): never {
  throw new TenantDbError('INVALID_INPUT', `${fn}: ${message} ${nothing}`);
}

export function describe(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

export function checkType(fn: string, label: string, value: unknown): string {
  if (typeof value !== 'string' || !TYPE.test(value)) {
    fail(fn, `${label} must be a task type of letters, digits and . _ : - (1–100 characters; got ${describe(value)}).`);
  }
  return value;
}

export function checkTypes(fn: string, value: unknown): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length === 0) fail(fn, 'types must be a non-empty array of task types.');
  return value.map((type, i) => checkType(fn, `types[${i}]`, type));
}

export function checkInteger(fn: string, label: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(fn, `${label} must be an integer from ${min} to ${max} (got ${describe(value)}).`);
  }
  return value;
}

/** A worker id: who holds a lease (shown in `tasks.locked_by` and the CLI). */
export function checkWorkerId(fn: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 200) {
    fail(fn, `workerId must be a non-empty string of at most 200 characters (got ${describe(value)}).`);
  }
  return value;
}

const COLUMNS = Object.entries(getTableColumns(tasks));

/** A row of `public.tasks` as a SQL function returned it, as the typed task Drizzle would give. */
export function taskFromRow(row: Record<string, unknown>): Task {
  const task: Record<string, unknown> = {};
  for (const [key, column] of COLUMNS) {
    const value = row[column.name];
    task[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return task as Task;
}

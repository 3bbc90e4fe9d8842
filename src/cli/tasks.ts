/**
 * `tenantdb tasks [list|retry|cancel]`: the operators' view of the task queue, across tenants
 * (system work). `list` prints the counts per status and the newest tasks; `retry ID` queues a
 * failed or cancelled task again; `cancel ID` cancels a pending or running one.
 */
import { createSystemClient } from '../client/system-client.ts';
import { ConfigError } from '../errors.ts';
import type { Task, TaskStatus } from '../tasks/index.ts';
import type { CliOptions } from './args.ts';
import { describeTarget, requireMigrated, withDatabase } from './connection.ts';
import { renderTable } from './table.ts';

const USAGE =
  'usage: tenantdb tasks [list] [--tenant ID] [--status S] [--type T] [--limit N] | tenantdb tasks retry ID | tenantdb tasks cancel ID';

function row(task: Task): string[] {
  return [
    task.id,
    task.tenantId,
    task.type,
    task.status,
    `${task.attempts}/${task.maxAttempts}`,
    task.runAt.toISOString(),
    task.lockedBy ?? '',
    (task.error ?? '').slice(0, 60),
  ];
}

export async function tasksCommand(options: CliOptions): Promise<number> {
  const [verb = 'list', id, ...rest] = options.args;
  if (rest.length > 0 || !['list', 'retry', 'cancel'].includes(verb)) throw new ConfigError('CONFIG_INVALID', USAGE);
  if (verb === 'list' ? id !== undefined : id === undefined) throw new ConfigError('CONFIG_INVALID', USAGE);
  let limit: number | undefined;
  if (options.limit !== undefined) {
    limit = Number(options.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new ConfigError('CONFIG_INVALID', `tasks: --limit must be an integer from 1 to 1000 (${USAGE})`);
    }
  }
  const say = (line: string) => process.stdout.write(`${line}\n`);
  if (!options.json) say(`tenantdb tasks ${verb}: ${describeTarget(options)}`);
  return withDatabase(options, async (db) => {
    await requireMigrated(db, `tasks ${verb}`);
    const system = createSystemClient(db, { reason: `tenantdb tasks ${verb}` });
    if (verb !== 'list') {
      const task = verb === 'retry' ? await system.tasks.retry(id as string) : await system.tasks.cancel(id as string);
      if (options.json) say(JSON.stringify(task));
      else say(`  ${task.id} (${task.type}, tenant ${task.tenantId}): ${task.status}`);
      return 0;
    }
    const counts = await system.tasks.counts();
    const items = await system.tasks.list({
      ...(options.tenant === undefined ? {} : { tenantId: options.tenant }),
      ...(options.status === undefined ? {} : { status: options.status as TaskStatus }),
      ...(options.type === undefined ? {} : { type: options.type }),
      ...(limit === undefined ? {} : { limit }),
    });
    if (options.json) say(JSON.stringify({ counts, tasks: items }));
    else {
      say(
        `  ${Object.entries(counts)
          .map(([status, n]) => `${status} ${n}`)
          .join(', ')}`,
      );
      if (items.length === 0) say('  no tasks match');
      else {
        const table = renderTable(
          ['id', 'tenant', 'type', 'status', 'attempts', 'run at', 'worker', 'error'],
          items.map(row),
        );
        say(table.replace(/^/gm, '  '));
      }
    }
    return 0;
  });
}

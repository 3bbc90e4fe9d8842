import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { createSystemClient } from '../client/system-client.ts';
import { createTenantClient } from '../client/tenant-client.ts';
import { ConfigError, TenantDbError } from '../errors.ts';
import type { DocumentInput } from '../knowledge/index.ts';
import type { CliOptions } from './args.ts';
import { describeTarget, requireMigrated, withDatabase } from './connection.ts';
import { progressBar } from './progress.ts';

const TEXT_FILES = new Set(['.md', '.markdown', '.txt']);

/** A text file as a document: its first `# ` heading (or its file name) is the title. */
function fileDocument(path: string): DocumentInput {
  const content = readFileSync(path, 'utf8');
  const heading = /^#\s+(.+)$/m.exec(content)?.[1]?.trim();
  return { title: heading ?? basename(path, extname(path)), content, source: `file://${path}` };
}

/** Each line of a JSON Lines file is `{ title, content, category?, source?, metadata? }`. */
function jsonlDocuments(path: string): DocumentInput[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .flatMap((line, i) => {
      if (line.trim() === '') return [];
      try {
        const parsed = JSON.parse(line) as unknown;
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
        return [parsed as DocumentInput];
      } catch (error) {
        throw new TenantDbError('INVALID_INPUT', `${path}:${i + 1}: not a JSON object (${(error as Error).message}).`);
      }
    });
}

/** The documents at `path`: a .jsonl file, one text file, or every text file of a directory (sorted). */
export function readDocuments(path: string): DocumentInput[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new ConfigError('CONFIG_INVALID', `knowledge ingest: ${path} does not exist.`);
  }
  if (stat.isDirectory()) {
    return readdirSync(path)
      .filter((name) => TEXT_FILES.has(extname(name).toLowerCase()))
      .sort()
      .map((name) => fileDocument(join(path, name)));
  }
  if (extname(path).toLowerCase() === '.jsonl') return jsonlDocuments(path);
  return [fileDocument(path)];
}

/**
 * `tenantdb knowledge ingest <dir|file.jsonl|file> --tenant <id>` (or `--global`): chunks, embeds
 * (local embedder) and stores the documents, every document checked before the first is written,
 * with a progress bar on stderr.
 */
export async function knowledgeCommand(options: CliOptions): Promise<number> {
  const [action, path, ...rest] = options.args;
  if (action !== 'ingest' || path === undefined || rest.length > 0) {
    throw new ConfigError(
      'CONFIG_INVALID',
      'usage: tenantdb knowledge ingest <dir|file.jsonl|file> (--tenant <id> | --global)',
    );
  }
  if ((options.tenant === undefined) === !options.global) {
    throw new ConfigError(
      'CONFIG_INVALID',
      'knowledge ingest: give --tenant <id>, or --global for the global knowledge.',
    );
  }
  const documents = readDocuments(path);
  if (documents.length === 0) {
    throw new ConfigError('CONFIG_INVALID', `knowledge ingest: no documents in ${path} (.md, .txt or .jsonl).`);
  }
  console.log(
    `tenantdb knowledge ingest: ${documents.length} documents into ${options.global ? 'the global knowledge' : `tenant ${options.tenant}`}, ${describeTarget(options)}`,
  );
  const bar = progressBar('  ingested');
  const started = Date.now();
  const chunks = await withDatabase(options, async (db) => {
    await requireMigrated(db, 'knowledge ingest');
    if (options.global) {
      const system = createSystemClient(db, { reason: `tenantdb knowledge ingest --global ${path}` });
      let n = 0;
      for (const [i, document] of documents.entries()) {
        n += (await system.knowledge.addGlobalDocument(document)).chunkCount;
        bar.update(i + 1, documents.length);
      }
      return n;
    }
    const tenant = createTenantClient(db, { tenantId: options.tenant as string });
    const written = await tenant.knowledge.addDocuments(documents, {
      onProgress: (done, total) => bar.update(done, total),
    });
    return written.reduce((n, d) => n + d.chunkCount, 0);
  });
  console.log(
    `  done: ${documents.length} documents, ${chunks} chunks in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return 0;
}

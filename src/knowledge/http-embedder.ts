/**
 * An {@link Embedder} over HTTP, for OpenAI-compatible and Voyage embedding APIs (both
 * `POST {baseUrl}/embeddings`). Texts are sent in batches, a few requests at a time; 429s, 5xx
 * answers, network errors and timeouts are retried with exponential backoff (full jitter,
 * `Retry-After` honoured); any other refusal fails at once with the provider's message. Every
 * vector is checked before anything is returned, and the usage (tokens, calls, cost) is summed
 * over the batches, the cost computed exactly in integer micro-dollars.
 *
 * Costs: one provider call per batch (plus retries); nothing is cached.
 */
import { ConfigError, TenantDbError } from '../errors.ts';
import { EMBEDDING_DIMENSIONS } from '../schema/knowledge.ts';
import type { Embedder, EmbeddingUsage } from './embedder.ts';

export type HttpEmbeddingProvider = 'openai' | 'voyage';

export interface HttpEmbedderOptions {
  /** Which API shape to speak: `openai` (any OpenAI-compatible server) or `voyage`. */
  provider: HttpEmbeddingProvider;
  /** The model name sent to the provider and recorded with every vector. */
  model: string;
  /** Secret key, sent as `Authorization: Bearer <apiKey>`; never put in error messages. */
  apiKey: string;
  /**
   * Length every vector must have; default 1024 (tenantdb's tables). Sent as `dimensions`
   * (OpenAI) or `output_dimension` (Voyage) unless `sendDimensions` is false.
   */
  dimensions?: number;
  /**
   * Whether to ask the provider for `dimensions`; default true. Set false for models with a fixed
   * size that refuse the parameter (OpenAI's text-embedding-ada-002, Voyage's voyage-3): the
   * length is still checked.
   */
  sendDimensions?: boolean;
  /** Default `https://api.openai.com/v1` or `https://api.voyageai.com/v1`. */
  baseUrl?: string;
  /**
   * Texts per request; default 96 (Voyage) or 256 (OpenAI), well under both APIs' per-request
   * limits (1000 and 2048 texts) and their token limits for chunk-sized texts.
   */
  batchSize?: number;
  /** Requests in flight at once; default 4. */
  concurrency?: number;
  /** Retries of a batch after its first attempt (429, 5xx, network error, timeout); default 5. */
  maxRetries?: number;
  /** Per attempt, reading the body included; default 30000. */
  timeoutMs?: number;
  /** Backoff base: attempt n waits a random 0 … retryBaseMs × 2^(n-1) ms (capped at 30 s); default 500. */
  retryBaseMs?: number;
  /**
   * USD per million tokens as a decimal string (`'0.02'`), never a float; default `'0'`. The
   * usage's `costUsd` is tokens × price / 1e6, rounded up to the micro-dollar.
   */
  pricePerMillionTokensUsd?: string;
  /** Voyage only: `input_type`; default `'document'` (ingestion). Use `'query'` for search queries. */
  inputType?: 'document' | 'query';
  /** Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
}

const DEFAULTS = {
  openai: { baseUrl: 'https://api.openai.com/v1', batchSize: 256 },
  voyage: { baseUrl: 'https://api.voyageai.com/v1', batchSize: 96 },
} as const;

// No wait, from the backoff or from a Retry-After header, is longer than this.
const MAX_RETRY_DELAY_MS = 30_000;

/**
 * An embedder that calls an OpenAI-compatible or Voyage embeddings API. Options are checked at
 * once (CONFIG_INVALID). `embed` throws CONFIG_INVALID on 401/403 (the key) and other refusals,
 * INVALID_INPUT on 400/413/422 and on a response that is malformed or holds a vector of the
 * wrong length (naming the text's index), and CONFIG_INVALID once retries are exhausted.
 *
 * @example
 * const embedder = httpEmbedder({
 *   provider: 'voyage', model: 'voyage-3.5', apiKey: process.env.VOYAGE_API_KEY!,
 *   dimensions: 1024, pricePerMillionTokensUsd: '0.06',
 * });
 * const { vectors, usage } = await embedder.embed(['Quarterly revenue grew 12%', 'Shipping is free']);
 * // vectors: two number[1024]; usage: { model: 'voyage-3.5', provider: 'voyage', tokens, costUsd: '0.000001', calls: 1 }
 */
export function httpEmbedder(options: HttpEmbedderOptions): Embedder {
  const config = resolveOptions(options);
  return {
    model: config.model,
    dimensions: config.dimensions,
    embed: (texts) => embedAll(config, texts),
  };
}

type Config = Required<Omit<HttpEmbedderOptions, 'inputType' | 'pricePerMillionTokensUsd'>> & {
  inputType: 'document' | 'query' | undefined;
  /** The price as an integer and its scale: price = units / 10^scale USD per million tokens. */
  price: { units: bigint; scale: number };
};

function fail(message: string): never {
  throw new ConfigError('CONFIG_INVALID', `httpEmbedder: ${message}`);
}

function resolveOptions(options: HttpEmbedderOptions): Config {
  if (options === null || typeof options !== 'object') fail('pass { provider, model, apiKey }.');
  const { provider } = options;
  if (provider !== 'openai' && provider !== 'voyage') fail(`provider must be 'openai' or 'voyage'.`);
  if (typeof options.model !== 'string' || options.model.trim() === '')
    fail('model is required (e.g. text-embedding-3-small or voyage-3.5).');
  if (typeof options.apiKey !== 'string' || options.apiKey === '')
    fail(`apiKey is required (e.g. process.env.${provider === 'openai' ? 'OPENAI' : 'VOYAGE'}_API_KEY).`);
  const integer = (name: string, value: number | undefined, fallback: number, min: number): number => {
    const n = value ?? fallback;
    if (!Number.isSafeInteger(n) || n < min) fail(`${name} must be an integer ≥ ${min}; got ${String(value)}.`);
    return n;
  };
  const baseUrl = String(options.baseUrl ?? DEFAULTS[provider].baseUrl).replace(/\/+$/, '');
  if (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol))
    fail(`baseUrl must be an http(s) URL; got ${JSON.stringify(options.baseUrl)}.`);
  const retryBaseMs = options.retryBaseMs ?? 500;
  if (typeof retryBaseMs !== 'number' || !Number.isFinite(retryBaseMs) || retryBaseMs < 0)
    fail(`retryBaseMs must be a number ≥ 0; got ${String(options.retryBaseMs)}.`);
  const priceText = options.pricePerMillionTokensUsd ?? '0';
  const price = typeof priceText === 'string' ? /^(\d+)(?:\.(\d+))?$/.exec(priceText) : null;
  if (!price)
    fail(
      `pricePerMillionTokensUsd must be a decimal string such as '0.02' (not a number); got ${JSON.stringify(options.pricePerMillionTokensUsd)}.`,
    );
  const [, whole = '', fraction = ''] = price;
  if (options.inputType !== undefined && provider !== 'voyage')
    fail('inputType is a Voyage option; OpenAI has no input type.');
  if (options.inputType !== undefined && options.inputType !== 'document' && options.inputType !== 'query')
    fail(`inputType must be 'document' or 'query'.`);
  const fetch = options.fetch ?? globalThis.fetch;
  if (typeof fetch !== 'function') fail('no fetch: pass options.fetch (Node 20 has a global fetch).');
  return {
    provider,
    model: options.model,
    apiKey: options.apiKey,
    dimensions: integer('dimensions', options.dimensions, EMBEDDING_DIMENSIONS, 1),
    sendDimensions: options.sendDimensions ?? true,
    baseUrl,
    batchSize: integer('batchSize', options.batchSize, DEFAULTS[provider].batchSize, 1),
    concurrency: integer('concurrency', options.concurrency, 4, 1),
    maxRetries: integer('maxRetries', options.maxRetries, 5, 0),
    timeoutMs: integer('timeoutMs', options.timeoutMs, 30_000, 1),
    retryBaseMs,
    inputType: provider === 'voyage' ? (options.inputType ?? 'document') : undefined,
    price: { units: BigInt(whole + fraction), scale: fraction.length },
    fetch,
  };
}

async function embedAll(
  config: Config,
  texts: readonly string[],
): Promise<{ vectors: number[][]; usage?: EmbeddingUsage }> {
  if (!Array.isArray(texts)) throw new TenantDbError('INVALID_INPUT', 'embed: pass an array of strings.');
  texts.forEach((text, i) => {
    if (typeof text !== 'string') throw new TenantDbError('INVALID_INPUT', `embed: text ${i} is not a string.`);
  });
  if (texts.length === 0) return { vectors: [] };

  const batches: { offset: number; texts: readonly string[] }[] = [];
  for (let offset = 0; offset < texts.length; offset += config.batchSize)
    batches.push({ offset, texts: texts.slice(offset, offset + config.batchSize) });
  const vectors = new Array<number[]>(texts.length);
  let tokens = 0;
  let calls = 0;
  // The first failure stops the other workers and aborts their requests: embed settles only once
  // nothing of it is still running.
  const stop = new AbortController();
  let failure: { error: unknown } | undefined;
  let next = 0;
  const worker = async () => {
    while (!stop.signal.aborted && next < batches.length) {
      const batch = batches[next++] as (typeof batches)[number];
      try {
        const result = await embedBatch(config, batch, stop.signal);
        result.vectors.forEach((vector, i) => (vectors[batch.offset + i] = vector));
        tokens += result.tokens;
        // One call per batch, as EmbeddingUsage counts them: refused attempts are not billed.
        calls += 1;
      } catch (error) {
        failure ??= { error };
        stop.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(config.concurrency, batches.length) }, worker));
  if (failure) throw failure.error;
  return {
    vectors,
    usage: { model: config.model, provider: config.provider, tokens, costUsd: costUsd(tokens, config.price), calls },
  };
}

/** What one request came to: a result, or a reason to retry (with the server's Retry-After, if any). */
type Attempt =
  | { ok: true; vectors: number[][]; tokens: number }
  | { ok: false; reason: string; retryAfterMs?: number; cause?: unknown };

async function embedBatch(
  config: Config,
  batch: { offset: number; texts: readonly string[] },
  stop: AbortSignal,
): Promise<{ vectors: number[][]; tokens: number }> {
  const { provider, maxRetries } = config;
  for (let attempt = 1; ; attempt++) {
    const result = await request(config, batch, stop);
    if (result.ok) return { vectors: result.vectors, tokens: result.tokens };
    if (stop.aborted) throw new TenantDbError('CONFIG_INVALID', `${provider} embeddings: cancelled.`);
    if (attempt > maxRetries) {
      throw new ConfigError(
        'CONFIG_INVALID',
        `${provider} embeddings (${config.model}) failed after ${attempt} attempts; the last: ${result.reason}. Check the provider's status and your rate limits, or raise maxRetries / timeoutMs.`,
        { cause: result.cause },
      );
    }
    const backoff = Math.random() * Math.min(MAX_RETRY_DELAY_MS, config.retryBaseMs * 2 ** (attempt - 1));
    await sleep(Math.min(MAX_RETRY_DELAY_MS, result.retryAfterMs ?? backoff), stop);
  }
}

async function request(
  config: Config,
  batch: { offset: number; texts: readonly string[] },
  stop: AbortSignal,
): Promise<Attempt> {
  const { provider, model, dimensions } = config;
  const body =
    provider === 'openai'
      ? { model, input: batch.texts, ...(config.sendDimensions ? { dimensions } : {}) }
      : {
          model,
          input: batch.texts,
          input_type: config.inputType,
          ...(config.sendDimensions ? { output_dimension: dimensions } : {}),
        };
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, config.timeoutMs);
  const cancel = () => controller.abort();
  stop.addEventListener('abort', cancel, { once: true });
  let response: Response;
  let text: string;
  try {
    response = await config.fetch(`${config.baseUrl}/embeddings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${config.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    // Read inside the timeout: a server can send its headers and then hang.
    text = await response.text();
  } catch (error) {
    const reason = timedOut
      ? `no answer within ${config.timeoutMs} ms`
      : `network error (${(error as Error)?.message ?? String(error)})`;
    return { ok: false, reason, cause: error };
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', cancel);
  }

  const { status } = response;
  if (status === 429 || status >= 500) {
    const retryAfter = status === 429 || status === 503 ? retryAfterMs(response.headers.get('retry-after')) : undefined;
    return {
      ok: false,
      reason: `HTTP ${status}${errorMessage(text)}`,
      ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
    };
  }
  if (status < 200 || status >= 300) {
    const message = `${provider} embeddings (${model}) refused the request: HTTP ${status}${errorMessage(text)}`;
    if (status === 401 || status === 403)
      throw new ConfigError('CONFIG_INVALID', `${message}. Check apiKey (and that it may use ${model}).`);
    if (status === 400 || status === 413 || status === 422)
      throw new TenantDbError(
        'INVALID_INPUT',
        `${message}. Check the texts (empty or too long) and batchSize, and that ${model} supports dimensions=${dimensions}.`,
      );
    throw new ConfigError('CONFIG_INVALID', `${message}. Check baseUrl (${config.baseUrl}) and model.`);
  }
  return { ok: true, ...parseResponse(config, batch, text) };
}

/**
 * The vectors of a 2xx answer in input order (by each item's `index`), each checked, and the
 * tokens used. A malformed answer is not retried: the same request would most likely get the
 * same answer, and each attempt is billed.
 */
function parseResponse(
  config: Config,
  batch: { offset: number; texts: readonly string[] },
  text: string,
): { vectors: number[][]; tokens: number } {
  const { provider, model, dimensions } = config;
  const malformed = (what: string): never => {
    throw new TenantDbError(
      'INVALID_INPUT',
      `${provider} embeddings (${model}) returned a malformed response: ${what}. Check baseUrl (${config.baseUrl}) and provider.`,
    );
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    malformed(`not JSON (${JSON.stringify(text.slice(0, 80))})`);
  }
  const data = (json as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return malformed('no data array');
  if (data.length !== batch.texts.length)
    malformed(`${data.length} embeddings for ${batch.texts.length} texts (texts ${batch.offset}…)`);
  const vectors = new Array<number[]>(batch.texts.length);
  for (const item of data as unknown[]) {
    const index = (item as { index?: unknown } | null)?.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= batch.texts.length)
      return malformed(`an item has index ${JSON.stringify(index)}`);
    if (vectors[index] !== undefined) malformed(`index ${index} appears twice`);
    const embedding = (item as { embedding?: unknown }).embedding;
    if (
      !Array.isArray(embedding) ||
      embedding.length !== dimensions ||
      !embedding.every((x) => typeof x === 'number' && Number.isFinite(x))
    ) {
      throw new TenantDbError(
        'INVALID_INPUT',
        `${provider} embeddings (${model}): the vector of text ${batch.offset + index} is not ${dimensions} finite numbers (got ${Array.isArray(embedding) ? `${embedding.length} values` : typeof embedding}). Set dimensions to the model's size, or pick a model that makes ${dimensions}-dimensional vectors.`,
      );
    }
    vectors[index] = embedding as number[];
  }
  const usage = (json as { usage?: { prompt_tokens?: unknown; total_tokens?: unknown } }).usage;
  // OpenAI reports prompt_tokens (and total_tokens), Voyage total_tokens; a server that reports
  // neither is counted as 0 tokens.
  const tokens = usage?.prompt_tokens ?? usage?.total_tokens ?? 0;
  if (typeof tokens !== 'number' || !Number.isSafeInteger(tokens) || tokens < 0)
    malformed(`usage tokens ${JSON.stringify(tokens)}`);
  return { vectors, tokens: tokens as number };
}

/** tokens × price / 1e6 USD, rounded up to the micro-dollar, as a 6-decimal string. */
function costUsd(tokens: number, price: { units: bigint; scale: number }): string {
  // tokens × (units / 10^scale) / 1e6 USD = tokens × units / 10^scale micro-dollars.
  const divisor = 10n ** BigInt(price.scale);
  const product = BigInt(tokens) * price.units;
  const micros = (product + divisor - 1n) / divisor;
  return `${micros / 1_000_000n}.${(micros % 1_000_000n).toString().padStart(6, '0')}`;
}

/** Retry-After in seconds (`0`, `2`, `1.5`); an HTTP date or anything else is ignored. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null || !/^\s*\d+(\.\d+)?\s*$/.test(header)) return undefined;
  return Number(header) * 1000;
}

/** `: ` and the provider's own error message (OpenAI `{ error: { message } }`, Voyage `{ detail }`, or the text). */
function errorMessage(text: string): string {
  let message: unknown;
  try {
    const json = JSON.parse(text) as { error?: { message?: unknown } | string; detail?: unknown; message?: unknown };
    message = typeof json.error === 'string' ? json.error : (json.error?.message ?? json.detail ?? json.message);
  } catch {
    // not JSON: the text itself
  }
  const result = (typeof message === 'string' ? message : text).trim();
  if (result === '') return '';
  return `: ${result.length > 300 ? `${result.slice(0, 300)}…` : result}`;
}

function sleep(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stop.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stop.addEventListener('abort', done, { once: true });
  });
}

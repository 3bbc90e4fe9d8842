/**
 * httpEmbedder against a local HTTP server that speaks both APIs (OpenAI-compatible under
 * /openai, Voyage under /voyage). The model name scripts the server: `<mode>:<n>:<tag>`, e.g.
 * `429:2:x` answers 429 to the first two requests for that model, then succeeds. No database.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TenantDbError } from '../../src/errors.ts';
import { httpEmbedder, type HttpEmbedderOptions } from '../../src/knowledge/http-embedder.ts';

interface SeenRequest {
  path: string;
  model: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

let server: Server;
let url: string;
const seen: SeenRequest[] = [];
const counts = new Map<string, number>();
let inFlight = 0;
let maxInFlight = 0;

/** The server's vector for a text: deterministic, so the test knows which vector belongs to which text. */
function vectorOf(text: string, dimensions: number): number[] {
  let hash = 0x811c9dc5;
  for (const char of text) hash = Math.imul(hash ^ (char.codePointAt(0) as number), 0x01000193);
  return Array.from({ length: dimensions }, (_, j) => (((hash >>> 0) + j * 7919) % 1000) / 1000);
}

/** Tokens as the server counts them: words. */
const tokensOf = (texts: readonly string[]) => texts.reduce((sum, t) => sum + t.split(/\s+/).filter(Boolean).length, 0);

const requestsFor = (model: string) => seen.filter((r) => r.model === model);

const json = (res: ServerResponse, status: number, body: unknown, headers = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

beforeAll(async () => {
  server = createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      const model = String(body.model);
      const path = req.url ?? '';
      seen.push({ path, model, headers: req.headers, body });
      const count = (counts.get(model) ?? 0) + 1;
      counts.set(model, count);
      const [mode, nText = '0'] = model.split(':');
      const n = Number(nText);
      const voyage = path === '/voyage/embeddings';
      if (!voyage && path !== '/openai/embeddings') return json(res, 404, { error: { message: 'no such route' } });

      if (mode === '429' && count <= n)
        return json(res, 429, { error: { message: 'Rate limit reached' } }, { 'retry-after': '0' });
      if (mode === '500' && count <= n) return json(res, 500, { error: { message: 'The server had an error' } });
      if (mode === 'hang' && count <= n) return; // never answers; the client's timeout closes the socket
      if (mode === '401') return json(res, 401, { error: { message: 'Incorrect API key provided' } });
      if (mode === '400') return json(res, 400, { detail: 'Input cannot contain empty strings' });
      if (mode === 'malformed') return json(res, 200, '{"data": [ not json');

      const input = body.input as string[];
      const dimensions = Number((voyage ? body.output_dimension : body.dimensions) ?? 8);
      // Reversed, so only `index` tells which vector is whose.
      const data = input
        .map((text, index) => ({
          object: 'embedding',
          index,
          embedding: vectorOf(text, mode === 'wrongdim' && count === n && index === 1 ? dimensions - 1 : dimensions),
        }))
        .reverse();
      const tokens = mode === 'tokens' ? n : tokensOf(input);
      const usage = voyage ? { total_tokens: tokens } : { prompt_tokens: tokens, total_tokens: tokens };
      const answer = () => json(res, 200, { object: 'list', data, model, usage });
      if (mode === 'slow') setTimeout(answer, n);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

beforeEach(() => {
  maxInFlight = 0;
});

/** An OpenAI embedder against the local server, fast retries. */
const openai = (model: string, options: Partial<HttpEmbedderOptions> = {}) =>
  httpEmbedder({
    provider: 'openai',
    model,
    apiKey: 'sk-test',
    baseUrl: `${url}/openai`,
    dimensions: 8,
    retryBaseMs: 2,
    ...options,
  });

const rejection = async (promise: Promise<unknown>): Promise<TenantDbError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TenantDbError);
  return error as TenantDbError;
};

describe('httpEmbedder: batches, order and usage', () => {
  it('keeps the order across batches run 3 at a time, and sums tokens, calls and the exact cost', async () => {
    // Words per text 1…5: 750 tokens over 250 texts.
    const texts = Array.from({ length: 250 }, (_, i) => `text${i} ${'word '.repeat(i % 5)}`.trim());
    const embedder = openai('slow:20:order', { batchSize: 16, concurrency: 3, pricePerMillionTokensUsd: '0.02' });
    const { vectors, usage } = await embedder.embed(texts);

    expect(requestsFor('slow:20:order')).toHaveLength(16);
    expect(maxInFlight).toBe(3);
    expect(requestsFor('slow:20:order').map((r) => (r.body.input as string[]).length)).toEqual([
      ...Array<number>(15).fill(16),
      10,
    ]);
    expect(vectors).toEqual(texts.map((t) => vectorOf(t, 8)));
    // 750 tokens × $0.02 / 1e6 = $0.000015.
    expect(usage).toEqual({ model: 'slow:20:order', provider: 'openai', tokens: 750, costUsd: '0.000015', calls: 16 });
  });

  it('computes the cost with integer micro-dollars, rounded up once on the total', async () => {
    const cost = async (tokens: number, price: string, texts = ['a']) =>
      (
        await openai(`tokens:${tokens}:${price}:${texts.length}`, {
          pricePerMillionTokensUsd: price,
          batchSize: 1,
        }).embed(texts)
      ).usage;
    // 1 token × 0.02 = 0.02 µ$, rounded up to 1 µ$.
    expect((await cost(1, '0.02'))?.costUsd).toBe('0.000001');
    // Three batches of 1 token: 0.06 µ$ in all, still 1 µ$ (not 3).
    expect(await cost(1, '0.02', ['a', 'b', 'c'])).toMatchObject({ tokens: 3, calls: 3, costUsd: '0.000001' });
    expect((await cost(1_000_000, '1234.5678'))?.costUsd).toBe('1234.567800');
    // 333,333,333 × 0.000123 = 40,999.999959 µ$ → 41,000 µ$ (floats would give 0.040999999959…).
    expect((await cost(333_333_333, '0.000123'))?.costUsd).toBe('0.041000');
    expect((await cost(7, '0'))?.costUsd).toBe('0.000000');
    // No price: usage still reported, cost 0.
    expect((await openai('tokens:5:noprice').embed(['a'])).usage).toMatchObject({ tokens: 5, costUsd: '0.000000' });
  });

  it('makes no request for no texts', async () => {
    let calls = 0;
    const embedder = openai('ok:0:empty', {
      fetch: (...args) => {
        calls++;
        return fetch(...args);
      },
    });
    expect(await embedder.embed([])).toEqual({ vectors: [] });
    expect(calls).toBe(0);
  });

  it('sends Authorization: Bearer <key> and, to OpenAI, dimensions (unless sendDimensions is false)', async () => {
    await openai('ok:0:openai-body').embed(['hello world']);
    const [request] = requestsFor('ok:0:openai-body');
    expect(request?.path).toBe('/openai/embeddings');
    expect(request?.headers.authorization).toBe('Bearer sk-test');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.body).toEqual({ model: 'ok:0:openai-body', input: ['hello world'], dimensions: 8 });

    // The server's default length is 8: the check still passes without asking.
    await openai('ok:0:no-dimensions', { sendDimensions: false }).embed(['hello']);
    expect(requestsFor('ok:0:no-dimensions')[0]?.body).toEqual({ model: 'ok:0:no-dimensions', input: ['hello'] });
  });

  it('sends input_type and output_dimension to Voyage and reads its total_tokens', async () => {
    const voyage = (model: string, options: Partial<HttpEmbedderOptions> = {}) =>
      httpEmbedder({ provider: 'voyage', model, apiKey: 'pa-voyage', baseUrl: `${url}/voyage/`, ...options });
    const embedder = voyage('ok:0:voyage', { pricePerMillionTokensUsd: '0.06' });
    expect(embedder.dimensions).toBe(1024);
    const { vectors, usage } = await embedder.embed(['first document', 'second one here']);
    expect(vectors).toEqual([vectorOf('first document', 1024), vectorOf('second one here', 1024)]);
    // 5 tokens × 0.06 = 0.3 µ$ → 1 µ$.
    expect(usage).toEqual({ model: 'ok:0:voyage', provider: 'voyage', tokens: 5, costUsd: '0.000001', calls: 1 });
    const [request] = requestsFor('ok:0:voyage');
    expect(request?.path).toBe('/voyage/embeddings');
    expect(request?.headers.authorization).toBe('Bearer pa-voyage');
    expect(request?.body).toEqual({
      model: 'ok:0:voyage',
      input: ['first document', 'second one here'],
      input_type: 'document',
      output_dimension: 1024,
    });

    await voyage('ok:0:voyage-query', { inputType: 'query', dimensions: 512 }).embed(['what is the discount?']);
    expect(requestsFor('ok:0:voyage-query')[0]?.body).toMatchObject({ input_type: 'query', output_dimension: 512 });
  });

  it('defaults to the providers’ public URLs', async () => {
    const urls: string[] = [];
    const stub: typeof fetch = (input) => {
      urls.push(String(input));
      return Promise.resolve(
        new Response(JSON.stringify({ data: [{ index: 0, embedding: [1, 2] }], usage: { total_tokens: 1 } })),
      );
    };
    for (const provider of ['openai', 'voyage'] as const)
      await httpEmbedder({ provider, model: 'm', apiKey: 'k', dimensions: 2, fetch: stub }).embed(['x']);
    expect(urls).toEqual(['https://api.openai.com/v1/embeddings', 'https://api.voyageai.com/v1/embeddings']);
  });
});

describe('httpEmbedder: retries', () => {
  it('retries 429s, waiting what Retry-After says rather than the backoff', { timeout: 5_000 }, async () => {
    // A backoff of a minute would time the test out: Retry-After: 0 is what makes it quick.
    const { vectors, usage } = await openai('429:2:retry-after', { retryBaseMs: 60_000 }).embed(['a b', 'c']);
    expect(requestsFor('429:2:retry-after')).toHaveLength(3);
    expect(vectors).toEqual([vectorOf('a b', 8), vectorOf('c', 8)]);
    expect(usage).toMatchObject({ tokens: 3, calls: 1 });
  });

  it('retries 5xx answers with backoff and succeeds', async () => {
    const { vectors } = await openai('500:3:flaky').embed(['a']);
    expect(requestsFor('500:3:flaky')).toHaveLength(4);
    expect(vectors).toEqual([vectorOf('a', 8)]);
  });

  it('retries a request that timed out', async () => {
    const started = Date.now();
    const { vectors } = await openai('hang:1:timeout', { timeoutMs: 200 }).embed(['slow text']);
    expect(requestsFor('hang:1:timeout')).toHaveLength(2);
    expect(vectors).toEqual([vectorOf('slow text', 8)]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('gives up after maxRetries with CONFIG_INVALID naming the provider, status and attempts', async () => {
    const error = await rejection(openai('500:99:exhausted', { maxRetries: 2 }).embed(['a']));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/^openai embeddings .*failed after 3 attempts.*HTTP 500: The server had an error/);
    expect(requestsFor('500:99:exhausted')).toHaveLength(3);
  });

  it('retries network errors', async () => {
    // A port nobody listens on: the connection is refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    let calls = 0;
    const embedder = openai('ok:0:refused', {
      baseUrl: `http://127.0.0.1:${port}/v1`,
      maxRetries: 3,
      fetch: (...args) => {
        calls++;
        return fetch(...args);
      },
    });
    const error = await rejection(embedder.embed(['a']));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/failed after 4 attempts; the last: network error/);
    expect(calls).toBe(4);
  });
});

describe('httpEmbedder: refusals and bad answers are not retried', () => {
  it('401: CONFIG_INVALID with the provider’s message, after exactly one request', async () => {
    const error = await rejection(openai('401:0:key').embed(['a']));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('HTTP 401: Incorrect API key provided');
    expect(error.message).not.toContain('sk-test');
    expect(requestsFor('401:0:key')).toHaveLength(1);
  });

  it('400: INVALID_INPUT with the provider’s message, after exactly one request', async () => {
    const embedder = httpEmbedder({ provider: 'voyage', model: '400:0:bad', apiKey: 'k', baseUrl: `${url}/voyage` });
    const error = await rejection(embedder.embed(['']));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('HTTP 400: Input cannot contain empty strings');
    expect(requestsFor('400:0:bad')).toHaveLength(1);
  });

  it('a vector of the wrong length: INVALID_INPUT naming the text’s index, nothing returned', async () => {
    // The second request (texts 16…) has a short vector at its index 1: text 17.
    const texts = Array.from({ length: 40 }, (_, i) => `t${i}`);
    const error = await rejection(openai('wrongdim:2:dims', { batchSize: 16, concurrency: 1 }).embed(texts));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('the vector of text 17 is not 8 finite numbers (got 7 values)');
    // The failure stopped the run: the third batch was never sent.
    expect(requestsFor('wrongdim:2:dims')).toHaveLength(2);
  });

  it('a malformed body: INVALID_INPUT, one request', async () => {
    const error = await rejection(openai('malformed:0:body').embed(['a']));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatch(/malformed response: not JSON/);
    expect(requestsFor('malformed:0:body')).toHaveLength(1);
  });

  it('a 404 (wrong baseUrl): CONFIG_INVALID, one request', async () => {
    const error = await rejection(openai('ok:0:404', { baseUrl: `${url}/nowhere` }).embed(['a']));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/HTTP 404: no such route\. Check baseUrl/);
    expect(requestsFor('ok:0:404')).toHaveLength(1);
  });
});

describe('httpEmbedder: options', () => {
  const base: HttpEmbedderOptions = { provider: 'openai', model: 'text-embedding-3-small', apiKey: 'k' };
  it.each([
    ['no model', { model: '' }],
    ['no apiKey', { apiKey: '' }],
    ['an unknown provider', { provider: 'cohere' }],
    ['batchSize 0', { batchSize: 0 }],
    ['concurrency -1', { concurrency: -1 }],
    ['dimensions 1.5', { dimensions: 1.5 }],
    ['timeoutMs 0', { timeoutMs: 0 }],
    ['maxRetries -1', { maxRetries: -1 }],
    ['retryBaseMs NaN', { retryBaseMs: Number.NaN }],
    ['a price with a comma', { pricePerMillionTokensUsd: '0,02' }],
    ['a negative price', { pricePerMillionTokensUsd: '-1' }],
    ['a price in exponent notation', { pricePerMillionTokensUsd: '2e-2' }],
    ['a price as a number', { pricePerMillionTokensUsd: 0.02 }],
    ['an ftp baseUrl', { baseUrl: 'ftp://example.com' }],
    ['inputType for OpenAI', { inputType: 'query' }],
  ])('refuses %s with CONFIG_INVALID', (_, bad) => {
    let error: unknown;
    try {
      httpEmbedder({ ...base, ...bad } as HttpEmbedderOptions);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TenantDbError);
    expect((error as TenantDbError).code).toBe('CONFIG_INVALID');
    expect((error as TenantDbError).message).toMatch(/^httpEmbedder: /);
  });

  it('has the model and dimensions it was given (1024 by default)', () => {
    expect(httpEmbedder(base)).toMatchObject({ model: 'text-embedding-3-small', dimensions: 1024 });
    expect(httpEmbedder({ ...base, dimensions: 256 }).dimensions).toBe(256);
  });
});

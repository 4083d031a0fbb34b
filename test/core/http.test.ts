import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSocialCrm, memoryLedger, type ChannelAdapter } from 'social-crm';
import { decodeUtf8, parseJson, readRawBody, toChannelApiError } from 'social-crm/adapter-kit';
import { createChannelTestServer } from 'social-crm/testing';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const POSTS = 'https://board.example.test/posts';
const hour = 3_600_000;

/**
 * A small message board: replies with `POST /posts`, polls `GET /posts`, and reports its budget in
 * `x-budget-remaining` / `x-budget-reset` (epoch seconds), the way X reports `x-rate-limit-*`.
 */
function boardAdapter(): ChannelAdapter {
  return {
    specificationVersion: 'v1',
    id: 'board',
    capabilities: { webhook: true, poll: true, reply: true, directMessage: false, edits: false, deletes: false, reactions: false, threads: true, deliveryReceipts: false },
    rateLimitFromResponse(response) {
      const remaining = response.headers.get('x-budget-remaining');
      return remaining === null ? undefined : { remaining: Number(remaining), resetAt: Number(response.headers.get('x-budget-reset')) * 1000 };
    },
    async doHandleWebhook(request) {
      const body = parseJson(decodeUtf8(await readRawBody(request))) as { id: string; user: string; text: string };
      return { events: [{ type: 'interaction', interaction: { channel: 'board', nativeId: body.id, kind: 'post', author: { channel: 'board', nativeId: body.user }, text: body.text, createdAt: '2026-11-20T10:00:00Z' } }] };
    },
    async doPoll(_request, context) {
      try {
        const page = await context.http.get(POSTS).json<{ items: Array<{ id: string; user: string; text: string }> }>();
        return {
          events: page.items.map((item) => ({ type: 'interaction' as const, interaction: { channel: 'board', nativeId: item.id, kind: 'post' as const, author: { channel: 'board', nativeId: item.user }, text: item.text, createdAt: '2026-11-20T10:00:00Z' } })),
          cursor: undefined,
          hasMore: false,
        };
      } catch (error) {
        throw await toChannelApiError('board', error);
      }
    },
    async doSendReply(reply, context) {
      try {
        const sent = await context.http.post(POSTS, { json: { parent: reply.inReplyTo.nativeId, text: reply.text } }).json<{ id: string }>();
        return { nativeId: sent.id };
      } catch (error) {
        throw await toChannelApiError('board', error);
      }
    },
  };
}

/** A crm with the default HTTP settings (15 s per attempt, 60 s longest rate-limit wait), holding one post to answer. */
async function boardCrm() {
  const crm = createSocialCrm({ ledger: memoryLedger(), adapters: [boardAdapter()], classifier: false, logger: silent });
  const response = await crm.handleWebhook(
    new Request('https://crm.example.test/webhooks/board', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 't1', user: 'mira', text: 'Where is my parcel?' }) }),
  );
  expect(response.status).toBe(200);
  return crm;
}

/**
 * Moves the fake clock in small steps, letting real I/O (msw, streams) run between steps, until
 * `promise` settles. Answers the outcome and how much fake time passed.
 */
async function runClock<T>(promise: Promise<T>, limitMs = 10 * 60_000): Promise<{ value?: T; error?: unknown; elapsedMs: number }> {
  const started = Date.now();
  let outcome: { value?: T; error?: unknown } | undefined;
  promise.then(
    (value) => (outcome = { value }),
    (error: unknown) => (outcome = { error }),
  );
  while (!outcome && Date.now() - started < limitMs) {
    await new Promise((resolve) => setImmediate(resolve));
    if (!outcome) await vi.advanceTimersByTimeAsync(100);
  }
  if (!outcome) throw new Error(`still pending after ${limitMs} ms of fake time`);
  return { ...outcome, elapsedMs: Date.now() - started };
}

describe('outbound HTTP: rate-limit waits are not counted in the per-attempt timeout', () => {
  const server = createChannelTestServer();
  beforeAll(() => server.listen());
  beforeEach(() => {
    // setImmediate stays real so msw and the streams it uses make progress between clock steps.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
    server.reset();
  });
  afterAll(() => server.close());

  // Regression: issue 13 ("a 429 with Retry-After: 20 fails after 15 s with 'did not answer in time'").
  it('waits out a 429 with Retry-After: 20 under the default settings and succeeds on the second attempt', async () => {
    const crm = await boardCrm();
    server.route('post', POSTS, ({ index }) => (index === 0 ? new Response('slow down', { status: 429, headers: { 'retry-after': '20' } }) : Response.json({ id: 'r1' })));
    const { value, error, elapsedMs } = await runClock(crm.reply('board:t1', 'It left the depot today.'));
    expect(error).toBeUndefined();
    expect(value).toMatchObject({ id: 'board:r1', deliveryStatus: 'sent' });
    expect(server.calls).toHaveLength(2);
    expect(server.calls[1]!.at - server.calls[0]!.at).toBeGreaterThanOrEqual(20_000);
    expect(elapsedMs).toBeLessThan(25_000);
  });

  it('reads Retry-After as an HTTP date', async () => {
    const crm = await boardCrm();
    server.route('post', POSTS, ({ index }) =>
      index === 0 ? new Response('slow down', { status: 429, headers: { 'retry-after': new Date(Date.now() + 20_000).toUTCString() } }) : Response.json({ id: 'r2' }),
    );
    const { value, error } = await runClock(crm.reply('board:t1', 'Dated.'));
    expect(error).toBeUndefined();
    expect(value).toMatchObject({ id: 'board:r2' });
    // HTTP dates have whole seconds, so the wait may be up to a second shorter than 20 s.
    expect(server.calls[1]!.at - server.calls[0]!.at).toBeGreaterThanOrEqual(19_000);
    expect(server.calls[1]!.at - server.calls[0]!.at).toBeLessThanOrEqual(20_000);
  });

  it('fails at once with a RateLimitError carrying retryAfterMs when Retry-After is over the maximum', async () => {
    const crm = await boardCrm();
    server.route('post', POSTS, () => new Response('slow down', { status: 429, headers: { 'retry-after': '120' } }));
    const { error, elapsedMs } = await runClock(crm.reply('board:t1', 'Too soon.'));
    expect(error).toMatchObject({ name: 'RateLimitError', code: 'RATE_LIMITED', isRetryable: true, status: 429 });
    expect((error as { retryAfterMs: number }).retryAfterMs).toBe(120_000);
    expect(server.calls).toHaveLength(1);
    expect(elapsedMs).toBeLessThan(1_000);
  });

  it('waits for a budget the network reported spent, 20 s ahead, before the next call', async () => {
    const crm = await boardCrm();
    server.route('post', POSTS, () =>
      Response.json({ id: `r${server.calls.length}` }, { headers: { 'x-budget-remaining': server.calls.length === 1 ? '0' : '5', 'x-budget-reset': String(Math.ceil(Date.now() / 1000) + 20) } }),
    );
    expect(await crm.reply('board:t1', 'First.')).toMatchObject({ id: 'board:r1' });
    const { value, error } = await runClock(crm.reply('board:t1', 'Second.'));
    expect(error).toBeUndefined();
    expect(value).toMatchObject({ id: 'board:r2' });
    expect(server.calls[1]!.at - server.calls[0]!.at).toBeGreaterThanOrEqual(20_000);
  });

  it('fails a poll at once, without a call, when the budget is spent past the maximum', async () => {
    const crm = await boardCrm();
    server.route('get', POSTS, () => Response.json({ items: [] }, { headers: { 'x-budget-remaining': '0', 'x-budget-reset': String(Math.ceil((Date.now() + hour) / 1000)) } }));
    const [first] = await crm.poll();
    expect(first?.error).toBeUndefined();
    const { value, elapsedMs } = await runClock(crm.poll());
    expect(value?.[0]?.error).toMatchObject({ code: 'RATE_LIMITED', isRetryable: true });
    expect(value?.[0]?.error).toHaveProperty('retryAfterMs', expect.any(Number));
    expect(server.calls).toHaveLength(1);
    expect(elapsedMs).toBeLessThan(100);
  });

  it('waits out a 503 with Retry-After on a poll, and fails at once when it is over the maximum', async () => {
    const crm = await boardCrm();
    server.route('get', POSTS, ({ index }) =>
      index === 0 ? new Response('maintenance', { status: 503, headers: { 'retry-after': '20' } }) : Response.json({ items: [{ id: 'p1', user: 'mira', text: 'Back?' }] }),
    );
    const waited = await runClock(crm.poll());
    expect(waited.value?.[0]).toMatchObject({ stored: 1 });
    expect(server.calls[1]!.at - server.calls[0]!.at).toBeGreaterThanOrEqual(20_000);

    server.reset();
    server.route('get', POSTS, () => new Response('maintenance', { status: 503, headers: { 'retry-after': '600' } }));
    const refused = await runClock(crm.poll());
    expect(refused.value?.[0]?.error).toMatchObject({ code: 'CHANNEL_API_ERROR', status: 503, isRetryable: true, retryAfterMs: 600_000 });
    expect(server.calls).toHaveLength(1);
    expect(refused.elapsedMs).toBeLessThan(1_000);
  });

  it('does not repeat a POST answered 503, but says when to try again', async () => {
    const crm = await boardCrm();
    server.route('post', POSTS, () => new Response('maintenance', { status: 503, headers: { 'retry-after': '5' } }));
    const { error } = await runClock(crm.reply('board:t1', 'Once only.'));
    expect(error).toMatchObject({ code: 'CHANNEL_API_ERROR', status: 503, isRetryable: true, retryAfterMs: 5_000 });
    expect(server.calls).toHaveLength(1);
  });

  it('still times out an attempt the server never answers, after the per-attempt timeout, and aborts it', async () => {
    const crm = await boardCrm();
    let aborted = false;
    server.route('post', POSTS, ({ request }) =>
      new Promise<Response>((resolve) => {
        request.signal.addEventListener('abort', () => {
          aborted = true;
          resolve(new Response(null, { status: 499 }));
        });
      }),
    );
    const { error, elapsedMs } = await runClock(crm.reply('board:t1', 'Anyone there?'));
    expect(error).toMatchObject({ code: 'CHANNEL_API_ERROR', isRetryable: true });
    expect((error as Error).message).toMatch(/did not answer in time/);
    expect(elapsedMs).toBeGreaterThanOrEqual(15_000);
    expect(elapsedMs).toBeLessThan(16_000);
    expect(server.calls).toHaveLength(1);
    expect(aborted).toBe(true);
  });
});

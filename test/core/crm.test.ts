import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createSocialCrm,
  isAbortedError,
  isSocialCrmError,
  memoryLedger,
  type ChannelAdapter,
  type InteractionLedger,
  type SocialCrmEvents,
} from 'social-crm';
import { parseJson, readRawBody, decodeUtf8, toChannelApiError } from 'social-crm/adapter-kit';
import { canonicalWebhookAdapter } from 'social-crm/adapters/canonical';
import { createChannelTestServer } from 'social-crm/testing';
import { CANONICAL_SECRET, canonicalRequest, post } from '../helpers/canonical.js';
import { rejection } from '../helpers/outcomes.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function setup(extra: Partial<Parameters<typeof createSocialCrm>[0]> = {}) {
  const ledger = extra.ledger ?? memoryLedger();
  const crm = createSocialCrm({
    ledger,
    adapters: [canonicalWebhookAdapter({ secret: CANONICAL_SECRET })],
    classifier: false,
    logger: silent,
    ...extra,
  });
  const seen: Array<{ name: keyof SocialCrmEvents; payload: unknown }> = [];
  for (const name of ['interaction-received', 'interaction-updated', 'interaction-skipped', 'dead-lettered', 'warning', 'customer-created', 'reply-sent', 'reply-failed'] as const) {
    crm.on(name, (payload) => seen.push({ name, payload }));
  }
  return { crm, ledger, seen, count: (name: keyof SocialCrmEvents) => seen.filter((event) => event.name === name).length };
}

/** A ledger whose chosen method fails until `heal()` is called. */
function flakyLedger(...methods: Array<keyof InteractionLedger>) {
  let broken = true;
  const flaky = (target: InteractionLedger): InteractionLedger =>
    new Proxy(target, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (methods.includes(property as keyof InteractionLedger) && typeof value === 'function') {
          return async (...args: unknown[]) => {
            if (broken) throw new Error('connection reset by peer');
            return (value as (...rest: unknown[]) => unknown).apply(target, args);
          };
        }
        // The ledger a transaction gives its task fails the same way.
        if (property === 'transaction' && typeof value === 'function') {
          return (task: (scoped: InteractionLedger) => Promise<unknown>) => value.call(target, (scoped: InteractionLedger) => task(flaky(scoped)));
        }
        return value;
      },
    });
  return { ledger: flaky(memoryLedger()), heal: () => (broken = false) };
}

describe('handleWebhook', () => {
  it('stores a signed delivery once, however often it is redelivered', async () => {
    const { crm, ledger, count } = setup();
    const events = [post('w1', 'Kargom hâlâ gelmedi 😤'), post('w2', 'Thanks for the quick fix!')];
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await crm.handleWebhook(await canonicalRequest(events));
      expect(response.status).toBe(200);
    }
    const rows = (await ledger.queryInteractions({})).items;
    expect(rows.map((row) => row.id)).toEqual(['canonical:w1', 'canonical:w2']);
    expect(count('interaction-received')).toBe(2);
    expect(count('interaction-skipped')).toBe(4);
  });

  it('stores one row when the same delivery arrives concurrently', async () => {
    const { crm, ledger } = setup();
    const requests = await Promise.all(Array.from({ length: 20 }, () => canonicalRequest([post('same', 'Aynı mesaj')])));
    const responses = await Promise.all(requests.map((request) => crm.handleWebhook(request)));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect((await ledger.queryInteractions({})).items).toHaveLength(1);
    expect((await ledger.listCustomers()).items).toHaveLength(1);
  });

  it('answers 404 for an unknown adapter, 413 for an oversize body, 415 for a wrong content type', async () => {
    const { crm, count } = setup({ maxBodyBytes: 2048 });
    const unknown = await crm.handleWebhook(await canonicalRequest([post('u1', 'x')], { path: '/webhooks/nope' }));
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('UNKNOWN_ADAPTER');

    const huge = await canonicalRequest([post('big', 'a'.repeat(5000))]);
    expect((await crm.handleWebhook(huge)).status).toBe(413);

    const wrongType = new Request('https://crm.example.test/webhooks/canonical', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect((await crm.handleWebhook(wrongType)).status).toBe(415);
    // Anyone can send these: they are logged, never announced to listeners.
    expect(count('warning')).toBe(0);
  });

  it('answers 413 for a chunked body that passes the limit without a Content-Length', async () => {
    const { crm } = setup({ maxBodyBytes: 1024 });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let index = 0; index < 10; index++) controller.enqueue(new TextEncoder().encode('x'.repeat(200)));
        controller.close();
      },
    });
    const request = new Request('https://crm.example.test/webhooks/canonical', { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
    expect((await crm.handleWebhook(request)).status).toBe(413);
  });

  it('answers 401 for a wrong secret and 400 for malformed JSON, storing nothing', async () => {
    const { crm, ledger } = setup();
    expect((await crm.handleWebhook(await canonicalRequest([post('s1', 'x')], { secret: 'another-secret-0123456789' }))).status).toBe(401);
    const body = '{"events": [';
    const { signCanonical } = await import('../helpers/canonical.js');
    const malformed = new Request('https://crm.example.test/webhooks/canonical', { method: 'POST', headers: { 'content-type': 'application/json', ...(await signCanonical(body)) }, body });
    const response = await crm.handleWebhook(malformed);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('INVALID_PAYLOAD');
    expect((await ledger.queryInteractions({ includeDeleted: true })).items).toHaveLength(0);
  });

  it('routes by explicit adapter id as well as by path', async () => {
    const { crm, ledger } = setup({ webhookPath: '/hooks' });
    const request = await canonicalRequest([post('r1', 'Merhaba')], { path: '/somewhere/else' });
    expect((await crm.handleWebhook(request, { adapterId: 'canonical' })).status).toBe(200);
    expect((await crm.handleWebhook(await canonicalRequest([post('r2', 'Hi')], { path: '/hooks/canonical' }))).status).toBe(200);
    expect((await ledger.queryInteractions({})).items).toHaveLength(2);
  });

  it('keeps invalid items of a verified batch as dead letters and stores the valid ones', async () => {
    const { crm, ledger, count } = setup();
    const response = await crm.handleWebhook(await canonicalRequest([post('ok', 'Fine'), { nativeId: 'broken', text: 'no author' }]));
    expect(response.status).toBe(200);
    expect((await ledger.queryInteractions({})).items.map((row) => row.nativeId)).toEqual(['ok']);
    const letters = (await ledger.listDeadLetters()).items;
    expect(letters).toHaveLength(1);
    expect(letters[0]!.payload).toMatchObject({ type: 'rejected', item: { nativeId: 'broken' } });
    expect(count('dead-lettered')).toBe(1);
  });
});

describe('pipeline', () => {
  it('detects customer-to-customer replies and keeps them in the thread', async () => {
    const { crm, ledger } = setup();
    await crm.ingest([
      { channel: 'forum', nativeId: 'p1', kind: 'post', author: { channel: 'forum', nativeId: 'ayse' }, text: 'Modem sürekli kopuyor', createdAt: '2026-11-20T10:00:00Z' },
      { channel: 'forum', nativeId: 'p2', kind: 'reply', parentId: 'p1', author: { channel: 'forum', nativeId: 'mehmet' }, text: 'Bende de aynı sorun var', createdAt: '2026-11-20T10:05:00Z' },
      { channel: 'forum', nativeId: 'p3', kind: 'reply', parentId: 'p2', author: { channel: 'forum', nativeId: 'brand', isBrand: true }, text: 'DM atar mısınız?', createdAt: '2026-11-20T10:10:00Z' },
    ]);
    const peer = await ledger.getInteraction('forum:p2');
    expect(peer?.direction).toBe('peer');
    expect(peer?.conversationId).toBe('forum:p1');
    const brand = await ledger.getInteraction('forum:p3');
    expect(brand?.direction).toBe('outbound');
    expect(brand?.customerId).toBe(peer?.customerId);
    expect((await ledger.listCustomers()).items).toHaveLength(2);
  });

  it('applies edits in place and tombstones deletes, even when the delete arrives first', async () => {
    const { crm, ledger, count } = setup();
    await crm.handleWebhook(await canonicalRequest([post('e1', 'Berbat hizmet')]));
    await crm.handleWebhook(await canonicalRequest([post('e1', 'Berbat hizmet, iade istiyorum', { state: 'edited' })]));
    expect(await ledger.getInteraction('canonical:e1')).toMatchObject({ state: 'edited', text: 'Berbat hizmet, iade istiyorum' });
    expect(count('interaction-updated')).toBe(1);

    await crm.handleWebhook(await canonicalRequest([{ type: 'deletion', nativeId: 'late', deletedAt: '2026-11-20T12:00:00Z' }]));
    await crm.handleWebhook(await canonicalRequest([post('late', 'I will delete this')]));
    expect(await ledger.getInteraction('canonical:late')).toMatchObject({ state: 'deleted', text: '' });
  });

  it('rejects invalid host input with InvalidInteractionError paths in the dead letter', async () => {
    const { crm, ledger } = setup();
    const result = await crm.ingest({ channel: 'forum', nativeId: '', kind: 'shout', author: { channel: 'forum' }, createdAt: 'yesterday' } as never);
    expect(result.deadLettered).toBe(1);
    const [letter] = (await ledger.listDeadLetters()).items;
    expect(letter?.stage).toBe('validate');
    expect(letter?.error.code).toBe('INVALID_INTERACTION');
    expect(letter?.error.message).toContain('nativeId');
    expect(letter?.error.message).toContain('kind');
    expect(letter?.error.message).toContain('createdAt');
  });

  it('dead-letters a ledger failure and replays it once the ledger heals', async () => {
    const { ledger, heal } = flakyLedger('appendInteraction', 'appendInteractions');
    const { crm, count } = setup({ ledger });
    const response = await crm.handleWebhook(await canonicalRequest([post('f1', 'Lost?'), post('f2', 'Not lost')]));
    expect(response.status).toBe(200);
    expect(count('dead-lettered')).toBe(2);
    const first = await crm.retryDeadLetters();
    expect(first).toMatchObject({ retried: 2, succeeded: 0, failed: 2 });
    expect((await ledger.listDeadLetters()).items.every((letter) => letter.attempts === 2)).toBe(true);
    heal();
    expect(await crm.retryDeadLetters()).toMatchObject({ retried: 2, succeeded: 2, failed: 0 });
    expect((await ledger.queryInteractions({})).items.map((row) => row.nativeId)).toEqual(['f1', 'f2']);
    expect((await ledger.listDeadLetters()).items).toHaveLength(0);
  });

  it('reports progress while replaying dead letters and stops between entries when aborted, keeping what was replayed', async () => {
    const { ledger, heal } = flakyLedger('appendInteraction', 'appendInteractions');
    const { crm } = setup({ ledger });
    await crm.handleWebhook(await canonicalRequest([post('a1', 'One'), post('a2', 'Two'), post('a3', 'Three')]));
    heal();
    const controller = new AbortController();
    const seen: Array<{ done: number; total?: number }> = [];
    const error = await rejection(crm.retryDeadLetters({ signal: controller.signal, onProgress: (progress) => {
      seen.push(progress);
      if (progress.done === 1) controller.abort();
    } }));
    expect(isAbortedError(error)).toBe(true);
    expect(error).toMatchObject({ operation: 'crm.retryDeadLetters()', progress: { done: 1, total: 3 } });
    expect(seen).toEqual([{ done: 1, total: 3 }]);
    expect((await ledger.queryInteractions({})).items).toHaveLength(1);
    expect((await ledger.listDeadLetters()).items).toHaveLength(2);
    const rest: number[] = [];
    expect(await crm.retryDeadLetters({ onProgress: ({ done }) => rest.push(done) })).toMatchObject({ retried: 2, succeeded: 2 });
    expect(rest).toEqual([1, 2]);
    expect((await ledger.queryInteractions({})).items.map((row) => row.nativeId).sort()).toEqual(['a1', 'a2', 'a3']);
  });

  it('keeps a whole verified webhook when the adapter itself crashes, and replays it', async () => {
    let crash = true;
    const inner = canonicalWebhookAdapter({ secret: CANONICAL_SECRET });
    const crashing: ChannelAdapter = {
      ...inner,
      async doHandleWebhook(request, context) {
        if (crash) throw new TypeError('cannot read properties of undefined');
        return inner.doHandleWebhook!(request, context);
      },
    };
    const { crm, ledger } = setup({ adapters: [crashing] });
    const response = await crm.handleWebhook(await canonicalRequest([post('k1', 'Kept')]));
    expect(response.status).toBe(500);
    const [letter] = (await ledger.listDeadLetters()).items;
    expect(letter?.stage).toBe('webhook');
    crash = false;
    expect(await crm.retryDeadLetters()).toMatchObject({ succeeded: 1 });
    expect(await ledger.getInteraction('canonical:k1')).not.toBeNull();
  });

  it('isolates a throwing listener: the pipeline carries on and the error is logged', async () => {
    const errors: string[] = [];
    const crm = createSocialCrm({
      ledger: memoryLedger(),
      adapters: [canonicalWebhookAdapter({ secret: CANONICAL_SECRET })],
      classifier: false,
      logger: { ...silent, error: (message) => errors.push(message) },
    });
    const received: string[] = [];
    crm.on('interaction-received', () => {
      throw new Error('listener bug');
    });
    crm.on('interaction-received', async () => {
      throw new Error('async listener bug');
    });
    const unsubscribe = crm.on('interaction-received', ({ interaction }) => received.push(interaction.id));
    const response = await crm.handleWebhook(await canonicalRequest([post('l1', 'Still stored')]));
    expect(response.status).toBe(200);
    expect(received).toEqual(['canonical:l1']);
    await vi.waitFor(() => expect(errors.filter((message) => message.includes('interaction-received'))).toHaveLength(2));
    unsubscribe();
    await crm.handleWebhook(await canonicalRequest([post('l2', 'Not announced to the removed listener')]));
    expect(received).toEqual(['canonical:l1']);
  });

  it('classifies with the host classifier and emits interaction-classified', async () => {
    const { crm, ledger, seen } = setup({
      classifier: {
        id: 'test/keyword@1',
        classify: ({ text }) => ({
          language: 'tr',
          languageConfidence: 1,
          languageSupported: true,
          sentiment: { label: /berbat/i.test(text) ? 'negative' : 'neutral', score: /berbat/i.test(text) ? -0.8 : 0, confidence: 0.9 },
          intents: /berbat/i.test(text) ? [{ intent: 'complaint', confidence: 0.9 }] : [],
          department: { department: 'customer_service', reason: 'test' },
          urgency: 0.5,
          explanation: [],
          model: 'test/keyword@1',
        }),
      },
    });
    crm.on('interaction-classified', (payload) => seen.push({ name: 'interaction-classified', payload }));
    await crm.ingest({ channel: 'forum', nativeId: 'c1', kind: 'post', author: { channel: 'forum', nativeId: 'a' }, text: 'Berbat bir deneyim', createdAt: '2026-11-20T10:00:00Z' });
    expect((await ledger.getInteraction('forum:c1'))?.classification?.sentiment.label).toBe('negative');
    expect(seen.filter((event) => event.name === 'interaction-classified')).toHaveLength(1);
  });
});

describe('options and registration', () => {
  it('refuses invalid options with every issue listed', () => {
    let thrown: unknown;
    try {
      createSocialCrm({ ledger: undefined as never, webhookPath: 'no-slash', maxBodyBytes: -1 });
    } catch (error) {
      thrown = error;
    }
    expect(isSocialCrmError(thrown, 'INVALID_OPTIONS')).toBe(true);
    expect((thrown as { issues: Array<{ path: string }> }).issues.map((issue) => issue.path)).toEqual(expect.arrayContaining(['ledger', 'webhookPath', 'maxBodyBytes']));
  });

  it('refuses a ledger with missing methods, naming them', () => {
    const { getCursor: _dropped, ...partial } = memoryLedger();
    expect(() => createSocialCrm({ ledger: partial as unknown as InteractionLedger })).toThrow(/getCursor/);
  });

  it('refuses unknown adapter versions and capability mismatches', () => {
    const adapter = canonicalWebhookAdapter({ secret: CANONICAL_SECRET });
    expect(() => createSocialCrm({ ledger: memoryLedger(), adapters: [{ ...adapter, specificationVersion: 'v9' as 'v1' }] })).toThrow(/"v9"/);
    expect(() => createSocialCrm({ ledger: memoryLedger(), adapters: [{ ...adapter, capabilities: { ...adapter.capabilities, poll: true } }] })).toThrow(/doPoll/);
    expect(() => createSocialCrm({ ledger: memoryLedger(), adapters: [adapter, adapter] })).toThrow(/already registered/);
  });
});

describe('reply, consent and polling through a network mocked with msw', () => {
  const server = createChannelTestServer();
  beforeAll(() => server.listen());
  afterEach(() => server.reset());
  afterAll(() => server.close());

  /** A small forum network: polls `GET /posts?after=`, replies with `POST /posts`. */
  function forumAdapter(): ChannelAdapter {
    return {
      specificationVersion: 'v1',
      id: 'forum',
      capabilities: { webhook: true, poll: true, reply: true, directMessage: true, edits: false, deletes: false, reactions: false, threads: true, deliveryReceipts: false },
      rateLimitFromResponse(response) {
        const remaining = response.headers.get('x-budget-remaining');
        return remaining === null ? undefined : { remaining: Number(remaining), resetAt: Number(response.headers.get('x-budget-reset')) * 1000 };
      },
      async doHandleWebhook(request) {
        const body = parseJson(decodeUtf8(await readRawBody(request))) as { id: string; user: string; text: string };
        return { events: [{ type: 'interaction', interaction: { channel: 'forum', nativeId: body.id, kind: 'post', author: { channel: 'forum', nativeId: body.user }, text: body.text, createdAt: '2026-11-20T10:00:00Z' } }] };
      },
      async doPoll({ cursor }, context) {
        const page = await context.http.get('https://forum.example.test/posts', { searchParams: cursor ? { after: cursor } : {} }).json<{ items: Array<{ id: string; user: string; text: string }>; next: string | null }>();
        return {
          events: page.items.map((item) => ({ type: 'interaction' as const, interaction: { channel: 'forum', nativeId: item.id, kind: 'post' as const, author: { channel: 'forum', nativeId: item.user }, text: item.text, createdAt: '2026-11-20T10:00:00Z' } })),
          cursor: page.next ?? cursor,
          hasMore: page.next !== null,
        };
      },
      async doSendReply(reply, context) {
        try {
          const sent = await context.http.post('https://forum.example.test/posts', { json: { parent: reply.inReplyTo.nativeId, text: reply.text, private: reply.visibility === 'private' } }).json<{ id: string }>();
          return { nativeId: sent.id };
        } catch (error) {
          throw await toChannelApiError('forum', error);
        }
      },
    };
  }

  async function forumCrm() {
    const ledger = memoryLedger();
    const crm = createSocialCrm({ ledger, adapters: [forumAdapter()], classifier: false, logger: silent, http: { backoffBaseMs: 5, maxRateLimitWaitMs: 3_000 } });
    await crm.handleWebhook(new Request('https://crm.example.test/webhooks/forum', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 't1', user: 'ayse', text: 'İade ne zaman?' }) }));
    return { crm, ledger };
  }

  it('sends in the thread, records the outbound interaction and emits reply-sent', async () => {
    const { crm, ledger } = await forumCrm();
    server.route('post', 'https://forum.example.test/posts', () => ({ id: 'r1' }));
    const sent: string[] = [];
    crm.on('reply-sent', ({ interaction }) => sent.push(interaction.id));
    const reply = await crm.reply('forum:t1', 'Bugün iade edildi.');
    expect(server.calls[0]?.bodyJson).toEqual({ parent: 't1', text: 'Bugün iade edildi.', private: false });
    expect(server.calls[0]?.headers['user-agent']).toMatch(/^social-crm\/\S+ forum$/);
    expect(reply).toMatchObject({ id: 'forum:r1', direction: 'outbound', parentId: 't1', conversationId: 'forum:t1', deliveryStatus: 'sent' });
    expect(reply.customerId).toBe((await ledger.getInteraction('forum:t1'))?.customerId);
    expect(sent).toEqual(['forum:r1']);
  });

  it('refuses a private reply to an opted-out customer, with a typed error and no request', async () => {
    const { crm } = await forumCrm();
    await crm.setConsent({ channel: 'forum', nativeId: 'ayse' }, 'opted-out', 'forum:STOP');
    const failed: string[] = [];
    crm.on('reply-failed', ({ error }) => failed.push(error.code));
    await expect(crm.reply('forum:t1', { text: 'Kampanya!', visibility: 'private' })).rejects.toMatchObject({ code: 'REPLY_NOT_ALLOWED', reason: 'opted-out' });
    expect(server.calls).toHaveLength(0);
    expect(failed).toEqual(['REPLY_NOT_ALLOWED']);
  });

  it('turns a server error into a retryable ChannelApiError with status and body', async () => {
    const { crm } = await forumCrm();
    server.route('post', 'https://forum.example.test/posts', () => Response.json({ error: 'maintenance' }, { status: 503 }));
    await expect(crm.reply('forum:t1', 'Merhaba')).rejects.toMatchObject({ code: 'CHANNEL_API_ERROR', status: 503, isRetryable: true, responseBody: '{"error":"maintenance"}' });
  });

  it('retries a 429 after Retry-After, never before', async () => {
    const { crm } = await forumCrm();
    server.route('post', 'https://forum.example.test/posts', ({ index }) => (index === 0 ? new Response('slow down', { status: 429, headers: { 'retry-after': '1' } }) : Response.json({ id: 'r2' })));
    await crm.reply('forum:t1', 'Sonunda');
    expect(server.calls).toHaveLength(2);
    expect(server.calls[1]!.at - server.calls[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('stops calling once the budget the network reports is spent, failing fast with a retryable RateLimitError', async () => {
    const { crm } = await forumCrm();
    const reset = Math.floor(Date.now() / 1000) + 3600;
    server.route('post', 'https://forum.example.test/posts', () => Response.json({ id: `r${server.calls.length}` }, { headers: { 'x-budget-remaining': '0', 'x-budget-reset': String(reset) } }));
    await crm.reply('forum:t1', 'Son hakkımız');
    const failure = await crm.reply('forum:t1', 'Bir tane daha').catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'RATE_LIMITED', isRetryable: true });
    expect((failure as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(3_000_000);
    expect(server.calls).toHaveLength(1);
  });

  it('polls page by page, persists the cursor and resumes without duplicates', async () => {
    const { crm, ledger } = await forumCrm();
    const pages: Record<string, { items: Array<{ id: string; user: string; text: string }>; next: string | null }> = {
      '': { items: [{ id: 'a', user: 'u1', text: 'one' }, { id: 'b', user: 'u2', text: 'two' }], next: 'b' },
      b: { items: [{ id: 'c', user: 'u1', text: 'three' }], next: null },
    };
    server.route('get', 'https://forum.example.test/posts', ({ request }) => pages[new URL(request.url).searchParams.get('after') ?? ''] ?? { items: [], next: null });
    const [first] = await crm.poll({ maxPages: 1 });
    expect(first).toMatchObject({ adapterId: 'forum', pages: 1, stored: 2 });
    expect(await ledger.getCursor('forum', 'default')).toBe('b');
    const [second] = await crm.poll();
    expect(second).toMatchObject({ stored: 1 });
    const [third] = await crm.poll();
    expect(third).toMatchObject({ stored: 0, duplicates: 1 });
    expect((await ledger.queryInteractions({ channel: 'forum' })).items.map((row) => row.nativeId).sort()).toEqual(['a', 'b', 'c', 't1']);
  });

  it('reports a polling outage without advancing the cursor', async () => {
    const { crm, ledger } = await forumCrm();
    await ledger.setCursor('forum', 'default', 'kept');
    server.route('get', 'https://forum.example.test/posts', () => new Response('down', { status: 500 }));
    const failures: string[] = [];
    crm.on('poll-failed', ({ error }) => failures.push(error.message));
    const [summary] = await crm.poll();
    expect(summary?.error).toBeDefined();
    expect(failures).toHaveLength(1);
    expect(await ledger.getCursor('forum', 'default')).toBe('kept');
  });

  it('downloads an attachment by its https URL when the adapter has no fetcher, size-guarded', async () => {
    const { crm } = await forumCrm();
    await crm.ingest({
      channel: 'forum',
      nativeId: 'm1',
      kind: 'post',
      author: { channel: 'forum', nativeId: 'ayse' },
      text: 'Kutu ezik geldi',
      createdAt: '2026-11-20T11:00:00Z',
      attachments: [
        { type: 'image', url: 'https://cdn.forum.example.test/p/m1.jpg' },
        { type: 'location', data: { latitude: 41.01, longitude: 28.97 } },
      ],
    });
    const photo = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);
    server.route('get', 'https://cdn.forum.example.test/p/m1.jpg', () => new Response(photo, { headers: { 'content-type': 'image/jpeg' } }));
    const content = await crm.fetchAttachment('forum:m1');
    expect([...content.body]).toEqual([...photo]);
    expect(content).toMatchObject({ size: 8, mimeType: 'image/jpeg', sha256: createHash('sha256').update(photo).digest('hex') });
    await expect(crm.fetchAttachment('forum:m1', 0, { maxBytes: 4 })).rejects.toMatchObject({ code: 'CHANNEL_API_ERROR', isRetryable: false, message: expect.stringContaining('4-byte limit') });
    await expect(crm.fetchAttachment('forum:m1', 1)).rejects.toMatchObject({ code: 'UNSUPPORTED_CAPABILITY', capability: 'fetchAttachment' });
    await expect(crm.fetchAttachment('forum:m1', 2)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(crm.fetchAttachment('forum:nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(crm.fetchAttachment('forum:m1', 0, { maxBytes: 0 })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    server.route('get', 'https://cdn.forum.example.test/p/m1.jpg', () => new Response('gone', { status: 404 }));
    await expect(crm.fetchAttachment('forum:m1')).rejects.toMatchObject({ code: 'CHANNEL_API_ERROR', status: 404 });
  });
});

describe('failing ports', () => {
  it('dead-letters at stage classify when a host classifier throws, and replays once it recovers', async () => {
    let down = true;
    const { crm, ledger } = setup({
      classifier: {
        id: 'remote/llm',
        classify: async () => {
          if (down) throw new Error('503 from model server');
          return { language: 'en', languageConfidence: 1, languageSupported: true, sentiment: { label: 'neutral', score: 0, confidence: 1 }, intents: [], department: { department: 'customer_service', reason: 'default' }, urgency: 0, explanation: [], model: 'remote/llm' };
        },
      },
    });
    await crm.handleWebhook(await canonicalRequest([post('cl1', 'Where is my refund?')]));
    const [letter] = (await ledger.listDeadLetters()).items;
    expect(letter).toMatchObject({ stage: 'classify', error: { code: 'CLASSIFIER_ERROR' } });
    expect(await ledger.getInteraction('canonical:cl1')).toBeNull();
    down = false;
    expect(await crm.retryDeadLetters()).toMatchObject({ succeeded: 1 });
    expect((await ledger.getInteraction('canonical:cl1'))?.classification?.model).toBe('remote/llm');
  });
});

describe('default ports', () => {
  it('attributes interactions through the identity merger by default: one customer behind two verified phones', async () => {
    const { crm, ledger } = setup();
    const merged: string[] = [];
    crm.on('customer-merged', ({ merge }) => merged.push(merge.survivorId));
    await crm.ingest([
      { channel: 'whatsapp', nativeId: 'wamid.1', kind: 'direct_message', visibility: 'private', author: { channel: 'whatsapp', nativeId: '905321112233', phone: '+905321112233', displayName: 'Ayşe Yılmaz' }, text: 'Merhaba', createdAt: '2026-11-20T10:00:00Z' },
      { channel: 'sms', nativeId: 'sms-1', kind: 'direct_message', visibility: 'private', author: { channel: 'sms', nativeId: '+90 532 111 22 33', phone: '+90 532 111 22 33' }, text: 'Ben Ayşe, WhatsApp’tan yazmıştım', createdAt: '2026-11-20T11:00:00Z' },
    ]);
    const rows = (await ledger.queryInteractions({})).items;
    expect(new Set(rows.map((row) => row.customerId)).size).toBe(1);
    expect(merged).toHaveLength(1);
    expect((await ledger.listCustomers()).items).toHaveLength(1);
  });
});

describe('processEvents', () => {
  it('runs verified events (interaction, deletion, consent) and dead-letters rejected items', async () => {
    const { crm, ledger } = setup();
    const result = await crm.processEvents(
      [
        { type: 'interaction', interaction: { channel: 'queue', nativeId: 'q1', kind: 'post', author: { channel: 'queue', nativeId: 'u1' }, text: 'Merhaba', createdAt: '2026-11-20T10:00:00Z' } },
        { type: 'deletion', channel: 'queue', nativeId: 'q1', deletedAt: '2026-11-20T11:00:00Z' },
        { type: 'consent', identity: { channel: 'queue', nativeId: 'u1' }, status: 'opted-out', source: 'queue:STOP', at: '2026-11-20T12:00:00Z' },
      ],
      { adapterId: 'queue', rejected: [{ payload: { garbage: true }, error: new Error('unreadable') }] },
    );
    expect(result).toMatchObject({ stored: 1, updated: 2, deadLettered: 1 });
    expect((await ledger.getInteraction('queue:q1'))?.state).toBe('deleted');
    expect((await ledger.getConsent('queue:u1'))?.status).toBe('opted-out');
  });
});

describe('edits', () => {
  it('keeps the newest version when edits arrive out of order, and merges channel metadata', async () => {
    const { crm, ledger } = setup();
    const base = { channel: 'forum', nativeId: 'v1', kind: 'post' as const, author: { channel: 'forum', nativeId: 'a' }, createdAt: '2026-11-20T10:00:00Z' };
    await crm.ingest({ ...base, text: 'v1', channelMetadata: { forum: { board: 'kargo' } } });
    await crm.ingest({ ...base, text: 'v3', state: 'edited', editedAt: '2026-11-20T10:30:00Z', channelMetadata: { forum: { latestVersionId: 'v3' } } });
    await crm.ingest({ ...base, text: 'v2', state: 'edited', editedAt: '2026-11-20T10:10:00Z', channelMetadata: { forum: { latestVersionId: 'v2' } } });
    expect(await ledger.getInteraction('forum:v1')).toMatchObject({ text: 'v3', editedAt: '2026-11-20T10:30:00.000Z', channelMetadata: { forum: { board: 'kargo', latestVersionId: 'v3' } } });
  });
});

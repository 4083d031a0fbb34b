import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { HttpResponse, delay } from 'msw';
import { createSocialCrm, isReplyInDoubtError, memoryLedger, type ChannelAdapter, type DurableEvent, type InteractionLedger } from 'social-crm';
import { ChannelApiError, toChannelApiError } from 'social-crm/adapter-kit';
import { canonicalWebhookAdapter } from 'social-crm/adapters/canonical';
import { createChannelTestServer } from 'social-crm/testing';
import { CANONICAL_SECRET, canonicalRequest, post } from '../helpers/canonical.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** Observes a real memory ledger: counts the calls of each method (and of the ledgers its transactions hand out). */
function countingLedger(target: InteractionLedger = memoryLedger()) {
  const calls = new Map<string, number>();
  const wrap = (inner: InteractionLedger): InteractionLedger =>
    new Proxy(inner, {
      get(object, property, receiver) {
        const value = Reflect.get(object, property, receiver);
        if (typeof value !== 'function' || typeof property !== 'string') return value;
        return (...args: unknown[]) => {
          calls.set(property, (calls.get(property) ?? 0) + 1);
          if (property === 'transaction') return value.call(object, (scoped: InteractionLedger) => (args[0] as (ledger: InteractionLedger) => unknown)(wrap(scoped)));
          return value.apply(object, args);
        };
      },
    });
  return { ledger: wrap(target), calls, count: (method: string) => calls.get(method) ?? 0 };
}

function crmOn(ledger: InteractionLedger, extra: Partial<Parameters<typeof createSocialCrm>[0]> = {}) {
  return createSocialCrm({
    ledger,
    adapters: [canonicalWebhookAdapter({ secret: CANONICAL_SECRET })],
    classifier: false,
    logger: silent,
    outbox: { dispatch: 'manual', backoffBaseMs: 0 },
    ...extra,
  });
}

const author = (nativeId: string) => ({ channel: 'canonical', nativeId, handle: nativeId, displayName: `Müşteri ${nativeId}` });

describe('batches', () => {
  it('runs a delivery of 50 new authors as one batch: one read, one append and one transaction', async () => {
    const { ledger, count } = countingLedger();
    const crm = crmOn(ledger);
    const events = Array.from({ length: 50 }, (_, index) => post(`b${index}`, `Siparişim ${index} nerede?`, { author: author(`u${index}`) }));
    const response = await crm.handleWebhook(await canonicalRequest(events));
    expect(response.status).toBe(200);
    expect((await ledger.queryInteractions({ limit: 100 })).items).toHaveLength(50);
    expect(count('getInteractions')).toBe(1);
    expect(count('getInteraction')).toBe(0);
    expect(count('appendInteractions')).toBe(1);
    expect(count('appendInteraction')).toBe(0);
    expect(count('transaction')).toBe(1);
  });

  it('applies events of one item in delivery order within a batch, and a redelivered original never undoes its edit', async () => {
    const ledger = memoryLedger();
    const crm = crmOn(ledger);
    const original = { channel: 'canonical', ...post('e1', 'Kargom gelmedi'), kind: 'comment' as const };
    const edit = { ...original, text: 'Kargom geldi, teşekkürler', state: 'edited' as const, editedAt: '2026-11-20T10:05:00Z' };
    const first = await crm.processEvents([{ type: 'interaction', interaction: original }, { type: 'interaction', interaction: edit }]);
    expect(first).toMatchObject({ stored: 1, updated: 1 });
    // A worker that died after committing replays the whole batch.
    const replay = await crm.processEvents([{ type: 'interaction', interaction: original }, { type: 'interaction', interaction: edit }]);
    expect(replay).toMatchObject({ stored: 0, updated: 0, duplicates: 2 });
    expect(await ledger.getInteraction('canonical:e1')).toMatchObject({ text: 'Kargom geldi, teşekkürler', state: 'edited' });
  });

  it('dead-letters only the event that breaks a batch', async () => {
    const ledger = memoryLedger();
    const crm = crmOn(ledger, {
      hooks: {
        afterReceive: [
          ({ interaction }) => {
            if (interaction.text.includes('boom')) throw new Error('host hook failed');
          },
        ],
      },
    });
    const result = await crm.handleWebhook(await canonicalRequest([post('d1', 'iyi'), post('d2', 'boom'), post('d3', 'güzel')]));
    expect(result.status).toBe(200);
    expect((await ledger.queryInteractions({})).items.map((item) => item.nativeId).sort()).toEqual(['d1', 'd3']);
    const dead = await ledger.listDeadLetters();
    expect(dead.items).toHaveLength(1);
    expect(dead.items[0]?.error.message).toContain('host hook failed');
  });
});

describe('durable handlers (transactional outbox)', () => {
  it('delivers every stored change to a handler subscribed after a crash, once each, with a stable id', async () => {
    const ledger = memoryLedger();
    // The first process stores and dies before announcing anything.
    const first = crmOn(ledger);
    first.subscribe({ id: 'tickets', events: ['interaction-received'], handle: () => Promise.reject(new Error('process died')) });
    await first.handleWebhook(await canonicalRequest([post('o1', 'Bavulum kayıp'), post('o2', 'Yardım edin', { author: author('mehmet') })]));
    await first.close();
    // The restarted process delivers what was stored.
    const second = crmOn(ledger);
    const seen: DurableEvent<'interaction-received'>[] = [];
    second.subscribe({ id: 'tickets', events: ['interaction-received'], handle: (event) => void seen.push(event) });
    expect(await second.dispatch()).toMatchObject({ delivered: 2, retried: 0, deadLettered: 0 });
    expect(seen.map((event) => event.payload.interaction.nativeId).sort()).toEqual(['o1', 'o2']);
    expect(new Set(seen.map((event) => event.id)).size).toBe(2);
    expect(await second.dispatch()).toMatchObject({ delivered: 0 });
    expect((await ledger.listOutbox!()).items).toHaveLength(0);
  });

  it('writes nothing of a unit that fails: the event waits in the dead letters, and its replay stores and announces it once', async () => {
    let failOutbox = true;
    const base = memoryLedger();
    const ledger = new Proxy(base, {
      get(object, property, receiver) {
        const value = Reflect.get(object, property, receiver);
        if (property !== 'transaction') return value;
        return (task: (scoped: InteractionLedger) => Promise<unknown>) =>
          (value as InteractionLedger['transaction'])!.call(object, (scoped) =>
            task(new Proxy(scoped, { get: (inner, name, innerReceiver) => (name === 'appendOutbox' && failOutbox ? async () => Promise.reject(new Error('disk full')) : Reflect.get(inner, name, innerReceiver)) })),
          );
      },
    });
    const crm = crmOn(ledger);
    const seen: string[] = [];
    crm.subscribe({ id: 'tickets', events: ['interaction-received'], handle: (event) => void seen.push(event.payload.interaction.id) });
    const response = await crm.handleWebhook(await canonicalRequest([post('a1', 'Merhaba')]));
    expect(response.status).toBe(200);
    expect(await base.getInteraction('canonical:a1')).toBeNull();
    expect((await base.listDeadLetters()).items).toMatchObject([{ stage: 'ledger', error: { message: expect.stringContaining('disk full') } }]);
    failOutbox = false;
    expect((await crm.retryDeadLetters()).succeeded).toBe(1);
    await crm.dispatch();
    expect(seen).toEqual(['canonical:a1']);
  });

  it('retries a failing handler with its attempt number, and holds later events of the same customer back meanwhile', async () => {
    const ledger = memoryLedger();
    let clock = Date.now();
    const crm = crmOn(ledger, { now: () => new Date(clock), outbox: { dispatch: 'manual', backoffBaseMs: 1000 } });
    let failures = 2;
    const seen: string[] = [];
    crm.subscribe({
      id: 'crm-sync',
      events: ['interaction-received'],
      async handle({ payload, attempt }) {
        if (payload.interaction.nativeId === 'r1' && failures > 0) {
          failures--;
          throw new Error(`CRM down (attempt ${attempt})`);
        }
        seen.push(`${payload.interaction.nativeId}@${attempt}`);
      },
    });
    await crm.handleWebhook(await canonicalRequest([post('r1', 'ilk'), post('r2', 'ikinci'), post('x1', 'other customer', { author: author('zeynep') })]));
    expect(await crm.dispatch()).toMatchObject({ delivered: 1, retried: 1 });
    expect(seen).toEqual(['x1@1']);
    expect(await crm.dispatch()).toMatchObject({ delivered: 0, retried: 0 }); // not due yet
    clock += 1_000;
    expect(await crm.dispatch()).toMatchObject({ delivered: 0, retried: 1 });
    clock += 2_000;
    expect(await crm.dispatch()).toMatchObject({ delivered: 2, retried: 0 });
    expect(seen).toEqual(['x1@1', 'r1@3', 'r2@1']);
  });

  it('dead-letters a handler that keeps failing, with the event and the error, and replays it later', async () => {
    const ledger = memoryLedger();
    const crm = crmOn(ledger, { outbox: { dispatch: 'manual', backoffBaseMs: 0, maxAttempts: 3 } });
    let healthy = false;
    const handled: string[] = [];
    crm.subscribe({
      id: 'auto-reply',
      events: ['interaction-received'],
      async handle({ id, payload }) {
        if (!healthy) throw new Error('template service unavailable');
        handled.push(`${id}:${payload.interaction.nativeId}`);
      },
    });
    const deadLettered: string[] = [];
    crm.on('dead-lettered', ({ deadLetter }) => deadLettered.push(deadLetter.stage));
    await crm.handleWebhook(await canonicalRequest([post('h1', 'Cevap bekliyorum')]));
    let total = 0;
    for (let round = 0; round < 3; round++) total += (await crm.dispatch()).deadLettered;
    expect(total).toBe(1);
    expect(deadLettered).toEqual(['events']);
    const [entry] = (await ledger.listDeadLetters()).items;
    expect(entry).toMatchObject({ stage: 'events', attempts: 3, error: { message: 'template service unavailable' }, payload: { type: 'handler', handler: 'auto-reply' } });
    expect((await ledger.listOutbox!()).items).toHaveLength(0);
    healthy = true;
    expect(await crm.retryDeadLetters()).toMatchObject({ succeeded: 1, failed: 0 });
    expect(handled).toHaveLength(1);
    expect(handled[0]).toMatch(/^evt_.+:h1$/);
  });

  it('delivers automatically after each write by default', async () => {
    const crm = createSocialCrm({ ledger: memoryLedger(), adapters: [canonicalWebhookAdapter({ secret: CANONICAL_SECRET })], classifier: false, logger: silent });
    const seen: string[] = [];
    crm.subscribe({ id: 'auto', events: ['interaction-received', 'customer-created'], handle: async (event) => void seen.push(event.name) });
    await crm.handleWebhook(await canonicalRequest([post('z1', 'Selam')]));
    await vi.waitFor(() => expect(seen).toEqual(['customer-created', 'interaction-received']), { timeout: 15_000 });
    await crm.close();
  });

  it('refuses a subscription it cannot honour, with a clear message', () => {
    const crm = crmOn(memoryLedger());
    expect(() => crm.subscribe({ id: 'x', events: ['warning' as never], handle() {} })).toThrow(/durable events/);
    crm.subscribe({ id: 'x', events: ['interaction-received'], handle() {} });
    expect(() => crm.subscribe({ id: 'x', events: ['interaction-received'], handle() {} })).toThrow(/already subscribed/);
    const { transaction: _t, appendOutbox: _a, claimOutbox: _c, settleOutbox: _s, listOutbox: _l, ...withoutOutbox } = memoryLedger();
    const plain = crmOn(withoutOutbox as InteractionLedger);
    expect(() => plain.subscribe({ id: 'y', events: ['interaction-received'], handle() {} })).toThrow(/outbox/);
  });
});

describe('replies that go out once', () => {
  const server = createChannelTestServer();
  beforeAll(() => server.listen());
  afterEach(() => server.reset());
  afterAll(() => server.close());

  const forum: ChannelAdapter = {
    specificationVersion: 'v1',
    id: 'forum',
    capabilities: { webhook: true, poll: false, reply: true, directMessage: false, edits: false, deletes: false, reactions: false, threads: true, deliveryReceipts: false },
    async doHandleWebhook(request) {
      const body = (await request.json()) as { id: string; user: string; text: string };
      return { events: [{ type: 'interaction', interaction: { channel: 'forum', nativeId: body.id, kind: 'post', author: { channel: 'forum', nativeId: body.user }, text: body.text, createdAt: '2026-11-20T10:00:00Z' } }] };
    },
    async doSendReply(reply, context) {
      try {
        const sent = await context.http.post('https://forum.example.test/posts', { json: { parent: reply.inReplyTo.nativeId, text: reply.text } }).json<{ id: string }>();
        return { nativeId: sent.id };
      } catch (error) {
        throw await toChannelApiError('forum', error);
      }
    },
  };

  /** A short per-attempt timeout only where a test waits for one; the default elsewhere, so a loaded machine cannot time out a healthy answer. */
  async function forumCrm(timeoutMs?: number) {
    const ledger = memoryLedger();
    const crm = createSocialCrm({ ledger, adapters: [forum], classifier: false, logger: silent, http: { backoffBaseMs: 1, ...(timeoutMs ? { timeoutMs } : {}) } });
    await crm.handleWebhook(new Request('https://crm.example.test/webhooks/forum', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 't1', user: 'ayse', text: 'İade ne zaman?' }) }));
    return { crm, ledger };
  }

  it('posts once for two calls with the same key on a healthy network, and returns the first interaction', async () => {
    const { crm } = await forumCrm();
    let next = 0;
    server.route('post', 'https://forum.example.test/posts', () => ({ id: `r${++next}` }));
    const first = await crm.reply('forum:t1', { text: 'Bugün iade edildi.', idempotencyKey: 'ticket-7:reply-1' });
    const second = await crm.reply('forum:t1', { text: 'Bugün iade edildi.', idempotencyKey: 'ticket-7:reply-1' });
    const [third, fourth] = await Promise.allSettled([
      crm.reply('forum:t1', { text: 'İkinci', idempotencyKey: 'ticket-7:reply-2' }),
      crm.reply('forum:t1', { text: 'İkinci', idempotencyKey: 'ticket-7:reply-2' }),
    ]);
    expect(second).toEqual(first);
    expect(server.calls).toHaveLength(2);
    // Of two concurrent calls one sends; the other returns its result or says it is in flight.
    const outcomes = [third, fourth].map((outcome) => (outcome.status === 'fulfilled' ? 'sent' : isReplyInDoubtError(outcome.reason) ? outcome.reason.state : 'other'));
    expect(outcomes).toContain('sent');
    expect(outcomes.filter((outcome) => outcome === 'other')).toHaveLength(0);
  });

  const inDoubt: Array<[string, () => Response | Promise<Response>, number?]> = [
    ['a timeout after the server received the request', async () => { await delay(20_000); return HttpResponse.json({ id: 'late' }); }, 300],
    ['a 5xx', () => HttpResponse.json({ error: 'upstream' }, { status: 502 })],
    ['a reset connection', () => HttpResponse.error()],
  ];
  for (const [name, answer, timeoutMs] of inDoubt) {
    it(`never posts the same key again after ${name}; settleReply records the outcome`, async () => {
      const { crm, ledger } = await forumCrm(timeoutMs);
      server.route('post', 'https://forum.example.test/posts', answer);
      await expect(crm.reply('forum:t1', { text: 'Kontrol ediyoruz', idempotencyKey: 'k-1' })).rejects.toBeTruthy();
      expect((await ledger.getSend!('k-1'))?.state).toBe('unknown');
      const again = await crm.reply('forum:t1', { text: 'Kontrol ediyoruz', idempotencyKey: 'k-1' }).catch((error: unknown) => error);
      expect(isReplyInDoubtError(again) && again.state).toBe('unknown');
      expect(server.calls).toHaveLength(1);
      // The agent finds the message in the thread and records it.
      const settled = await crm.settleReply('k-1', { sent: true, nativeId: 'r-found' });
      expect(settled.state).toBe('sent');
      expect(await crm.reply('forum:t1', { text: 'Kontrol ediyoruz', idempotencyKey: 'k-1' })).toMatchObject({ id: 'forum:r-found', direction: 'outbound' });
      expect(server.calls).toHaveLength(1);
    });
  }

  it('lets a key the network refused (4xx) be sent again', async () => {
    const { crm, ledger } = await forumCrm();
    let refuse = true;
    server.route('post', 'https://forum.example.test/posts', () => (refuse ? HttpResponse.json({ error: 'text too long' }, { status: 400 }) : HttpResponse.json({ id: 'r9' })));
    await expect(crm.reply('forum:t1', { text: 'Uzun', idempotencyKey: 'k-2' })).rejects.toMatchObject({ code: 'CHANNEL_API_ERROR', status: 400 });
    expect((await ledger.getSend!('k-2'))?.state).toBe('failed');
    refuse = false;
    expect(await crm.reply('forum:t1', { text: 'Kısa', idempotencyKey: 'k-2' })).toMatchObject({ id: 'forum:r9' });
    expect(await ledger.getSend!('k-2')).toMatchObject({ state: 'sent', attempts: 2, interactionId: 'forum:r9' });
    expect(server.calls).toHaveLength(2);
  });

  it('turns an HTTP error an adapter let through into a ChannelApiError with status and platform code', async () => {
    const careless: ChannelAdapter = {
      ...forum,
      decodeError: (body) => ({ code: (body as { code?: string }).code, message: (body as { error?: string }).error }),
      async doSendReply(reply, context) {
        const sent = await context.http.post('https://forum.example.test/posts', { json: { parent: reply.inReplyTo.nativeId, text: reply.text } }).json<{ id: string }>();
        return { nativeId: sent.id };
      },
    };
    const ledger = memoryLedger();
    const crm = createSocialCrm({ ledger, adapters: [careless], classifier: false, logger: silent, http: { backoffBaseMs: 1 } });
    await crm.handleWebhook(new Request('https://crm.example.test/webhooks/forum', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 't1', user: 'ayse', text: 'İade ne zaman?' }) }));
    server.route('post', 'https://forum.example.test/posts', () => HttpResponse.json({ error: 'text too long', code: 'E_LENGTH' }, { status: 400 }));
    const error = await crm.reply('forum:t1', { text: 'Uzun', idempotencyKey: 'k-3' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ChannelApiError);
    expect(error).toMatchObject({ code: 'CHANNEL_API_ERROR', status: 400, platformCode: 'E_LENGTH', isRetryable: false });
    // A refusal the network answered did not reach it: the key may be sent again.
    expect((await ledger.getSend!('k-3'))?.state).toBe('failed');
  });
});

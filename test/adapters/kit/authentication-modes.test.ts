/**
 * The adapter kit beyond signed bodies: a shared-secret header adapter and a polling-only adapter
 * pass `describeChannelAdapter`, `verifySharedSecret` compares in constant time, and a wait named
 * in an error body (Telegram's `parameters.retry_after`) reaches both the rate-limit gate and the
 * thrown error. Both adapters below are written against `social-crm/adapter-kit` alone.
 */
import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createSocialCrm, memoryLedger } from 'social-crm';
import {
  capabilityMismatches,
  decodeUtf8,
  isSocialCrmError,
  parseAdapterOptions,
  parseJson,
  readRawBody,
  toChannelApiError,
  verifySharedSecret,
  webhookAuthentication,
  WebhookVerificationError,
  type ChannelAdapter,
  type ChannelCapabilities,
  type InteractionInput,
  type PlatformErrorInfo,
  type RateLimitError,
} from 'social-crm/adapter-kit';
import { createChannelTestServer, describeChannelAdapter } from 'social-crm/testing';

const SECRET = 'hook-secret_0123456789';
const TOKEN = '123456:ABC-def_ghi';
const API = 'https://api.hooks.example';
const NONE: ChannelCapabilities = { webhook: false, poll: false, reply: false, directMessage: false, edits: false, deletes: false, reactions: false, threads: false, deliveryReceipts: false };

const messageSchema = z.object({ id: z.string(), chat: z.string(), user: z.object({ id: z.string(), name: z.string().optional() }), text: z.string(), at: z.number() });
const errorSchema = z.object({ ok: z.literal(false), description: z.string().optional(), parameters: z.object({ retry_after: z.number().optional() }).optional() });

/** A Telegram-shaped error body: its wait is in seconds. */
function readHookError(body: unknown): PlatformErrorInfo | undefined {
  const parsed = errorSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const wait = parsed.data.parameters?.retry_after;
  return { message: parsed.data.description, ...(wait !== undefined ? { retryAfterMs: wait * 1000 } : {}) };
}

/** A push source that echoes a secret in a header (no body signature), with a colon in its API path. */
function hookAdapter(options: { secret: string; token: string; id?: string; decode?: boolean }): ChannelAdapter {
  const settings = parseAdapterOptions(options?.id ?? 'hook', z.object({ secret: z.string().min(8), token: z.string().min(1), id: z.string().default('hook'), decode: z.boolean().default(true) }), options);
  const id = settings.id;
  return {
    specificationVersion: 'v1',
    id,
    capabilities: { ...NONE, webhook: true, reply: true, directMessage: true },
    webhook: { authentication: 'shared-secret' },
    ...(settings.decode ? { decodeError: readHookError } : {}),
    async doHandleWebhook(request) {
      await verifySharedSecret({ secret: settings.secret, given: request.headers.get('x-hook-secret'), headerName: 'x-hook-secret' });
      const message = messageSchema.safeParse(parseJson(decodeUtf8(await readRawBody(request))));
      if (!message.success) return { events: [], warnings: [{ type: 'ignored', message: 'Not a message.' }] };
      const interaction: InteractionInput = {
        channel: id,
        nativeId: `${message.data.chat}_${message.data.id}`,
        kind: 'direct_message',
        visibility: 'private',
        author: { channel: id, nativeId: message.data.user.id, displayName: message.data.user.name },
        conversationId: message.data.chat,
        text: message.data.text,
        createdAt: message.data.at * 1000,
        channelMetadata: { [id]: { chatId: message.data.chat } },
      };
      return { events: [{ type: 'interaction', interaction }] };
    },
    async doSendReply(reply, context) {
      try {
        const sent = await context.http
          .post(`${API}/bot${settings.token}/sendMessage`, { json: { chat_id: reply.inReplyTo.channelMetadata[id]?.chatId, text: reply.text } })
          .json<{ result: { message_id: number } }>();
        return { nativeId: `${reply.inReplyTo.channelMetadata[id]?.chatId}_${sent.result.message_id}` };
      } catch (error) {
        throw await toChannelApiError(id, error, settings.decode ? readHookError : undefined);
      }
    },
  };
}

/** A source that can only be polled. */
function pollOnlyAdapter(options: { id?: string }): ChannelAdapter {
  const id = options?.id ?? 'poll-only';
  return {
    specificationVersion: 'v1',
    id,
    capabilities: { ...NONE, poll: true },
    webhook: { authentication: 'none-polling' },
    async doPoll({ cursor }, context) {
      const page = await context.http.get(`${API}/items`, { searchParams: cursor ? { after: cursor } : {} }).json<{ items: Array<{ id: string; text: string }>; next?: string }>();
      return {
        events: page.items.map((item) => ({
          type: 'interaction' as const,
          interaction: { channel: id, nativeId: item.id, kind: 'post' as const, author: { channel: id, nativeId: `u-${item.id}` }, text: item.text, createdAt: '2026-11-20T10:00:00Z' },
        })),
        cursor: page.next ?? cursor,
        hasMore: page.next !== undefined,
      };
    },
  };
}

const message = (id: string, text: string) => ({ id, chat: 'c-42', user: { id: 'u-7', name: 'Ayşe' }, text, at: 1_795_000_000 });
// One mocked network for the kit runs and the tests below (msw intercepts once per process).
const server = createChannelTestServer();
beforeAll(() => server.listen());
afterEach(() => server.reset());
afterAll(() => server.close());

describeChannelAdapter('shared-secret header adapter', {
  factory: hookAdapter,
  options: { secret: SECRET, token: TOKEN },
  invalidOptions: [{}, { secret: 'short', token: TOKEN }],
  server,
  webhook: {
    sign: () => ({ 'x-hook-secret': SECRET }),
    fixtures: [
      { name: 'an English message', body: message('1', 'My parcel is late again.'), interactions: 1, kinds: ['direct_message'] },
      { name: 'a Turkish message', body: message('2', 'Kargom hâlâ gelmedi, yardım eder misiniz?'), interactions: 1 },
    ],
    unknownEvent: { update_id: 9, poll: { id: 'p1' } },
  },
  reply: {
    target: { body: message('1', 'My parcel is late again.') },
    targetId: 'hook:c-42_1',
    routes(routes) {
      // `:botPath` matches the whole `bot<id>:<token>` segment; the colon inside it is not a parameter.
      routes.route('post', `${API}/:botPath/sendMessage`, () => ({ ok: true, result: { message_id: 77 } }));
    },
    expectRequest(call) {
      expect(call.params.botPath).toBe(`bot${TOKEN}`);
      expect(call.bodyJson).toEqual({ chat_id: 'c-42', text: 'Thank you, we are on it.' });
    },
    rateLimited(routes, seconds) {
      routes.route('post', `${API}/:botPath/sendMessage`, ({ index }) =>
        index === 0
          ? HttpResponse.json({ ok: false, error_code: 429, description: `Too Many Requests: retry after ${seconds}`, parameters: { retry_after: seconds } }, { status: 429 })
          : { ok: true, result: { message_id: 78 } },
      );
    },
  },
});

describeChannelAdapter('polling-only adapter', {
  factory: pollOnlyAdapter,
  options: {},
  server,
  poll: {
    routes(routes) {
      routes.route('get', `${API}/items`, ({ request }) => {
        const after = new URL(request.url).searchParams.get('after');
        if (!after) return { items: [{ id: 'a', text: 'first' }, { id: 'b', text: 'second' }], next: 'b' };
        if (after === 'b') return { items: [{ id: 'c', text: 'third' }], next: 'c' };
        return { items: [] };
      });
    },
    totalInteractions: 3,
  },
});

describe('webhook authentication modes', () => {
  it('defaults to signature for webhook adapters and none-polling for the rest', () => {
    expect(webhookAuthentication({ capabilities: { ...NONE, webhook: true } })).toBe('signature');
    expect(webhookAuthentication({ capabilities: { ...NONE, poll: true } })).toBe('none-polling');
    expect(webhookAuthentication(hookAdapter({ secret: SECRET, token: TOKEN }))).toBe('shared-secret');
  });

  it('reports a mode that contradicts the webhook capability, and an unknown mode', () => {
    const polling = pollOnlyAdapter({});
    expect(capabilityMismatches({ ...polling, webhook: { authentication: 'shared-secret' } })).toEqual([
      "webhook.authentication is 'shared-secret' but the adapter does not declare the webhook capability",
    ]);
    const hook = hookAdapter({ secret: SECRET, token: TOKEN });
    expect(capabilityMismatches({ ...hook, webhook: { authentication: 'none-polling' } })).toHaveLength(1);
    expect(capabilityMismatches({ ...hook, webhook: { authentication: 'basic' as never } })[0]).toMatch(/must be one of signature, shared-secret, none-polling/);
  });

  it('refuses to register an adapter whose mode contradicts its capabilities', () => {
    expect(() => createSocialCrm({ ledger: memoryLedger(), adapters: [{ ...pollOnlyAdapter({}), webhook: { authentication: 'signature' } }], classifier: false })).toThrow(/webhook\.authentication/);
  });
});

describe('verifySharedSecret', () => {
  it.each(['node-crypto', 'web-crypto'] as const)('accepts the secret and refuses anything else (%s)', async (implementation) => {
    await expect(verifySharedSecret({ secret: SECRET, given: SECRET }, implementation)).resolves.toBeUndefined();
    for (const [given, reason] of [
      [null, 'missing-signature'],
      ['', 'missing-signature'],
      [`${SECRET.slice(0, -1)}x`, 'invalid-signature'],
      [SECRET.slice(0, 8), 'invalid-signature'],
      [`${SECRET} `, 'invalid-signature'],
    ] as const) {
      const thrown = await verifySharedSecret({ secret: SECRET, given, headerName: 'X-Telegram-Bot-Api-Secret-Token' }, implementation).catch((error: unknown) => error);
      expect(thrown).toBeInstanceOf(WebhookVerificationError);
      expect((thrown as WebhookVerificationError).reason).toBe(reason);
      expect((thrown as Error).message).toContain('X-Telegram-Bot-Api-Secret-Token');
      expect((thrown as Error).message).not.toContain(SECRET);
    }
  });
});

describe('a wait named in the error body', () => {
  const local = server;

  async function crmWithTarget(decode: boolean) {
    const ledger = memoryLedger();
    const crm = createSocialCrm({
      ledger,
      adapters: [hookAdapter({ secret: SECRET, token: TOKEN, decode })],
      classifier: false,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      http: { retries: 2, maxRateLimitWaitMs: 5_000, backoffBaseMs: 10 },
    });
    const delivered = await crm.handleWebhook(
      new Request('https://crm.example.test/webhooks/hook', { method: 'POST', headers: { 'content-type': 'application/json', 'x-hook-secret': SECRET }, body: JSON.stringify(message('5', 'Nerede kaldı siparişim?')) }),
    );
    expect(delivered.status).toBe(200);
    return crm;
  }

  function rateLimitOnce(seconds: number) {
    local.route('post', `${API}/:botPath/sendMessage`, ({ index }) =>
      index === 0
        ? HttpResponse.json({ ok: false, error_code: 429, description: `Too Many Requests: retry after ${seconds}`, parameters: { retry_after: seconds } }, { status: 429 })
        : { ok: true, result: { message_id: 90 + index } },
    );
  }

  it('makes the gate wait for it before retrying', async () => {
    const crm = await crmWithTarget(true);
    rateLimitOnce(1);
    await crm.reply('hook:c-42_5', 'Bakıyoruz.');
    expect(local.calls).toHaveLength(2);
    expect(local.calls[1]!.at - local.calls[0]!.at).toBeGreaterThanOrEqual(900);
  });

  it('is not known without a decoder, so the gate falls back to a short backoff (the bug this fixes)', async () => {
    const crm = await crmWithTarget(false);
    rateLimitOnce(1);
    await crm.reply('hook:c-42_5', 'Bakıyoruz.');
    expect(local.calls).toHaveLength(2);
    expect(local.calls[1]!.at - local.calls[0]!.at).toBeLessThan(900);
  });

  it('fails fast beyond maxRateLimitWaitMs with a RateLimitError carrying the wait', async () => {
    const crm = await crmWithTarget(true);
    rateLimitOnce(3600);
    const thrown = await crm.reply('hook:c-42_5', 'Bakıyoruz.').catch((error: unknown) => error);
    expect(local.calls).toHaveLength(1);
    expect(isSocialCrmError(thrown, 'RATE_LIMITED')).toBe(true);
    expect((thrown as RateLimitError).retryAfterMs).toBe(3_600_000);
    expect((thrown as RateLimitError).isRetryable).toBe(true);
  });

  it('prefers a reset header to the body, and ignores a negative wait from a decoder', async () => {
    const { HTTPError } = await import('ky');
    const request = new Request(`${API}/bot${TOKEN}/sendMessage`, { method: 'POST' });
    const response = (headers: Record<string, string>, body: unknown) => new Response(JSON.stringify(body), { status: 429, headers });
    const fromHeader = await toChannelApiError('hook', new HTTPError(response({ 'retry-after': '2' }, { ok: false, parameters: { retry_after: 50 } }), request, {} as never), readHookError);
    expect((fromHeader as RateLimitError).retryAfterMs).toBe(2000);
    const negative = await toChannelApiError('hook', new HTTPError(response({}, { ok: false, parameters: { retry_after: -5 } }), request, {} as never), readHookError);
    expect((negative as RateLimitError).retryAfterMs).toBeUndefined();
  });
});

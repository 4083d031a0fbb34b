import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { campaignIdOf, createSocialCrm, isReplyInDoubtError, isSocialCrmError, memoryLedger, type ChannelAdapter, type DurableEvent, type InteractionLedger, type SocialCrmEvents } from 'social-crm';
import { capabilityMismatches, decodeUtf8, parseJson, readRawBody, toChannelApiError } from 'social-crm/adapter-kit';
import { postgresLedger } from 'social-crm/ledgers/postgres';
import { createChannelTestServer } from 'social-crm/testing';
import { sharedPglite } from '../helpers/pglite.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const POSTS = 'https://forum.example.test/posts';

/** A small forum network: the brand posts with `POST /posts`; comments arrive by webhook with their post's id. */
function forumAdapter(): ChannelAdapter {
  return {
    specificationVersion: 'v1',
    id: 'forum',
    capabilities: { webhook: true, poll: false, reply: true, directMessage: false, edits: false, deletes: false, reactions: false, threads: true, deliveryReceipts: false, publish: true },
    async doHandleWebhook(request) {
      const body = parseJson(decodeUtf8(await readRawBody(request))) as { id: string; post: string; user: string; text: string };
      return {
        events: [
          {
            type: 'interaction',
            interaction: { channel: 'forum', nativeId: body.id, kind: 'comment', author: { channel: 'forum', nativeId: body.user }, conversationId: body.post, parentId: body.post, text: body.text, createdAt: '2026-11-20T10:05:00Z' },
          },
        ],
      };
    },
    async doSendReply(reply, context) {
      try {
        const sent = await context.http.post(POSTS, { json: { parent: reply.inReplyTo.nativeId, text: reply.text } }).json<{ id: string }>();
        return { nativeId: sent.id };
      } catch (error) {
        throw await toChannelApiError('forum', error);
      }
    },
    async doPublish(post, context) {
      try {
        const sent = await context.http.post(POSTS, { json: { text: post.text, link: post.link, images: post.media.map((item) => item.url), as: post.account } }).json<{ id: string; created_at: string }>();
        return { nativeId: sent.id, createdAt: sent.created_at, url: `https://forum.example.test/p/${sent.id}`, account: post.account ?? 'brand-account' };
      } catch (error) {
        throw await toChannelApiError('forum', error);
      }
    },
  };
}

function setup(ledger: InteractionLedger = memoryLedger(), adapters: ChannelAdapter[] = [forumAdapter()]) {
  const crm = createSocialCrm({ ledger, adapters, classifier: false, logger: silent, http: { backoffBaseMs: 5, maxRateLimitWaitMs: 3_000, retries: 1 }, outbox: { dispatch: 'manual', backoffBaseMs: 0 } });
  const published: Array<SocialCrmEvents['post-published']> = [];
  const failed: Array<SocialCrmEvents['post-failed']> = [];
  crm.on('post-published', (event) => published.push(event));
  crm.on('post-failed', (event) => failed.push(event));
  return { crm, ledger, published, failed };
}

function comment(id: string, post: string, text: string): Request {
  return new Request('https://crm.example.test/webhooks/forum', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, post, user: 'ayse', text }) });
}

async function thrownBy(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('crm.publish', () => {
  const server = createChannelTestServer();
  beforeAll(() => server.listen());
  afterEach(() => server.reset());
  afterAll(() => server.close());

  it('posts once, stores an outbound public post with its campaign, and announces post-published', async () => {
    const { crm, ledger, published } = setup();
    server.route('post', POSTS, () => ({ id: 'p1', created_at: '2026-11-20T10:00:00Z' }));
    const post = await crm.publish({ channel: 'forum', text: 'Yaz indirimi başladı! Summer sale is on.', link: 'https://shop.example.test/sale', media: [{ url: 'https://cdn.example.test/sale.jpg', altText: 'Sale banner' }], campaignId: 'summer-26', idempotencyKey: 'summer-26:forum' });
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]!.bodyJson).toEqual({ text: 'Yaz indirimi başladı! Summer sale is on.', link: 'https://shop.example.test/sale', images: ['https://cdn.example.test/sale.jpg'] });
    expect(post).toMatchObject({ id: 'forum:p1', kind: 'post', direction: 'outbound', visibility: 'public', conversationId: 'forum:p1', createdAt: '2026-11-20T10:00:00.000Z', url: 'https://forum.example.test/p/p1', deliveryStatus: 'sent' });
    expect(post.author).toMatchObject({ nativeId: 'brand-account', isBrand: true });
    expect(post.attachments).toEqual([{ type: 'image', url: 'https://cdn.example.test/sale.jpg', caption: 'Sale banner' }, { type: 'link', url: 'https://shop.example.test/sale' }]);
    expect(campaignIdOf(post)).toBe('summer-26');
    expect(await ledger.getInteraction('forum:p1')).toMatchObject({ kind: 'post', channelMetadata: { publication: { campaignId: 'summer-26', idempotencyKey: 'summer-26:forum' } } });
    expect(published.map((event) => [event.interaction.id, event.campaignId])).toEqual([['forum:p1', 'summer-26']]);
  });

  it('returns the first post for a repeated key and never posts again, even when called at the same time', async () => {
    const { crm, published } = setup();
    server.route('post', POSTS, ({ index }) => ({ id: `p${index + 1}`, created_at: '2026-11-20T10:00:00Z' }));
    const request = { channel: 'forum', text: 'We are sorry about today’s outage.', idempotencyKey: 'apology-1' };
    const together = await Promise.allSettled([crm.publish(request), crm.publish(request), crm.publish(request)]);
    expect(server.calls).toHaveLength(1);
    for (const outcome of together) {
      if (outcome.status === 'fulfilled') expect(outcome.value.id).toBe('forum:p1');
      else expect(isReplyInDoubtError(outcome.reason) && outcome.reason.state === 'pending').toBe(true);
    }
    const again = await crm.publish(request);
    expect(again.id).toBe('forum:p1');
    expect(server.calls).toHaveLength(1);
    expect(published).toHaveLength(1);
  });

  it('threads comments on the post onto it', async () => {
    const { crm, ledger } = setup();
    server.route('post', POSTS, () => ({ id: 'p7', created_at: '2026-11-20T10:00:00Z' }));
    const post = await crm.publish({ channel: 'forum', text: 'New store in Kadıköy', idempotencyKey: 'store-open' });
    expect((await crm.handleWebhook(comment('c1', 'p7', 'Harika, hafta sonu açık mı?'))).status).toBe(200);
    const stored = await ledger.getInteraction('forum:c1');
    expect(stored?.conversationId).toBe(post.conversationId);
    expect(stored?.parentId).toBe(post.nativeId);
    expect((await ledger.queryInteractions({ conversationId: post.conversationId })).items.map((item) => item.id).sort()).toEqual(['forum:c1', 'forum:p7']);
  });

  it('keeps a send that may have reached the network in doubt: no second post until it is settled', async () => {
    const { crm, ledger, published, failed } = setup();
    server.route('post', POSTS, () => Response.json({ error: 'upstream timeout' }, { status: 504 }));
    const request = { channel: 'forum', text: 'Bakım çalışması 02:00–04:00', campaignId: 'maintenance', idempotencyKey: 'maint-1' };
    const first = await thrownBy(crm.publish(request));
    expect(isSocialCrmError(first, 'CHANNEL_API_ERROR')).toBe(true);
    expect(failed).toMatchObject([{ channel: 'forum', idempotencyKey: 'maint-1', campaignId: 'maintenance' }]);
    const calls = server.calls.length;
    expect(await (ledger as InteractionLedger & { getSend(key: string): Promise<unknown> }).getSend('maint-1')).toMatchObject({ state: 'unknown', kind: 'publication' });
    const second = await thrownBy(crm.publish(request));
    expect(isReplyInDoubtError(second) && second.state === 'unknown').toBe(true);
    expect((second as Error).message).toMatch(/post .* may have reached the network/);
    expect(server.calls.length).toBe(calls);
    // The host finds the post on the network and settles it.
    const settled = await crm.settleReply('maint-1', { sent: true, nativeId: 'p42' });
    expect(settled).toMatchObject({ state: 'sent', interactionId: 'forum:p42' });
    expect(published.map((event) => event.interaction.id)).toEqual(['forum:p42']);
    const third = await crm.publish(request);
    expect(third).toMatchObject({ id: 'forum:p42', kind: 'post', direction: 'outbound', text: 'Bakım çalışması 02:00–04:00' });
    expect(campaignIdOf(third)).toBe('maintenance');
    expect(server.calls.length).toBe(calls);
  });

  it('lets a refused post be tried again with the same key', async () => {
    const { crm, ledger } = setup();
    server.route('post', POSTS, ({ index }) => (index === 0 ? Response.json({ error: 'link not allowed' }, { status: 400 }) : { id: 'p9', created_at: '2026-11-20T10:00:00Z' }));
    const request = { channel: 'forum', text: 'Try again', idempotencyKey: 'retry-1' };
    const refused = await thrownBy(crm.publish(request));
    expect(isSocialCrmError(refused, 'CHANNEL_API_ERROR')).toBe(true);
    expect(await (ledger as InteractionLedger & { getSend(key: string): Promise<unknown> }).getSend('retry-1')).toMatchObject({ state: 'failed' });
    expect((await crm.publish(request)).id).toBe('forum:p9');
    expect(await (ledger as InteractionLedger & { getSend(key: string): Promise<unknown> }).getSend('retry-1')).toMatchObject({ state: 'sent', attempts: 2 });
  });

  it('refuses bad requests with typed errors before anything is sent', async () => {
    const { crm } = setup(memoryLedger(), [forumAdapter(), { ...forumAdapter(), id: 'quiet', capabilities: { ...forumAdapter().capabilities, publish: false }, doPublish: undefined }]);
    server.route('post', POSTS, () => ({ id: 'r1', created_at: '2026-11-20T10:00:00Z' }));
    const empty = await thrownBy(crm.publish({ channel: 'forum', text: '  ', idempotencyKey: 'k1' }));
    expect(isSocialCrmError(empty, 'INVALID_OPTIONS')).toBe(true);
    expect((empty as Error).message).toMatch(/text.*link.*media/);
    const badLink = await thrownBy(crm.publish({ channel: 'forum', text: 'x', link: 'javascript:alert(1)', idempotencyKey: 'k2' }));
    expect(isSocialCrmError(badLink, 'INVALID_OPTIONS')).toBe(true);
    const typo = await thrownBy(crm.publish({ channel: 'forum', text: 'x', idempotencyKey: 'k5', campaign: 'c-1' } as never));
    expect(isSocialCrmError(typo, 'INVALID_OPTIONS')).toBe(true);
    expect((typo as Error).message).toMatch(/campaign/);
    const misplaced = await thrownBy(crm.publish({ channel: 'forum', text: 'x', idempotencyKey: 'k6', signal: new AbortController().signal } as never));
    expect((misplaced as Error).message).toMatch(/second argument/);
    const noKey = await thrownBy(crm.publish({ channel: 'forum', text: 'x' } as never));
    expect(isSocialCrmError(noKey, 'INVALID_OPTIONS')).toBe(true);
    expect(isSocialCrmError(await thrownBy(crm.publish({ channel: 'quiet', text: 'x', idempotencyKey: 'k3' })), 'UNSUPPORTED_CAPABILITY')).toBe(true);
    expect(isSocialCrmError(await thrownBy(crm.publish({ channel: 'nowhere', text: 'x', idempotencyKey: 'k4' })), 'UNKNOWN_ADAPTER')).toBe(true);
    expect(server.calls).toHaveLength(0);
    // A key a reply used is not a post's.
    await crm.handleWebhook(comment('c9', 'p0', 'Merhaba'));
    await crm.reply('forum:c9', { text: 'Selam', idempotencyKey: 'shared' });
    expect(isSocialCrmError(await thrownBy(crm.publish({ channel: 'forum', text: 'x', idempotencyKey: 'shared' })), 'INVALID_OPTIONS')).toBe(true);
    expect(server.calls).toHaveLength(1);
  });

  it('stops on an aborted signal: before the send nothing is sent, mid-request the post is left in doubt', async () => {
    const { crm, ledger } = setup();
    let release: (() => void) | undefined;
    server.route('post', POSTS, () => new Promise<Response>((resolve) => (release = () => resolve(Response.json({ id: 'late', created_at: '2026-11-20T10:00:00Z' })))));
    const before = new AbortController();
    before.abort();
    expect(isSocialCrmError(await thrownBy(crm.publish({ channel: 'forum', text: 'x', idempotencyKey: 'abort-1' }, { signal: before.signal })), 'ABORTED')).toBe(true);
    expect(server.calls).toHaveLength(0);
    const during = new AbortController();
    const pending = thrownBy(crm.publish({ channel: 'forum', text: 'Kampanya', idempotencyKey: 'abort-2' }, { signal: during.signal }));
    await vi.waitFor(() => expect(server.calls).toHaveLength(1));
    during.abort();
    expect(isSocialCrmError(await pending, 'ABORTED')).toBe(true);
    release?.();
    expect(await (ledger as InteractionLedger & { getSend(key: string): Promise<unknown> }).getSend('abort-2')).toMatchObject({ state: 'unknown' });
    expect(isReplyInDoubtError(await thrownBy(crm.publish({ channel: 'forum', text: 'Kampanya', idempotencyKey: 'abort-2' })))).toBe(true);
  });

  it('refuses to publish on a ledger that records no sends', async () => {
    const { createSend: _c, updateSend: _u, getSend: _g, listSends: _l, ...plain } = memoryLedger() as unknown as Record<string, unknown>;
    const { crm } = setup(plain as unknown as InteractionLedger);
    const error = await thrownBy(crm.publish({ channel: 'forum', text: 'x', idempotencyKey: 'k' }));
    expect(isSocialCrmError(error, 'UNSUPPORTED_CAPABILITY')).toBe(true);
    expect(server.calls).toHaveLength(0);
  });

  it('delivers post-published to durable handlers through the outbox', async () => {
    const ledger = memoryLedger();
    const { crm } = setup(ledger);
    const seen: DurableEvent<'post-published' | 'post-failed'>[] = [];
    crm.subscribe({ id: 'campaigns', events: ['post-published', 'post-failed'], handle: (event) => void seen.push(event) });
    server.route('post', POSTS, ({ index }) => (index === 0 ? { id: 'p3', created_at: '2026-11-20T10:00:00Z' } : Response.json({ error: 'duplicate' }, { status: 409 })));
    await crm.publish({ channel: 'forum', text: 'Kampanya', campaignId: 'c-1', idempotencyKey: 'a' });
    await thrownBy(crm.publish({ channel: 'forum', text: 'Kampanya 2', campaignId: 'c-1', idempotencyKey: 'b' }));
    expect(await crm.dispatch()).toMatchObject({ delivered: 2 });
    expect(seen.map((event) => event.name)).toEqual(['post-published', 'post-failed']);
    expect(seen[0]!.payload).toMatchObject({ campaignId: 'c-1', interaction: { id: 'forum:p3' } });
    expect(seen[1]!.payload).toMatchObject({ idempotencyKey: 'b', error: { code: 'CHANNEL_API_ERROR' } });
  });
});

describe('crm.publish on the PostgreSQL ledger (PGlite)', () => {
  const database = sharedPglite();
  const server = createChannelTestServer();
  beforeAll(() => server.listen());
  afterEach(() => server.reset());
  afterAll(() => server.close());

  it('keeps the publication record across a restart: the same key never posts again, a send in doubt stays in doubt', async () => {
    const ledger = postgresLedger({ pglite: database(), schema: 'publish_test' });
    server.route('post', POSTS, ({ index }) => (index === 0 ? { id: 'p1', created_at: '2026-11-20T10:00:00Z' } : Response.json({ error: 'gateway timeout' }, { status: 504 })));
    const first = setup(ledger);
    const post = await first.crm.publish({ channel: 'forum', text: 'Özür dileriz', campaignId: 'apology', idempotencyKey: 'pg-1' });
    await thrownBy(first.crm.publish({ channel: 'forum', text: 'Second post', idempotencyKey: 'pg-2' }));
    const calls = server.calls.length;
    // A new process on the same database.
    const second = setup(ledger);
    expect((await second.crm.publish({ channel: 'forum', text: 'Özür dileriz', idempotencyKey: 'pg-1' })).id).toBe(post.id);
    const doubt = await thrownBy(second.crm.publish({ channel: 'forum', text: 'Second post', idempotencyKey: 'pg-2' }));
    expect(isReplyInDoubtError(doubt) && doubt.state === 'unknown').toBe(true);
    expect(server.calls.length).toBe(calls);
    expect(await ledger.getSend('pg-1')).toMatchObject({ kind: 'publication', state: 'sent', interactionId: 'forum:p1', reply: { campaignId: 'apology', text: 'Özür dileriz' } });
    expect(campaignIdOf((await ledger.getInteraction('forum:p1'))!)).toBe('apology');
    await ledger.close();
  });
});

describe('the publish capability', () => {
  it('must agree with doPublish', () => {
    const adapter = forumAdapter();
    expect(capabilityMismatches(adapter)).toEqual([]);
    expect(capabilityMismatches({ ...adapter, doPublish: undefined })).toEqual(['declares the capability but has no doPublish()']);
    expect(capabilityMismatches({ ...adapter, capabilities: { ...adapter.capabilities, publish: undefined } })).toEqual(['has doPublish() but does not declare its capability']);
    expect(capabilityMismatches({ ...adapter, capabilities: { ...adapter.capabilities, publish: 'yes' as never } })).toContain('capabilities.publish must be a boolean when present');
    expect(() => createSocialCrm({ ledger: memoryLedger(), adapters: [{ ...adapter, doPublish: undefined }], logger: silent })).toThrow(/doPublish/);
  });
});

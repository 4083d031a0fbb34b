/**
 * Every X payload of ../shared/data/channel-samples (examples of X's developer documentation),
 * handled as its README describes: the docs' `<Tweet Object>` / `<User Object>` / `{ ... }`
 * placeholders are filled with `post.json` and its `user`. Webhook payloads are delivered signed;
 * the v2 mentions response is served at the mentions endpoint and polled. Skips without the folder.
 */
import { createHmac } from 'node:crypto';
import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { createSocialCrm, memoryLedger, type Interaction, type SocialCrmEvents } from 'social-crm';
import { createChannelTestServer } from 'social-crm/testing';
import { xAdapter } from 'social-crm/adapters/x';
import { describeSamples, readSample } from '../channel-samples.js';

const SECRET = 'channel-samples-consumer-secret';
const API = 'https://api.x.com';
const server = createChannelTestServer();
beforeAll(() => server.listen());
afterEach(() => server.reset());
afterAll(() => server.close());

type Json = Record<string, unknown>;

/** `post.json` (a Post object) and its author, for the docs' placeholders. */
const post = () => readSample('x-docs/post.json') as Json;

/** Replaces the docs' placeholders with real objects. */
function fill(value: unknown): unknown {
  if (value === '<Tweet Object>') return post();
  if (value === '<User Object>' || value === '{ ... }') return post().user;
  if (Array.isArray(value)) return value.map(fill);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, fill(member)]));
  return value;
}

async function deliver(body: unknown, brandUserId: string) {
  const ledger = memoryLedger();
  const crm = createSocialCrm({
    ledger,
    adapters: [xAdapter({ userId: brandUserId, bearerToken: 'samples-bearer', consumerSecret: SECRET })],
    classifier: false,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  const warnings: Array<SocialCrmEvents['warning']> = [];
  crm.on('warning', (warning) => warnings.push(warning));
  const text = JSON.stringify(body);
  const signature = `sha256=${createHmac('sha256', SECRET).update(text).digest('base64')}`;
  const response = await crm.handleWebhook(new Request('https://crm.example.test/webhooks/x', { method: 'POST', headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': signature }, body: text }));
  const rows: Interaction[] = (await ledger.queryInteractions({ channel: 'x', includeDeleted: true, limit: 100 })).items;
  return { status: response.status, rows, deadLetters: (await ledger.listDeadLetters()).items.length, warnings: warnings.map((entry) => entry.warning.message).join('\n'), ledger };
}

/** Acknowledged, nothing dead-lettered, `count` rows. */
function stored(outcome: Awaited<ReturnType<typeof deliver>>, count: number): Interaction[] {
  expect(outcome.status).toBe(200);
  expect(outcome.deadLetters).toBe(0);
  expect(outcome.rows).toHaveLength(count);
  return outcome.rows;
}

const asTweetCreate = (sample: unknown, forUserId: string) => ({ for_user_id: forUserId, tweet_create_events: [sample] });

describeSamples('x-docs', {
  'dm-indicate-typing.json': async (sample) => stored(await deliver(sample, '4337869213'), 0),
  'dm-mark-read.json': async (sample) => {
    // A customer read the brand's message 963085315333238788: a receipt, nothing new stored.
    stored(await deliver(sample, '4337869213'), 0);
  },
  'dm-message-create.json': async (sample) => {
    const [row] = stored(await deliver(sample, '4337869213'), 1);
    expect(row).toMatchObject({ nativeId: '954491830116155396', kind: 'direct_message', visibility: 'private', text: 'Hello World!', author: { nativeId: '3001969357' } });
    expect(row!.customerId).toBeTruthy();
  },
  'favorite.json': async (sample) => {
    const [row] = stored(await deliver(fill(sample), '2244994945'), 1);
    expect(row).toMatchObject({ kind: 'reaction', parentId: '1307025659294674945' });
  },
  'follow.json': async (sample) => {
    const outcome = await deliver(fill(sample), '2244994945');
    stored(outcome, 0);
    expect(outcome.warnings).toMatch(/follow_events/);
  },
  'post-reply.json': async (sample) => {
    // A reply that @mentions the brand, delivered as a tweet_create event.
    const [row] = stored(await deliver(asTweetCreate(sample, '2244994945'), '2244994945'), 1);
    expect(row).toMatchObject({ nativeId: '1296887316556980230', parentId: '1296887091901718529' });
  },
  'post.json': async (sample) => {
    const [row] = stored(await deliver(asTweetCreate(sample, '2244994945'), '2244994945'), 1);
    expect(row).toMatchObject({ nativeId: '1307025659294674945' });
    expect(row!.text).toMatch(/^Here’s an article/);
  },
  'tweet-create-longform.json': async (sample) => {
    // The longform text (extended_tweet.full_text) is stored, not the truncated one.
    const filled = fill(sample) as { tweet_create_events: Array<{ extended_tweet: { full_text: string } }> };
    const [row] = stored(await deliver(filled, '1603419180975409153'), 1);
    expect(row!.nativeId).toBe('1924465506158878979');
    expect(row!.text).toBe(filled.tweet_create_events[0]!.extended_tweet.full_text);
  },
  'tweet-delete.json': async (sample) => {
    const [row] = stored(await deliver(sample, '930524282358325248'), 1);
    expect(row).toMatchObject({ nativeId: '1045405559317569537', state: 'deleted', text: '' });
  },
  'v2-user-mentions-response.json': async (sample) => {
    const brand = '2244994945';
    server.route('get', `${API}/2/users/${brand}/mentions`, ({ index }) => HttpResponse.json(index === 0 ? (sample as Record<string, never>) : { meta: { result_count: 0 } }));
    const ledger = memoryLedger();
    const crm = createSocialCrm({ ledger, adapters: [xAdapter({ userId: brand, bearerToken: 'samples-bearer' })], classifier: false, logger: { debug() {}, info() {}, warn() {}, error() {} } });
    const [summary] = await crm.poll({ maxPages: 1 });
    expect(summary?.error).toBeUndefined();
    const row = await ledger.getInteraction('x:1301573587187331074');
    expect(row).toMatchObject({ text: 'Hey @XDevelopers, love the new API!', author: { nativeId: '1234567890', handle: 'developer', displayName: 'Dev Person' } });
  },
});

/**
 * Every Instagram payload of ../shared/data/channel-samples (courier's DM captures, the Dashboard's
 * `comments` samples), handled as its README describes. Skips when the folder is absent.
 */
import { expect } from 'vitest';
import { instagramAdapter } from 'social-crm/adapters/instagram';
import { describeSamples } from '../channel-samples.js';
import { deliverSample, expectIgnored, expectStored, metaEnvelope, SAMPLE_APP_SECRET, type SampleOutcome } from '../meta-samples.js';
import { privateConversationKey } from 'social-crm';

const ACCOUNT = '1234567890';
// No mention look-ups: these samples carry everything the adapter stores.
const deliver = (sample: unknown): Promise<SampleOutcome> =>
  deliverSample(instagramAdapter({ appSecret: SAMPLE_APP_SECRET, verifyToken: 'samples-verify', accessToken: 'samples-token', accountId: ACCOUNT, fetchMentions: false }), sample);

/** One item from courier's customer 5678, private, in its thread with the account. */
async function fromCustomer(sample: unknown, kind: string) {
  const [row] = expectStored(await deliver(sample), 1);
  expect(row).toMatchObject({ kind, direction: 'inbound', visibility: 'private', author: { nativeId: '5678' }, conversationId: `instagram:${privateConversationKey(`${ACCOUNT}-5678`)}` });
  expect(row!.customerId).toBeTruthy();
  return row!;
}

const acknowledgedOnly = (warning: RegExp) => async (sample: unknown) => expectIgnored(await deliver(sample), warning);

describeSamples('courier/ig', {
  'attachment.json': async (sample) => {
    const row = await fromCustomer(sample, 'direct_message');
    expect(row.attachments[0]).toMatchObject({ type: 'image' });
  },
  'different_page.json': async (sample) => {
    const [row] = expectStored(await deliver(sample), 1);
    expect(row).toMatchObject({ text: 'Hello World', recipientId: '1235' });
  },
  'duplicate_msg.json': async (sample) => {
    const row = await fromCustomer(sample, 'direct_message');
    expect(row.text).toBe('Hello World');
  },
  'echo.json': async (sample) => {
    const [row] = expectStored(await deliver(sample), 1);
    expect(row).toMatchObject({ nativeId: 'qT7ywaK', direction: 'outbound', author: { isBrand: true } });
  },
  'hello_msg.json': async (sample) => {
    const row = await fromCustomer(sample, 'direct_message');
    expect(row.text).toBe('Hello World');
  },
  'icebreaker_get_started.json': async (sample) => {
    const row = await fromCustomer(sample, 'direct_message');
    expect(row.text).toBe('icebreaker question');
    expect(row.channelMetadata.instagram).toMatchObject({ postbackPayload: 'get_started' });
  },
  'invalid_urn.json': async (sample) => {
    const [row] = expectStored(await deliver(sample), 1);
    expect(row!.author.nativeId).toBe('abc5678');
  },
  'like_heart.json': async (sample) => {
    // A ❤️ sent in the chat: a reaction, not a message with an unknown attachment.
    const row = await fromCustomer(sample, 'reaction');
    expect(row.reaction).toBe('❤️');
    expect(row.attachments).toEqual([]);
  },
  'no_entries.json': async (sample) => expectStored(await deliver(sample), 0),
  'no_messaging_entries.json': async (sample) => expectStored(await deliver(sample), 0),
  'not_instagram.json': acknowledgedOnly(/notinstagram/),
  'story_mention.json': async (sample) => {
    // A story that @mentions the account: a mention, with the story as its attachment.
    const row = await fromCustomer(sample, 'mention');
    expect(row.attachments[0]).toMatchObject({ type: 'image', url: 'https://story-url', data: { nativeType: 'story_mention' } });
  },
  'unknown_messaging_entry.json': acknowledgedOnly(/unknown kind/),
  'unsent_msg.json': async (sample) => {
    // Unsent before it was ever seen: nothing stored, and a tombstone keeps a late copy out.
    const outcome = await deliver(sample);
    expect(outcome.status).toBe(200);
    expect(outcome.deadLetters).toBe(0);
    expect(outcome.rows.filter((row) => row.state !== 'deleted')).toHaveLength(0);
  },
});

describeSamples(
  'meta-dashboard',
  {
    'instagram-comments.json': async (sample) => {
      const [row] = expectStored(await deliver(metaEnvelope('instagram', ACCOUNT, sample)), 1);
      expect(row).toMatchObject({ nativeId: '17865799348089039', kind: 'reply', parentId: '1231231234', text: 'This is an example.', author: { nativeId: '232323232', handle: 'test' }, visibility: 'public' });
    },
    'instagram-comments-legacy.json': async (sample) => {
      // Only `id` and `text`: kept as an anonymous comment (as Facebook keeps such items), not dead-lettered.
      const [row] = expectStored(await deliver(metaEnvelope('instagram', ACCOUNT, sample)), 1);
      expect(row).toMatchObject({ nativeId: '17865799348089039', kind: 'comment', text: 'This is an example.', author: { nativeId: 'anonymous:17865799348089039' } });
      expect(row!.customerId).toBeTruthy();
    },
  },
  /^instagram-/,
);

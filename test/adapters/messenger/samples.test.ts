/**
 * Every Messenger payload of ../shared/data/channel-samples (courier's captures, bottender's echo),
 * handled as its README describes. Skips when the folder is absent.
 */
import { expect } from 'vitest';
import { messengerAdapter } from 'social-crm/adapters/messenger';
import { describeSamples } from '../channel-samples.js';
import { deliverSample, expectIgnored, expectStored, SAMPLE_APP_SECRET, warningText, type SampleOutcome } from '../meta-samples.js';
import { privateConversationKey } from 'social-crm';

const PAGE = '1234567890';
const deliver = (sample: unknown, pageId = PAGE): Promise<SampleOutcome> =>
  deliverSample(messengerAdapter({ appSecret: SAMPLE_APP_SECRET, verifyToken: 'samples-verify', accessToken: 'samples-token', pageId }), sample);

/** One inbound message from courier's customer 5678 in its thread with the Page. */
async function oneMessage(sample: unknown) {
  const outcome = await deliver(sample);
  const [row] = expectStored(outcome, 1);
  expect(row).toMatchObject({ kind: 'direct_message', direction: 'inbound', visibility: 'private', author: { nativeId: '5678' }, conversationId: `messenger:${privateConversationKey(`${PAGE}-5678`)}` });
  expect(row!.customerId).toBeTruthy();
  return row!;
}

const acknowledgedOnly = (warning: RegExp) => async (sample: unknown) => expectIgnored(await deliver(sample), warning);

const messengerChecks = {
  'attachment.json': async (sample: unknown) => {
    const row = await oneMessage(sample);
    expect(row.attachments).toEqual([expect.objectContaining({ type: 'image', url: expect.stringMatching(/^https:/) })]);
  },
  'different_page.json': async (sample: unknown) => {
    // Addressed to another Page (1235) inside this Page's entry: kept, attributed to the sender.
    const outcome = await deliver(sample);
    const [row] = expectStored(outcome, 1);
    expect(row).toMatchObject({ text: 'Hello World', recipientId: '1235', author: { nativeId: '5678' } });
  },
  'dlr.json': async (sample: unknown) => expectStored(await deliver(sample), 0),
  'duplicate_msg.json': async (sample: unknown) => {
    const row = await oneMessage(sample);
    expect(row.text).toBe('Hello World');
  },
  'echo.json': async (sample: unknown) => {
    // The Page's own send: stored once as outbound, never as a customer's message.
    const [row] = expectStored(await deliver(sample), 1);
    expect(row).toMatchObject({ nativeId: 'qT7ywaK', direction: 'outbound', author: { isBrand: true } });
  },
  'fallback.json': async (sample: unknown) => {
    const row = await oneMessage(sample);
    expect(row.attachments[0]).toMatchObject({ type: 'link' });
  },
  'hello_msg.json': async (sample: unknown) => {
    const row = await oneMessage(sample);
    expect(row.text).toBe('Hello World');
  },
  'invalid_urn.json': async (sample: unknown) => {
    const [row] = expectStored(await deliver(sample), 1);
    expect(row!.author.nativeId).toBe('abc5678');
  },
  'location_attachment.json': async (sample: unknown) => {
    const row = await oneMessage(sample);
    expect(row.attachments[0]).toMatchObject({ type: 'location', data: expect.objectContaining({ latitude: expect.any(Number), longitude: expect.any(Number) }) });
  },
  'no_entries.json': async (sample: unknown) => expectStored(await deliver(sample), 0),
  'no_messaging_entries.json': async (sample: unknown) => expectStored(await deliver(sample), 0),
  'not_page.json': acknowledgedOnly(/notpage/),
  'notification_messages_optin.json': async (sample: unknown) => {
    // The marketing-messages opt-in: a consent record with the token kept for later sends.
    const outcome = await deliver(sample);
    expectStored(outcome, 0);
    expect(warningText(outcome)).toBe('');
    const consent = await outcome.harness.ledger.getConsent('messenger:5678');
    expect(consent).toMatchObject({ status: 'opted-in', purpose: 'marketing', source: 'messenger:notification_messages' });
    expect(consent?.channelMetadata?.messenger).toMatchObject({
      notificationMessagesToken: '12345678901234567890',
      topic: 'Bird Facts',
      payload: '3456',
      frequency: 'DAILY',
      timezone: 'UTC',
      tokenExpiresAt: new Date(2145916800000).toISOString(),
      tokenStatus: 'NOT_REFRESHED',
    });
  },
  'postback.json': async (sample: unknown) => {
    const row = await oneMessage(sample);
    expect(row.channelMetadata.messenger).toHaveProperty('postbackPayload');
  },
  'postback_get_started.json': async (sample: unknown) => {
    const row = await oneMessage(sample);
    expect(row.channelMetadata.messenger).toHaveProperty('postbackPayload');
  },
  'postback_referral.json': async (sample: unknown) => {
    const row = await oneMessage(sample);
    expect(row.channelMetadata.messenger).toHaveProperty('postbackPayload');
  },
  'reel.json': async (sample: unknown) => {
    const row = await oneMessage(sample);
    expect(row.attachments[0]).toMatchObject({ type: 'video', data: { nativeType: 'ig_reel' } });
  },
  'referral.json': acknowledgedOnly(/`referral` is not stored/),
  'referral_optin.json': acknowledgedOnly(/`optin` is not stored/),
  'referral_optin_user_ref.json': acknowledgedOnly(/`optin` is not stored/),
  'referral_seconds.json': acknowledgedOnly(/`referral` is not stored/),
  'thumbs_up.json': async (sample: unknown) => {
    // Messenger sends stickers as `image` with a `sticker_id`: stored as a sticker, not a photo.
    const row = await oneMessage(sample);
    expect(row.attachments).toEqual([expect.objectContaining({ type: 'sticker', data: expect.objectContaining({ nativeType: 'image', stickerId: '369239263222822' }) })]);
  },
  'unknown_messaging_entry.json': acknowledgedOnly(/unknown kind/),
};

describeSamples('courier/fba', messengerChecks);

describeSamples(
  'bottender',
  {
    'messenger-echo.json': async (sample) => {
      const page = '404217156637689';
      const [row] = expectStored(await deliver({ object: 'page', entry: [{ id: page, time: 1491798024994, messaging: [sample] }] }, page), 1);
      expect(row).toMatchObject({ direction: 'outbound', text: 'Difficult the first time, easy the second.', author: { nativeId: page, isBrand: true }, conversationId: `messenger:${privateConversationKey(`${page}-1423587017700273`)}` });
      expect(row!.channelMetadata.messenger).toMatchObject({ isEcho: true, appId: '205552219930699' });
    },
  },
  /^messenger-/,
);

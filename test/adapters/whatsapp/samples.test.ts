/**
 * Every WhatsApp payload of ../shared/data/channel-samples (courier's captures and the Dashboard's
 * test sample), handled as its README describes. Skips when the folder is absent.
 */
import { expect } from 'vitest';
import { privateConversationKey } from 'social-crm';
import { whatsappAdapter } from 'social-crm/adapters/whatsapp';
import { describeSamples } from '../channel-samples.js';
import { deliverSample, expectIgnored, expectStored, metaEnvelope, SAMPLE_APP_SECRET, warningText, type SampleOutcome } from '../meta-samples.js';

/** Delivers a sample to an adapter serving the business number it is addressed to. */
function deliver(sample: unknown): Promise<SampleOutcome> {
  const value = (sample as { entry?: Array<{ changes?: Array<{ value?: { metadata?: { phone_number_id?: string } } }> }> }).entry?.[0]?.changes?.[0]?.value;
  const phoneNumberId = value?.metadata?.phone_number_id ?? '1234567890';
  return deliverSample(whatsappAdapter({ appSecret: SAMPLE_APP_SECRET, verifyToken: 'samples-verify', accessToken: 'samples-token', phoneNumberId }), sample);
}

/** One stored inbound message from courier's customer 5678 ("Kerry Fisher"). */
async function oneMessage(sample: unknown) {
  const outcome = await deliver(sample);
  const [row] = expectStored(outcome, 1);
  expect(row!.nativeId).toBe('external_id');
  expect(row!.kind).toBe('direct_message');
  expect(row!.visibility).toBe('private');
  expect(row!.customerId).toBeTruthy();
  return { row: row!, outcome };
}

const fromKerry = async (sample: unknown) => {
  const { row, outcome } = await oneMessage(sample);
  expect(row.author).toMatchObject({ nativeId: '5678', displayName: 'Kerry Fisher' });
  expect(row.direction).toBe('inbound');
  expect(row.conversationId).toBe(`whatsapp:${privateConversationKey('1234567890', '5678')}`);
  return { row, outcome };
};

const withMedia = (type: string, mediaId: string, caption?: string) => async (sample: unknown) => {
  const { row } = await fromKerry(sample);
  expect(row.attachments).toHaveLength(1);
  expect(row.attachments[0]).toMatchObject({ type, data: expect.objectContaining({ mediaId }) });
  if (caption !== undefined) expect(row.text).toBe(caption);
};

describeSamples('courier/wac', {
  'audio.json': withMedia('audio', 'id_audio'),
  'button.json': async (sample) => {
    const { row } = await fromKerry(sample);
    expect(row.text).toBe('No');
    expect(row.parentId).toBeTruthy();
  },
  'button_reply.json': async (sample) => {
    const { row } = await fromKerry(sample);
    expect(row.text).toBe('Yes');
  },
  'document.json': withMedia('file', 'id_document', '80skaraokesonglistartist'),
  'duplicate.json': async (sample) => {
    const { row } = await fromKerry(sample);
    expect(row.text).toBe('Hello World');
  },
  'error_errors.json': async (sample) => expectIgnored(await deliver(sample), /WhatsApp reported an error/),
  'error_msg.json': async (sample) => {
    const { row, outcome } = await fromKerry(sample);
    expect(row.text).toBe('');
    expect(warningText(outcome)).toMatch(/unsupported.*cannot be read/);
  },
  'error_status.json': async (sample) => expectStored(await deliver(sample), 0),
  'group_message.json': async (sample) => {
    const { row } = await oneMessage(sample);
    expect(row.text).toBe('Hello World, group message');
    expect(row.author).toMatchObject({ nativeId: '5678', displayName: 'Kerry Fisher' });
    // Its own thread, apart from Kerry's 1:1 conversation, and talk among customers.
    expect(row.conversationId).toBe(`whatsapp:${privateConversationKey('1234567890', 'group:555555555')}`);
    expect(row.direction).toBe('peer');
    expect(row.channelMetadata.whatsapp).toMatchObject({ groupId: '555555555' });
  },
  'hello.json': async (sample) => {
    const { row } = await fromKerry(sample);
    expect(row.text).toBe('Hello World');
    // courier's 5678 is too short for a phone number: no phone for the merger to trust.
    expect(row.author.phone).toBeUndefined();
  },
  'hello_bsuid_in_from.json': async (sample) => {
    const { row } = await oneMessage(sample);
    expect(row.author).toEqual(expect.objectContaining({ nativeId: 'US.1234', handle: 'kfisher', displayName: 'Kerry Fisher' }));
    expect(row.author.phone).toBeUndefined();
  },
  'hello_from_bsuid.json': async (sample) => {
    // Only a business-scoped user id: accepted, with the id, username and name as the identity.
    const { row, outcome } = await oneMessage(sample);
    expect(row.text).toBe('Hello World');
    expect(row.author).toEqual(expect.objectContaining({ nativeId: 'US.1234', handle: 'kfisher', displayName: 'Kerry Fisher' }));
    expect(row.author.phone).toBeUndefined();
    expect(row.conversationId).toBe(`whatsapp:${privateConversationKey('1234567890', 'US.1234')}`);
    expect(row.channelMetadata.whatsapp).toMatchObject({ userId: 'US.1234', parentUserId: 'US.ENT.5678' });
    const identity = await outcome.harness.ledger.getIdentity('whatsapp:US.1234');
    expect(identity?.customerId).toBe(row.customerId);
  },
  'hello_invalid_user_id.json': async (sample) => {
    const { row, outcome } = await fromKerry(sample);
    expect(row.author.handle).toBe('kfisher');
    expect(row.channelMetadata.whatsapp?.userId).toBeUndefined();
    expect(warningText(outcome)).toMatch(/foo_bar.*does not have the documented shape/);
  },
  'hello_user_id.json': async (sample) => {
    const { row } = await fromKerry(sample);
    expect(row.author).toMatchObject({ nativeId: '5678', handle: 'kfisher' });
    expect(row.channelMetadata.whatsapp).toMatchObject({ userId: 'US.1234' });
  },
  'ignore_status.json': async (sample) => expectIgnored(await deliver(sample), /status `deleted`.*not a delivery state/),
  'image.json': withMedia('image', 'id_image', 'Check out my new phone!'),
  'invalid_from.json': async (sample) => {
    // Not a phone number: kept as the WhatsApp id, without a phone the merger would trust.
    const { row } = await oneMessage(sample);
    expect(row.author.nativeId).toBe('bla');
    expect(row.author.phone).toBeUndefined();
  },
  'invalid_status.json': async (sample) => expectIgnored(await deliver(sample), /status `in_orbit`.*not a delivery state/),
  'invalid_timestamp.json': async (sample) => {
    // A timestamp that is no Unix time cannot be placed in time: dead-lettered whole, not guessed.
    const outcome = await deliver(sample);
    expect(outcome.status).toBe(200);
    expect(outcome.rows).toHaveLength(0);
    expect(outcome.deadLetters).toBe(1);
  },
  'list_reply.json': async (sample) => {
    const { row } = await fromKerry(sample);
    expect(row.text).toBe('Yes');
  },
  'location.json': async (sample) => {
    const { row } = await fromKerry(sample);
    expect(row.attachments[0]).toMatchObject({ type: 'location', data: expect.objectContaining({ latitude: expect.any(Number), longitude: expect.any(Number) }) });
  },
  'nfm_reply.json': async (sample) => {
    const { row } = await fromKerry(sample);
    expect(row.channelMetadata.whatsapp).toMatchObject({ type: 'interactive' });
  },
  'nfm_reply_non_object.json': async (sample) => {
    const { row } = await fromKerry(sample);
    expect(row.channelMetadata.whatsapp).toMatchObject({ type: 'interactive' });
  },
  'no_from.json': async (sample) => {
    // Nobody to attribute it to: dead-lettered (kept for replay), the delivery acknowledged.
    const outcome = await deliver(sample);
    expect(outcome.status).toBe(200);
    expect(outcome.rows).toHaveLength(0);
    expect(outcome.deadLetters).toBe(1);
  },
  'valid_status.json': async (sample) => expectStored(await deliver(sample), 0),
  'video.json': withMedia('video', 'id_video', 'Check out my new phone!'),
  'voice.json': async (sample) => {
    const { row } = await fromKerry(sample);
    expect(row.attachments).toEqual([
      { type: 'audio', mimeType: 'audio/ogg; codecs=opus', data: { mediaId: 'id_voice', sha256: 'fa9e1807d936b7cebe63654ea3a7912b1fa9479220258d823590521ef53b0710', voice: true } },
    ]);
    expect(row.channelMetadata.whatsapp).toMatchObject({ type: 'voice' });
  },
});

describeSamples(
  'meta-dashboard',
  {
    'whatsapp-messages-text.json': async (sample) => {
      const outcome = await deliver(metaEnvelope('whatsapp_business_account', '102290129340398', sample));
      const [row] = expectStored(outcome, 1);
      expect(row).toMatchObject({ nativeId: 'ABGGFlA5Fpa', text: 'this is a text message', kind: 'direct_message', author: { nativeId: '16315551181', phone: '+16315551181', displayName: 'test user name' } });
      expect(row!.conversationId).toBe(`whatsapp:${privateConversationKey('123456123', '16315551181')}`);
    },
  },
  /^whatsapp-/,
);

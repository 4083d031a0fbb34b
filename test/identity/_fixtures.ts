/** Shared builders for the identity tests: a deterministic context and interactions. */
import { identityKey, type ChannelIdentity, type InteractionLedger } from 'social-crm';
import type { Interaction } from 'social-crm';

export interface TestContext {
  ledger: InteractionLedger;
  now(): Date;
  generateId(): string;
}

/** A context whose clock advances one second per call and whose ids count up. */
export function testContext(ledger: InteractionLedger): TestContext {
  let tick = 0;
  let counter = 0;
  return {
    ledger,
    now: () => new Date(Date.UTC(2026, 10, 22, 12, 0, tick++)),
    generateId: () => `id_${String(++counter).padStart(4, '0')}`,
  };
}

let interactionCounter = 0;

/** Stores an inbound message written by `author` and attributed to `customerId`. */
export async function addInteraction(ledger: InteractionLedger, author: ChannelIdentity, customerId: string): Promise<Interaction> {
  const nativeId = `m${++interactionCounter}`;
  const interaction: Interaction = {
    id: `${author.channel}:${nativeId}`,
    channel: author.channel,
    nativeId,
    kind: 'direct_message',
    direction: 'inbound',
    visibility: 'private',
    author,
    conversationId: nativeId,
    text: `hello from ${identityKey(author)}`,
    createdAt: new Date(Date.UTC(2026, 10, 22, 10, 0, interactionCounter)).toISOString(),
    receivedAt: new Date(Date.UTC(2026, 10, 22, 10, 0, interactionCounter)).toISOString(),
    attachments: [],
    state: 'active',
    channelMetadata: {},
    customerId,
  };
  await ledger.appendInteraction(interaction);
  return interaction;
}

export const ayseInstagram: ChannelIdentity = { channel: 'instagram', nativeId: 'ig-1', handle: 'ayse.yilmaz', displayName: 'Ayşe Yılmaz' };
export const ayseWhatsapp: ChannelIdentity = { channel: 'whatsapp', nativeId: '905321234567', displayName: 'AYŞE YILMAZ', phone: '+90 532 123 45 67' };
export const ayseX: ChannelIdentity = { channel: 'x', nativeId: 'x-9', handle: 'ayse_yilmaz', displayName: 'Ayse Yilmaz' };
export const ayseFacebook: ChannelIdentity = { channel: 'facebook', nativeId: 'fb-3', displayName: 'Ayşe Yılmaz', email: 'Ayse.Yilmaz@gmail.com' };
export const ayseEmail: ChannelIdentity = { channel: 'email', nativeId: 'ayseyilmaz@gmail.com', displayName: 'Ayşe Y.', email: 'ayseyilmaz+shop@gmail.com' };

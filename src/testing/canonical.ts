import { hmac, toHex } from 'social-crm/adapter-kit';
import { CANONICAL_SIGNATURE_HEADER, CANONICAL_TIMESTAMP_HEADER } from 'social-crm/adapters/canonical';
import type { ExpectedInteraction, WebhookFixture } from './channel-suite.js';

/**
 * The headers that make `body` an authentic delivery to the canonical webhook adapter, signed as a
 * sending system signs it: `x-social-crm-timestamp` (epoch seconds) and `x-social-crm-signature`,
 * hex HMAC-SHA256 of `timestamp.body` under `secret`.
 *
 * @param at signing time in epoch seconds (default now); an hour ago makes a stale delivery.
 */
export async function signCanonicalWebhook(body: string, secret: string, at: number = Math.floor(Date.now() / 1000)): Promise<Record<string, string>> {
  const signature = toHex(await hmac('SHA-256', secret, `${at}.${body}`));
  return { [CANONICAL_SIGNATURE_HEADER]: signature, [CANONICAL_TIMESTAMP_HEADER]: String(at) };
}

/**
 * A signed delivery to the canonical webhook adapter: `POST <url>` with the JSON body and its
 * signature, ready for `crm.handleWebhook()`.
 *
 * @example
 * const response = await crm.handleWebhook(await canonicalWebhookRequest(canonicalFixtures.thread.body, { secret }));
 */
export async function canonicalWebhookRequest(body: object | string, options: { secret: string; url?: string; at?: number }): Promise<Request> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return new Request(options.url ?? 'https://crm.example.test/webhooks/canonical', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await signCanonicalWebhook(text, options.secret, options.at)) },
    body: text,
  });
}

const ayse = { channel: 'canonical', nativeId: 'ayse-1907', handle: 'ayse', displayName: 'Ayşe Yılmaz' };
const tom = { channel: 'canonical', nativeId: 'tom-2211', handle: 'tom', displayName: 'Tom Baker' };

/**
 * Deliveries in the canonical webhook format (`{ events: [...] }`), as the adapter's
 * documentation describes them: what a web form or an in-house app sends. Each is a
 * {@link WebhookFixture} the channel kit accepts as it is, with what its interactions must look like.
 * Ids are for the default adapter id `canonical`.
 */
export const canonicalFixtures = {
  /** A Turkish complaint and another customer's English reply in its thread (`peer`: between customers). */
  thread: {
    name: 'a thread with a Turkish complaint and an English reply',
    body: {
      events: [
        { nativeId: 'c1', kind: 'comment', author: ayse, text: 'Siparişim 3 gündür kargoda 😡 #kargo', hashtags: ['kargo'], createdAt: '2026-11-20T10:00:00Z' },
        { nativeId: 'c2', kind: 'comment', author: tom, text: 'Same here, no update for days', parentId: 'c1', conversationId: 'c1', createdAt: '2026-11-20T10:05:00+03:00' },
      ],
    },
    interactions: 2,
    kinds: ['comment'],
    expect: [
      { id: 'canonical:c1', createdAt: '2026-11-20T10:00:00.000Z', visibility: 'public', direction: 'inbound', brand: false, authorId: 'ayse-1907' },
      { id: 'canonical:c2', createdAt: '2026-11-20T07:05:00.000Z', visibility: 'public', direction: 'peer', brand: false, authorId: 'tom-2211' },
    ] satisfies ExpectedInteraction[],
  } satisfies WebhookFixture,
  /** A private message to the brand, sent through a contact form. */
  directMessage: {
    name: 'a private message from a contact form',
    body: { events: [{ nativeId: 'f1', kind: 'direct_message', visibility: 'private', author: ayse, text: 'Faturamı e-posta ile alabilir miyim?', createdAt: '2026-11-20T11:00:00Z' }] },
    interactions: 1,
    kinds: ['direct_message'],
    expect: [{ id: 'canonical:f1', visibility: 'private', direction: 'inbound', brand: false, authorId: 'ayse-1907' }] satisfies ExpectedInteraction[],
  } satisfies WebhookFixture,
  /** An item, then the same item edited (`state: 'edited'`, a later `editedAt`). */
  edit: {
    original: { events: [{ nativeId: 'e1', kind: 'comment', author: ayse, text: 'Ürün bozuk geldi', createdAt: '2026-11-20T10:00:00Z' }] },
    edited: { events: [{ nativeId: 'e1', kind: 'comment', author: ayse, text: 'Ürün bozuk geldi, değişim istiyorum', createdAt: '2026-11-20T10:00:00Z', state: 'edited', editedAt: '2026-11-20T11:00:00Z' }] },
    id: 'canonical:e1',
    text: 'Ürün bozuk geldi, değişim istiyorum',
  },
  /** An item, then its deletion event. */
  deletion: {
    original: { events: [{ nativeId: 'd1', kind: 'comment', author: tom, text: 'My phone number is +90 555 111 22 33', createdAt: '2026-11-20T10:00:00Z' }] },
    deletion: { events: [{ type: 'deletion', nativeId: 'd1', deletedAt: '2026-11-20T12:00:00Z' }] },
    id: 'canonical:d1',
  },
  /** An event type the adapter does not read: acknowledged with a warning, nothing stored. */
  unknownEvent: { events: [{ type: 'poll-vote', nativeId: 'v1' }] },
};

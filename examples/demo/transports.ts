/**
 * Turns demo scenes into the signed webhook requests each network would send, and builds the
 * adapters that receive them. Networks without a native adapter yet are replayed through the
 * canonical JSON webhook adapter registered under the network's id.
 */
import type { ChannelAdapter } from 'social-crm';
import { hmac, toHex } from 'social-crm/adapter-kit';
import { canonicalWebhookAdapter, CANONICAL_SIGNATURE_HEADER, CANONICAL_TIMESTAMP_HEADER } from 'social-crm/adapters/canonical';
import { xAdapter, X_SIGNATURE_HEADER } from 'social-crm/adapters/x';
import { toBase64 } from 'social-crm/adapter-kit';
import { BRAND, type Scene } from './stream.js';

const SECRET = 'demo-secret-not-for-production';

export interface Transport {
  adapter: ChannelAdapter;
  request(scene: Scene, now: Date): Promise<Request>;
}

function canonicalTransport(network: string): Transport {
  return {
    adapter: canonicalWebhookAdapter({ secret: SECRET, id: network }),
    async request(scene, now) {
      const body = JSON.stringify({
        events: [
          {
            nativeId: scene.nativeId,
            kind: scene.kind,
            visibility: scene.visibility,
            author: { channel: network, ...scene.author },
            text: scene.text,
            createdAt: scene.createdAt,
            ...(scene.parentId ? { parentId: scene.parentId } : {}),
            ...(scene.conversationId ? { conversationId: scene.conversationId } : {}),
          },
        ],
      });
      const timestamp = Math.floor(now.getTime() / 1000);
      const signature = toHex(await hmac('SHA-256', SECRET, `${timestamp}.${body}`));
      return new Request(`https://crm.example.test/webhooks/${network}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CANONICAL_SIGNATURE_HEADER]: signature, [CANONICAL_TIMESTAMP_HEADER]: String(timestamp) },
        body,
      });
    },
  };
}

const X_CONSUMER_SECRET = 'demo-consumer-secret';

/** `created_at` as X's v1.1 objects write it: `Tue Feb 17 09:20:00 +0000 2026`. */
function xDate(iso: string): string {
  const [weekday, day, month, year, time] = new Date(iso).toUTCString().replace(',', '').split(' ') as [string, string, string, string, string];
  return `${weekday} ${month} ${day} ${time} +0000 ${year}`;
}

/** X Account Activity deliveries (`tweet_create_events`), signed with the consumer secret. */
function xTransport(): Transport {
  return {
    adapter: xAdapter({ userId: BRAND.x.nativeId, consumerSecret: X_CONSUMER_SECRET, bearerToken: 'demo-bearer', userAccessToken: 'demo-user-token' }),
    async request(scene) {
      const mentionsBrand = scene.text.includes('@yildizair');
      const body = JSON.stringify({
        for_user_id: BRAND.x.nativeId,
        tweet_create_events: [
          {
            created_at: xDate(scene.createdAt),
            id_str: scene.nativeId,
            text: scene.text,
            truncated: false,
            in_reply_to_status_id_str: scene.parentId ?? null,
            user: {
              id_str: scene.author.nativeId,
              name: scene.author.displayName ?? scene.author.handle ?? scene.author.nativeId,
              screen_name: scene.author.handle ?? scene.author.nativeId,
              followers_count: scene.author.followerCount ?? 0,
              verified: false,
            },
            entities: {
              hashtags: [...scene.text.matchAll(/#(\w+)/g)].map((match) => ({ text: match[1]!, indices: [match.index!, match.index! + match[0].length] })),
              urls: [],
              user_mentions: mentionsBrand ? [{ screen_name: 'yildizair', id_str: BRAND.x.nativeId, indices: [scene.text.indexOf('@yildizair'), scene.text.indexOf('@yildizair') + 10] }] : [],
            },
            lang: scene.author.locale?.startsWith('tr') ? 'tr' : 'en',
            timestamp_ms: String(Date.parse(scene.createdAt)),
          },
        ],
      });
      const signature = `sha256=${toBase64(await hmac('SHA-256', X_CONSUMER_SECRET, body))}`;
      return new Request('https://crm.example.test/webhooks/x', { method: 'POST', headers: { 'content-type': 'application/json', [X_SIGNATURE_HEADER]: signature }, body });
    },
  };
}

const NATIVE: Record<string, () => Transport> = { x: xTransport };

/** One transport per network in the stream: the network's own adapter where one ships, else the canonical replay. */
export function demoTransports(networks: string[]): Map<string, Transport> {
  return new Map(networks.map((network) => [network, NATIVE[network]?.() ?? canonicalTransport(network)]));
}

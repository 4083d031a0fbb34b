/**
 * Turns demo scenes into the signed webhook requests each network would send, and builds the
 * adapters that receive them. Networks without a native adapter yet are replayed through the
 * canonical JSON webhook adapter registered under the network's id.
 */
import type { ChannelAdapter } from 'social-crm';
import { hmac, toHex } from 'social-crm/adapter-kit';
import { canonicalWebhookAdapter, CANONICAL_SIGNATURE_HEADER, CANONICAL_TIMESTAMP_HEADER } from 'social-crm/adapters/canonical';
import type { Scene } from './stream.js';

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

/** One transport per network in the stream. */
export function demoTransports(networks: string[]): Map<string, Transport> {
  return new Map(networks.map((network) => [network, canonicalTransport(network)]));
}

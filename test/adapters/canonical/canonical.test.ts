import { describeChannelAdapter } from 'social-crm/testing';
import { canonicalWebhookAdapter } from 'social-crm/adapters/canonical';
import { CANONICAL_SECRET, post, signCanonical } from '../../helpers/canonical.js';

describeChannelAdapter('canonical webhook', {
  factory: canonicalWebhookAdapter,
  options: { secret: CANONICAL_SECRET },
  invalidOptions: [{}, { secret: 'short' }, { secret: CANONICAL_SECRET, id: 'Not Kebab' }],
  webhook: {
    sign: (body) => signCanonical(body),
    stale: (body) => signCanonical(body, CANONICAL_SECRET, Math.floor(Date.now() / 1000) - 3600),
    fixtures: [
      {
        name: 'a thread with a Turkish complaint and an English reply',
        body: {
          events: [
            post('c1', 'Siparişim 3 gündür kargoda 😡 #kargo', { hashtags: ['kargo'] }),
            post('c2', 'Same here, no update for days', { parentId: 'c1', conversationId: 'c1', author: { channel: 'x', nativeId: 'tom', handle: 'tom' } }),
          ],
        },
        interactions: 2,
        kinds: ['comment'],
      },
    ],
    unknownEvent: { events: [{ type: 'poll-vote', nativeId: 'v1' }] },
    malformedStatus: 400,
    edit: {
      original: { events: [post('e1', 'Ürün bozuk geldi')] },
      edited: { events: [post('e1', 'Ürün bozuk geldi, değişim istiyorum', { state: 'edited', editedAt: '2026-11-20T11:00:00Z' })] },
      id: 'canonical:e1',
      text: 'Ürün bozuk geldi, değişim istiyorum',
    },
    deletion: {
      original: { events: [post('d1', 'My phone number is +90 555 111 22 33')] },
      deletion: { events: [{ type: 'deletion', nativeId: 'd1', deletedAt: '2026-11-20T12:00:00Z' }] },
      id: 'canonical:d1',
    },
  },
});

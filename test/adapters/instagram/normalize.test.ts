import { describe, expect, it } from 'vitest';
import { parseInteraction } from 'social-crm';
// Internal normalisers (pure): tested with parseInteraction, as docs/authoring/testing-your-adapter.md advises.
import { commentValueSchema } from '../../../adapters/instagram/instagram-schemas.js';
import { mentionedHandles, normalizeComment, normalizeMention } from '../../../adapters/instagram/normalize.js';

const ACCOUNT = '17841400000000001';
const NOW = new Date('2026-03-02T12:00:00.000Z');
const context = { channel: 'instagram', accountId: ACCOUNT, brandIds: new Set([ACCOUNT]), brandUsername: 'Acme_Store', entryTime: 1772445600, now: NOW };

describe('instagram normalisers', () => {
  it('finds @handles the way Instagram writes them, not e-mail addresses', () => {
    expect(mentionedHandles('@acme_store hi @Deniz.Kaya. mail me at ayse@example.com @acme_store')).toEqual(['acme_store', 'deniz.kaya']);
  });

  it('reads comment_id (Facebook Login) like id, and the brand by username', () => {
    const value = commentValueSchema.parse({ comment_id: '1801', text: 'Teşekkürler!', from: { id: '999', username: 'acme_store' } });
    const input = normalizeComment(value, context, 'comments');
    if (typeof input === 'string') throw new Error(input);
    expect(parseInteraction(input, { now: () => NOW })).toMatchObject({ nativeId: '1801', kind: 'comment', direction: 'outbound', conversationId: 'instagram:1801', createdAt: '2026-03-02T10:00:00.000Z' });
    expect(normalizeComment(commentValueSchema.parse({ text: 'no id' }), context, 'comments')).toBe('[instagram] A `comments` change has no comment `id`.');
  });

  it('says when Graph returned nothing for a mention', () => {
    expect(normalizeMention({ media_id: '1', comment_id: '2' }, {}, context)).toBe('[instagram] Graph returned no `mentioned_comment` for comment 2.');
    expect(normalizeMention({ media_id: '1' }, {}, context)).toBe('[instagram] Graph returned no `mentioned_media` for media 1.');
    const anonymous = normalizeMention({ media_id: '1' }, { mentioned_media: { id: '1', media_type: 'VIDEO', media_url: 'https://cdn/v.mp4' } }, context);
    if (typeof anonymous === 'string') throw new Error(anonymous);
    expect(parseInteraction(anonymous, { now: () => NOW })).toMatchObject({ author: { nativeId: 'anonymous:1' }, attachments: [{ type: 'video', url: 'https://cdn/v.mp4' }], text: '' });
  });
});

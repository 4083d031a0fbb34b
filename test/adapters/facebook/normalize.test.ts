import { describe, expect, it } from 'vitest';
import { parseInteraction } from 'social-crm';
// Internal normaliser (pure): tested with parseInteraction, as docs/authoring/testing-your-adapter.md advises.
import { feedValueSchema } from '../../../adapters/facebook/facebook-schemas.js';
import { normalizeFeedChange } from '../../../adapters/facebook/normalize.js';

const PAGE = '104711112223334';
const NOW = new Date('2026-03-02T12:00:00.000Z');
const context = { channel: 'facebook', pageId: PAGE, now: NOW };
const base = { from: { id: '7312345678901234', name: 'Ayşe Yılmaz' }, post_id: `${PAGE}_998877665544332`, created_time: 1772445598 };

function normalize(value: Record<string, unknown>) {
  return normalizeFeedChange(feedValueSchema.parse({ ...base, ...value }), context);
}

describe('normalizeFeedChange', () => {
  it.each([
    ['status', { item: 'status', verb: 'add', message: 'Hello' }, 'post', []],
    ['video', { item: 'video', verb: 'add', link: 'https://video.xx.fbcdn.net/v/clip.mp4', video_id: '55' }, 'post', [{ type: 'video', url: 'https://video.xx.fbcdn.net/v/clip.mp4' }]],
    ['share', { item: 'share', verb: 'add', link: 'https://acme.example/blog' }, 'post', [{ type: 'link', url: 'https://acme.example/blog' }]],
    ['multi-photo', { item: 'photo', verb: 'add', photos: ['https://x/1.jpg', 'https://x/2.jpg'] }, 'post', [{ type: 'image', url: 'https://x/1.jpg' }, { type: 'image', url: 'https://x/2.jpg' }]],
    ['comment with a video', { item: 'comment', verb: 'add', comment_id: '1_2', parent_id: `${PAGE}_998877665544332`, video: 'https://video.xx.fbcdn.net/v/answer.mp4' }, 'comment', [{ type: 'video', url: 'https://video.xx.fbcdn.net/v/answer.mp4' }]],
  ] as const)('reads a %s as a schema-valid %s', (_name, value, kind, attachments) => {
    const outcome = normalize(value);
    if (!('event' in outcome) || outcome.event.type !== 'interaction') throw new Error(JSON.stringify(outcome));
    const interaction = parseInteraction(outcome.event.interaction, { now: () => NOW });
    expect(interaction).toMatchObject({ kind, attachments, recipientId: PAGE, createdAt: '2026-03-02T09:59:58.000Z', conversationId: `facebook:${PAGE}_998877665544332` });
  });

  it('keys a reaction by target and person, defaults its type to like, and tombstones it on remove', () => {
    const like = normalize({ item: 'like', verb: 'add', comment_id: '1_2' });
    expect(like).toMatchObject({ event: { type: 'interaction', interaction: { nativeId: 'reaction:1_2:7312345678901234', parentId: '1_2', reaction: 'like', text: '' } } });
    expect(normalize({ item: 'reaction', verb: 'remove', reaction_type: 'wow' })).toEqual({
      event: { type: 'deletion', channel: 'facebook', nativeId: `reaction:${PAGE}_998877665544332:7312345678901234`, deletedAt: '2026-03-02T09:59:58.000Z' },
    });
  });

  it('marks edits with edited_time and ignores verbs and items the CRM does not store', () => {
    expect(normalize({ item: 'status', verb: 'edited', message: 'v2', edited_time: 1772445700 })).toMatchObject({ event: { interaction: { state: 'edited', editedAt: '2026-03-02T10:01:40.000Z', text: 'v2' } } });
    expect(normalize({ item: 'comment', verb: 'block', comment_id: '1_2' })).toMatchObject({ warning: { type: 'ignored', details: { item: 'comment', verb: 'block' } } });
    expect(normalize({ item: 'comment', verb: 'hide', comment_id: '1_2' })).toMatchObject({ warning: { type: 'other', details: { item: 'comment', verb: 'hide' } } });
    expect(normalize({ item: 'comment', verb: 'unhide', comment_id: '1_2' })).toMatchObject({ warning: { type: 'other', details: { item: 'comment', verb: 'unhide' } } });
    expect(normalize({ item: 'milestone', verb: 'add' })).toMatchObject({ warning: { type: 'ignored' } });
  });

  it('explains what is missing instead of guessing, and keeps an item whose author Meta leaves out', () => {
    expect(normalize({ item: 'comment', verb: 'add' })).toEqual({ error: '[facebook] The feed change is a comment without `comment_id`.' });
    expect(normalizeFeedChange(feedValueSchema.parse({ item: 'reaction', verb: 'add', post_id: '1_2' }), context)).toEqual({ error: '[facebook] The feed change is a reaction without `from`.' });
    expect(normalizeFeedChange(feedValueSchema.parse({ item: 'status', verb: 'add', post_id: '1_2' }), context)).toMatchObject({ event: { interaction: { author: { channel: 'facebook', nativeId: 'anonymous:1_2' } } } });
    expect(normalizeFeedChange(feedValueSchema.parse({ item: 'status', verb: 'add' }), context)).toEqual({ error: '[facebook] The feed change is a post without `post_id`.' });
  });
});

/**
 * Every Facebook Page payload of ../shared/data/channel-samples (bottender's `feed` captures, the
 * Dashboard's `feed` and `mention` samples), handled as its README describes. Each sample is one
 * `{field, value}` change, delivered in Meta's envelope. Skips when the folder is absent.
 */
import { expect } from 'vitest';
import { facebookAdapter } from 'social-crm/adapters/facebook';
import { describeSamples } from '../channel-samples.js';
import { deliverSample, expectIgnored, expectStored, metaEnvelope, SAMPLE_APP_SECRET, type SampleOutcome } from '../meta-samples.js';

const BOTTENDER_PAGE = '137542570280222';
const DASHBOARD_PAGE = '1067280970047460';
const USER = '139560936744123';

const deliver = (change: unknown, pageId: string): Promise<SampleOutcome> =>
  deliverSample(facebookAdapter({ appSecret: SAMPLE_APP_SECRET, verifyToken: 'samples-verify', accessToken: 'samples-token', pageId }), metaEnvelope('page', pageId, change));
const fromBottender = (change: unknown) => deliver(change, BOTTENDER_PAGE);

/** The one row a change left, public and attributed to bottender's user. */
async function oneRow(change: unknown) {
  const [row] = expectStored(await fromBottender(change), 1);
  expect(row!.visibility).toBe('public');
  expect(row!.author.nativeId).toBe(USER);
  return row!;
}

/** A removal of an item never seen: a tombstone that keeps a late copy out, and no text. */
const tombstone = (nativeId: string) => async (change: unknown) => {
  const [row] = expectStored(await fromBottender(change), 1);
  expect(row).toMatchObject({ nativeId, state: 'deleted', text: '' });
};

describeSamples(
  'bottender',
  {
    'feed-comment-add.json': async (change) => {
      const row = await oneRow(change);
      expect(row).toMatchObject({ kind: 'reply', nativeId: '139560936744456_139620233405726', parentId: '139560936744456_139562213411528', text: 'Good', conversationId: 'facebook:137542570280222_139560936744456' });
    },
    'feed-comment-edited.json': async (change) => {
      const row = await oneRow(change);
      expect(row).toMatchObject({ kind: 'comment', text: 'Great', state: 'edited' });
    },
    'feed-comment-remove.json': tombstone('139560936744456_139597043408045'),
    'feed-page-like-add.json': async (change) => {
      // Someone liked the Page: nothing to store, and nothing broken (was dead-lettered).
      expectIgnored(await fromBottender(change), /like of the Page itself/);
    },
    'feed-post-reaction.json': async (change) => {
      const row = await oneRow(change);
      expect(row).toMatchObject({ kind: 'reaction', reaction: 'like', parentId: '137542570280222_139560936744456', text: '' });
    },
    'feed-post-remove.json': tombstone('137542570280222_139610053406744'),
    'feed-reaction-add.json': async (change) => {
      const row = await oneRow(change);
      expect(row).toMatchObject({ kind: 'reaction', reaction: 'like', parentId: '139560936744456_139597090074707' });
    },
    'feed-reaction-edit.json': async (change) => {
      const row = await oneRow(change);
      expect(row).toMatchObject({ kind: 'reaction', reaction: 'sad', state: 'edited' });
    },
    'feed-reaction-remove.json': tombstone(`reaction:139560936744456_139597090074707:${USER}`),
    'feed-status-add.json': async (change) => {
      const row = await oneRow(change);
      expect(row).toMatchObject({ kind: 'post', direction: 'inbound', text: 'test', nativeId: '137542570280222_139610053406744' });
      expect(row.customerId).toBeTruthy();
    },
  },
  /^feed-/,
);

describeSamples(
  'meta-dashboard',
  {
    'page-feed-status.json': async (change) => {
      // Posted by the Page itself: the brand's own, outbound, without a customer.
      const [row] = expectStored(await deliver(change, DASHBOARD_PAGE), 1);
      expect(row).toMatchObject({ kind: 'post', direction: 'outbound', text: 'Example post content.', author: { nativeId: DASHBOARD_PAGE, isBrand: true } });
      expect(row!.customerId).toBeUndefined();
    },
    'page-mention.json': async (change) => {
      // The Page @mentioned in someone's post: stored as a mention (was not stored at all).
      const [row] = expectStored(await deliver(change, DASHBOARD_PAGE), 1);
      expect(row).toMatchObject({ kind: 'mention', nativeId: '44444444_444444444', direction: 'inbound', visibility: 'public', author: { nativeId: '44444444', displayName: 'Example Name' } });
      expect(row!.channelMetadata.facebook).toMatchObject({ field: 'mention', item: 'post' });
      expect(row!.customerId).toBeTruthy();
    },
  },
  /^page-/,
);

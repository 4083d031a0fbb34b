import type { InteractionInput, JSONObject } from 'social-crm/adapter-kit';
import { STAR_RATINGS, type Review } from './gbp-schemas.js';

/** `accounts/1/locations/2/reviews/3` → `accounts/1/locations/2`. */
export function locationOf(reviewName: string): string {
  return reviewName.replace(/\/reviews\/[^/]+$/, '');
}

/** The native id of one version of the owner's reply: Google keeps one reply per review and overwrites it. */
export function replyNativeId(reviewName: string, updateTime: string): string {
  return `${reviewName}/reply@${new Date(updateTime).toISOString()}`;
}

/**
 * Google shows reviews in the reader's language: a translated comment reads
 * `(Translated by Google) <translation>\n\n(Original)\n<original>`. Keeps the original as the text.
 */
export function splitTranslation(comment: string): { text: string; translation?: string } {
  const match = /^\(Translated by Google\)\s*([\s\S]*?)\s*\(Original\)\s*([\s\S]*)$/.exec(comment.trim());
  return match ? { text: match[2]!.trim(), translation: match[1]!.trim() } : { text: comment };
}

/**
 * A review as interactions: the review itself (`kind: 'review'`, the star rating in
 * `channelMetadata`), and the owner's reply when there is one (`outbound`, one record per version).
 * One review is one conversation. Reviewers have no stable id in the API, so each review's author
 * is its own identity (`reviewer:<review id>`) with the name and photo Google shows.
 */
export function normalizeReview(review: Review, channel: string, source: 'poll' | 'push'): InteractionInput[] {
  const reviewId = review.reviewId ?? review.name.split('/').at(-1)!;
  const location = locationOf(review.name);
  const rating = review.starRating && review.starRating !== 'STAR_RATING_UNSPECIFIED' ? STAR_RATINGS[review.starRating] : undefined;
  const { text, translation } = splitTranslation(review.comment ?? '');
  const anonymous = review.reviewer?.isAnonymous === true;
  const updatedAt = review.updateTime ? Date.parse(review.updateTime) : Number.NaN;
  const createdAt = Date.parse(review.createTime);
  // `updateTime` also moves when the owner replies; only a later change of its own is an edit.
  const editedByReviewer = Number.isFinite(updatedAt) && updatedAt - createdAt > 1000 && review.reviewReply?.updateTime !== review.updateTime;
  const metadata: JSONObject = {
    source,
    reviewId,
    locationName: location,
    ...(review.starRating ? { starRating: review.starRating } : {}),
    ...(rating !== undefined ? { rating } : {}),
    ...(translation ? { translation } : {}),
    ...(review.reviewMediaItems?.length ? { mediaItems: review.reviewMediaItems.length } : {}),
    ...(review.reviewReply ? { replied: true } : {}),
  };
  const items: InteractionInput[] = [
    {
      channel,
      nativeId: review.name,
      kind: 'review',
      direction: 'inbound',
      visibility: 'public',
      author: {
        channel,
        nativeId: `reviewer:${reviewId}`,
        ...(!anonymous && review.reviewer?.displayName ? { displayName: review.reviewer.displayName } : { displayName: 'Anonymous' }),
        ...(!anonymous && review.reviewer?.profilePhotoUrl ? { avatarUrl: review.reviewer.profilePhotoUrl } : {}),
      },
      conversationId: review.name,
      recipientId: location,
      text,
      createdAt: review.createTime,
      ...(editedByReviewer ? { state: 'edited' as const, editedAt: review.updateTime! } : {}),
      channelMetadata: { [channel]: metadata },
      raw: review as unknown as JSONObject,
    },
  ];
  if (review.reviewReply) {
    items.push({
      channel,
      nativeId: replyNativeId(review.name, review.reviewReply.updateTime),
      kind: 'reply',
      direction: 'outbound',
      visibility: 'public',
      author: { channel, nativeId: location, isBrand: true },
      conversationId: review.name,
      parentId: review.name,
      recipientId: `reviewer:${reviewId}`,
      text: review.reviewReply.comment,
      createdAt: review.reviewReply.updateTime,
      channelMetadata: { [channel]: { source, reviewName: review.name } },
    });
  }
  return items;
}

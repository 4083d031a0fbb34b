import * as z from 'zod';

export const STAR_RATINGS = { ONE: 1, TWO: 2, THREE: 3, FOUR: 4, FIVE: 5 } as const;

/** `ReviewReply`: the owner's one answer to a review. */
export const reviewReplySchema = z.looseObject({
  comment: z.string(),
  updateTime: z.string(),
});

/** `accounts.locations.reviews` resource (v4). */
export const reviewSchema = z.looseObject({
  name: z.string().regex(/^accounts\/[^/]+\/locations\/[^/]+\/reviews\/[^/]+$/, 'expected accounts/{a}/locations/{l}/reviews/{r}'),
  reviewId: z.string().optional(),
  reviewer: z
    .looseObject({
      profilePhotoUrl: z.string().optional(),
      displayName: z.string().optional(),
      isAnonymous: z.boolean().optional(),
    })
    .optional(),
  starRating: z.enum(['STAR_RATING_UNSPECIFIED', 'ONE', 'TWO', 'THREE', 'FOUR', 'FIVE']).optional(),
  comment: z.string().optional(),
  createTime: z.string(),
  updateTime: z.string().optional(),
  reviewReply: reviewReplySchema.optional(),
  reviewMediaItems: z.array(z.unknown()).optional(),
});
export type Review = z.output<typeof reviewSchema>;

/** `reviews.list` answer. */
export const reviewListSchema = z.looseObject({
  reviews: z.array(z.unknown()).optional(),
  averageRating: z.number().optional(),
  totalReviewCount: z.number().optional(),
  nextPageToken: z.string().optional(),
});

/** A Pub/Sub push request body. */
export const pushEnvelopeSchema = z.looseObject({
  message: z.looseObject({
    data: z.string().optional(),
    attributes: z.record(z.string(), z.string()).optional(),
    messageId: z.string().optional(),
    message_id: z.string().optional(),
    publishTime: z.string().optional(),
  }),
  subscription: z.string().optional(),
});

/**
 * The notification inside `message.data`. The v4 reference names the fields `reviewName` and
 * `locationName`, the Notifications API v1 `review_name` and `location_name`; both are read.
 */
export const notificationSchema = z
  .looseObject({
    type: z.string().optional(),
    notificationType: z.string().optional(),
    reviewName: z.string().optional(),
    review_name: z.string().optional(),
    locationName: z.string().optional(),
    location_name: z.string().optional(),
  })
  .transform((value) => ({
    type: value.notificationType ?? value.type,
    reviewName: value.reviewName ?? value.review_name,
    locationName: value.locationName ?? value.location_name,
  }));

/** Google's error envelope: `{ error: { code, message, status, details[] } }`. */
export const googleErrorSchema = z.looseObject({
  error: z.looseObject({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    details: z.array(z.looseObject({ '@type': z.string().optional(), retryDelay: z.string().optional() })).optional(),
  }),
});

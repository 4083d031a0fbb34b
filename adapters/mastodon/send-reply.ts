import * as z from 'zod';
import { InvalidPayloadError, parseChannelOptions, toChannelApiError, type AdapterContext, type AdapterWarning, type OutboundReply, type SendResult } from 'social-crm/adapter-kit';
import { readMastodonError } from './mastodon-errors.js';
import { mastodonStatusSchema } from './mastodon-schemas.js';

/** Per-call options under `channelOptions.<adapter id>` of `crm.reply()`. */
const replyOptionsSchema = z.object({
  /** Overrides the visibility mirrored from the status answered. */
  visibility: z.enum(['public', 'unlisted', 'private', 'direct']).optional(),
  /** Content warning shown before the text. */
  spoilerText: z.string().max(500).optional(),
  /** ISO 639-1 language of the reply. */
  language: z.string().regex(/^[a-z]{2}$/, 'Use an ISO 639-1 code such as `tr`.').optional(),
  sensitive: z.boolean().optional(),
  /** Start the text with the author's `@user@host` (unless it already names them), so they are notified. @default true */
  mention: z.boolean().default(true),
});

/** What {@link sendMastodonReply} needs from the adapter. */
export interface SendReplySettings {
  adapterId: string;
  instanceUrl: string;
  accessToken: string;
}

type MastodonVisibility = 'public' | 'unlisted' | 'private' | 'direct';

function mirroredVisibility(reply: OutboundReply, metadata: Record<string, unknown>): MastodonVisibility {
  if (reply.visibility === 'private') return 'direct';
  const original = metadata.visibility;
  if (original === 'direct' && reply.visibility === 'public') return 'public';
  return original === 'unlisted' || original === 'private' || original === 'direct' ? original : 'public';
}

/**
 * Answers a status with `POST /api/v1/statuses` (`in_reply_to_id`, the mirrored visibility, and
 * `Idempotency-Key` set to the reply's key, so a retried call never posts twice within the hour
 * Mastodon keeps keys). A private reply is a `direct` status: a private mention.
 */
export async function sendMastodonReply(reply: OutboundReply, context: AdapterContext, settings: SendReplySettings): Promise<SendResult> {
  const { adapterId } = settings;
  const replyOptions = parseChannelOptions(adapterId, replyOptionsSchema, reply.channelOptions);
  const target = reply.inReplyTo;
  const metadata = (target.channelMetadata[adapterId] as Record<string, unknown> | undefined) ?? {};
  const warnings: AdapterWarning[] = [];
  if (reply.attachments.length) {
    warnings.push({ type: 'unsupported', message: 'Attachments are not sent: Mastodon needs a separate media upload; the text was sent alone.', details: { count: reply.attachments.length } });
  }
  const acct = typeof metadata.authorAcct === 'string' ? metadata.authorAcct : reply.recipient.handle;
  const named = acct !== undefined && new RegExp(`(^|\\s)@${acct.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w@.-])`, 'i').test(reply.text);
  const text = replyOptions.mention && acct && !named ? `@${acct} ${reply.text}` : reply.text;
  // Reactions point at the brand's own status; the answer goes to the person, under that status.
  const inReplyToId = target.kind === 'reaction' ? target.parentId : target.nativeId;
  const status = await postStatus(context, settings, reply.idempotencyKey, {
    status: text,
    ...(inReplyToId ? { in_reply_to_id: inReplyToId } : {}),
    visibility: replyOptions.visibility ?? mirroredVisibility(reply, metadata),
    ...(replyOptions.spoilerText ? { spoiler_text: replyOptions.spoilerText } : {}),
    ...(replyOptions.language ? { language: replyOptions.language } : {}),
    ...(replyOptions.sensitive !== undefined ? { sensitive: replyOptions.sensitive } : {}),
  });
  return {
    nativeId: status.id,
    createdAt: status.created_at,
    url: status.url ?? status.uri,
    channelMetadata: { statusUri: status.uri, visibility: status.visibility },
    warnings,
  };
}

/**
 * `POST /api/v1/statuses` with the call's idempotency key as `Idempotency-Key` (the server answers
 * a repeated key with the status it already made), read back as a Status: shared by replies and
 * posts.
 */
export async function postStatus(context: AdapterContext, settings: { adapterId: string; instanceUrl: string; accessToken: string }, idempotencyKey: string, json: Record<string, unknown>): Promise<z.output<typeof mastodonStatusSchema>> {
  const { adapterId } = settings;
  const url = `${settings.instanceUrl}/api/v1/statuses`;
  let body: unknown;
  try {
    body = await context.http
      .post(url, {
        headers: { authorization: `Bearer ${settings.accessToken}`, 'idempotency-key': idempotencyKey },
        json,
        ...(context.signal ? { signal: context.signal } : {}),
      })
      .json();
  } catch (error) {
    throw await toChannelApiError(adapterId, error, readMastodonError);
  }
  const status = mastodonStatusSchema.safeParse(body);
  if (!status.success) throw new InvalidPayloadError(`[${adapterId}] POST ${url} answered a body that is not a Status.`);
  return status.data;
}

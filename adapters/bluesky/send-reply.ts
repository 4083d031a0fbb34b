import * as z from 'zod';
import {
  InvalidOptionsError,
  InvalidPayloadError,
  ReplyNotAllowedError,
  parseChannelOptions,
  type AdapterContext,
  type AdapterWarning,
  type OutboundReply,
  type SendResult,
} from 'social-crm/adapter-kit';
import { postUrl } from './normalize.js';
import { createRecordOutputSchema, strongRefSchema, type BlueskySession, type StrongRef } from './bluesky-schemas.js';

/** Longest post text: 300 graphemes and 3000 UTF-8 bytes (`app.bsky.feed.post`). */
export const MAX_POST_GRAPHEMES = 300;
export const MAX_POST_BYTES = 3000;

/** Per-call options under `channelOptions.<adapter id>` of `crm.reply()`. */
const replyOptionsSchema = z.object({
  /** Languages of the reply (BCP-47, at most 3). @default the languages of the post answered */
  langs: z.array(z.string().min(2)).max(3).optional(),
});

/** What {@link sendBlueskyReply} needs from the adapter. */
export interface SendReplySettings {
  adapterId: string;
  /** Runs the call with the session, refreshing it once if it expired. */
  withSession<Result>(send: (session: BlueskySession) => Promise<Result>): Promise<Result>;
  service: string;
}

const encoder = new TextEncoder();
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

function byteLength(text: string): number {
  return encoder.encode(text).length;
}

type ReplyFacet = { index: { byteStart: number; byteEnd: number }; features: Array<Record<string, string>> };

/**
 * Rich-text facets for the reply: web links, and the author's own `@handle` (the one account whose
 * DID is known without a lookup). Offsets are UTF-8 bytes, as the lexicon requires.
 */
export function replyFacets(text: string, author: { did: string; handle?: string }): ReplyFacet[] {
  const facets: ReplyFacet[] = [];
  const at = (index: number) => byteLength(text.slice(0, index));
  for (const match of text.matchAll(/https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]]/g)) {
    facets.push({ index: { byteStart: at(match.index), byteEnd: at(match.index + match[0].length) }, features: [{ $type: 'app.bsky.richtext.facet#link', uri: match[0] }] });
  }
  if (author.handle) {
    const escaped = author.handle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const match of text.matchAll(new RegExp(`(?<![\\w@])@${escaped}(?![\\w.-])`, 'gi'))) {
      facets.push({ index: { byteStart: at(match.index), byteEnd: at(match.index + match[0].length) }, features: [{ $type: 'app.bsky.richtext.facet#mention', did: author.did }] });
    }
  }
  return facets.sort((a, b) => a.index.byteStart - b.index.byteStart);
}

/**
 * Answers a post with `com.atproto.repo.createRecord`: an `app.bsky.feed.post` whose `reply` holds
 * strong refs (URI + CID) to the thread's root and to the post answered. The root is the parent's
 * own root when the parent is itself a reply, otherwise the parent.
 */
export async function sendBlueskyReply(reply: OutboundReply, context: AdapterContext, settings: SendReplySettings): Promise<SendResult> {
  const { adapterId } = settings;
  const target = reply.inReplyTo;
  const metadata = (target.channelMetadata[adapterId] as Record<string, unknown> | undefined) ?? {};
  const parentCid = typeof metadata.cid === 'string' ? metadata.cid : undefined;
  if (!parentCid || !target.nativeId.startsWith('at://')) {
    throw new ReplyNotAllowedError('not-replyable', `[${adapterId}] \`${target.id}\` has no content id (CID) in channelMetadata.${adapterId}.cid; Bluesky needs one to answer a post.`);
  }
  const parent: StrongRef = { uri: target.nativeId, cid: parentCid };
  const storedRoot = strongRefSchema.safeParse(metadata.root);
  const root = storedRoot.success ? storedRoot.data : parent;
  const replyOptions = parseChannelOptions(adapterId, replyOptionsSchema, reply.channelOptions);
  const text = reply.text;
  const graphemes = [...segmenter.segment(text)].length;
  if (!text.trim()) throw new InvalidOptionsError(`[${adapterId}] A Bluesky reply needs text.`, [{ path: 'text', message: 'Must not be empty.' }]);
  if (graphemes > MAX_POST_GRAPHEMES || byteLength(text) > MAX_POST_BYTES) {
    throw new InvalidOptionsError(`[${adapterId}] A Bluesky post holds ${MAX_POST_GRAPHEMES} characters (${MAX_POST_BYTES} bytes); this one has ${graphemes} (${byteLength(text)} bytes).`, [
      { path: 'text', message: 'Too long.' },
    ]);
  }
  const warnings: AdapterWarning[] = [];
  if (reply.attachments.length) {
    warnings.push({ type: 'unsupported', message: 'Attachments are not sent: Bluesky needs a separate blob upload; the text was sent alone.', details: { count: reply.attachments.length } });
  }
  const storedLangs = Array.isArray(metadata.langs) ? metadata.langs.filter((lang): lang is string => typeof lang === 'string').slice(0, 3) : undefined;
  const langs = replyOptions.langs ?? (storedLangs?.length ? storedLangs : undefined);
  const facets = replyFacets(text, { did: reply.recipient.nativeId, ...(reply.recipient.handle ? { handle: reply.recipient.handle } : {}) });
  const createdAt = context.now().toISOString();
  const url = `${settings.service}/xrpc/com.atproto.repo.createRecord`;
  const body = await settings.withSession((session) =>
    context.http
      .post(url, {
        headers: { authorization: `Bearer ${session.accessJwt}` },
        json: {
          repo: session.did,
          collection: 'app.bsky.feed.post',
          record: {
            $type: 'app.bsky.feed.post',
            text,
            createdAt,
            reply: { root, parent },
            ...(langs ? { langs } : {}),
            ...(facets.length ? { facets } : {}),
          },
        },
        ...(context.signal ? { signal: context.signal } : {}),
      })
      .json<unknown>()
      .then((answer) => ({ answer, session })),
  );
  const created = readCreatedRecord(adapterId, url, body.answer, body.session);
  return {
    nativeId: created.uri,
    createdAt,
    url: created.url,
    channelMetadata: { cid: created.cid, root, parent, ...(langs ? { langs } : {}) },
    warnings,
  };
}

/** The record `createRecord` answered, with the post's web address; a body without uri and cid is refused. */
export function readCreatedRecord(adapterId: string, url: string, answer: unknown, session: Pick<BlueskySession, 'handle' | 'did'>): { uri: string; cid: string; url: string } {
  const created = createRecordOutputSchema.safeParse(answer);
  if (!created.success) throw new InvalidPayloadError(`[${adapterId}] POST ${url} answered a body without the new record's uri and cid.`);
  return { uri: created.data.uri, cid: created.data.cid, url: postUrl(created.data.uri, session.handle || session.did) };
}

import type { Attachment, ChannelIdentityInput, InteractionInput, InteractionKind } from 'social-crm/adapter-kit';
import { compactJson } from '../_shared/polling/index.js';
import { embedSchema, strongRefSchema, type BlueskyNotification, type Embed, type Facet, type PostRecord, type ProfileView, type StrongRef } from './bluesky-schemas.js';

/** What the normaliser needs to know about the adapter. */
export interface NormalizeContext {
  /** The adapter id, used as `channel`. */
  channel: string;
  /** The PDS (or entryway) base URL, for blob links. */
  service: string;
  /** The brand account's DID. */
  brandDid: string;
}

/** The record key of an AT-URI (`at://<did>/<collection>/<rkey>`). */
export function recordKey(uri: string): string {
  return uri.slice(uri.lastIndexOf('/') + 1);
}

/** The post's page on bsky.app. */
export function postUrl(uri: string, handleOrDid: string): string {
  return `https://bsky.app/profile/${handleOrDid}/post/${recordKey(uri)}`;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The text a facet covers: facets index UTF-8 bytes, not UTF-16 code units. */
export function facetText(text: string, facet: Facet): string {
  const bytes = encoder.encode(text);
  return decoder.decode(bytes.slice(facet.index.byteStart, facet.index.byteEnd));
}

export function identityOf(author: ProfileView, context: NormalizeContext): ChannelIdentityInput {
  const handle = author.handle && author.handle !== 'handle.invalid' ? author.handle : undefined;
  return {
    channel: context.channel,
    // The DID is permanent; the handle is a domain the person may change.
    nativeId: author.did,
    ...(handle ? { handle } : {}),
    ...(author.displayName ? { displayName: author.displayName } : {}),
    ...(author.avatar ? { avatarUrl: author.avatar } : {}),
    profileUrl: `https://bsky.app/profile/${handle ?? author.did}`,
    ...(author.did === context.brandDid ? { isBrand: true } : {}),
  };
}

/** The quoted post of a record or record-with-media embed. */
function quotedRef(embed: Embed | undefined): StrongRef | undefined {
  if (!embed) return undefined;
  const direct = strongRefSchema.safeParse(embed.record);
  if (direct.success) return direct.data;
  const nested = strongRefSchema.safeParse((embed.record as { record?: unknown } | undefined)?.record);
  return nested.success ? nested.data : undefined;
}

function embedAttachments(embed: Embed | undefined, authorDid: string, context: NormalizeContext): Attachment[] {
  if (!embed) return [];
  const media = embedSchema.safeParse(embed.media);
  const source = media.success ? media.data : embed;
  const attachments: Attachment[] = [];
  for (const image of source.images ?? []) {
    const cid = image.image.ref?.$link;
    if (!cid) continue;
    attachments.push({
      type: 'image',
      url: `${context.service}/xrpc/com.atproto.sync.getBlob?did=${encodeURIComponent(authorDid)}&cid=${encodeURIComponent(cid)}`,
      ...(image.image.mimeType ? { mimeType: image.image.mimeType } : {}),
      ...(image.alt ? { caption: image.alt } : {}),
      data: { cid },
    });
  }
  if (source.external) attachments.push({ type: 'link', url: source.external.uri, ...(source.external.title ? { caption: source.external.title } : {}) });
  return attachments;
}

function kindOf(reason: string, record: PostRecord): InteractionKind {
  if (reason === 'quote') return 'mention';
  return record.reply ? 'reply' : 'mention';
}

/** A `mention`, `reply` or `quote` notification with its post record → canonical interaction. */
export function normalizePostNotification(notification: BlueskyNotification, record: PostRecord, context: NormalizeContext): InteractionInput {
  const author = notification.author;
  const facets = record.facets ?? [];
  const mentions: string[] = [];
  const hashtags: string[] = [];
  const links: Attachment[] = [];
  for (const facet of facets) {
    for (const feature of facet.features) {
      if (feature.$type === 'app.bsky.richtext.facet#mention') mentions.push(facetText(record.text, facet).replace(/^@/, ''));
      else if (feature.$type === 'app.bsky.richtext.facet#tag' && feature.tag) hashtags.push(feature.tag.toLowerCase());
      else if (feature.$type === 'app.bsky.richtext.facet#link' && feature.uri) links.push({ type: 'link', url: feature.uri });
    }
  }
  const quoted = quotedRef(record.embed);
  const self = { uri: notification.uri, cid: notification.cid };
  return {
    channel: context.channel,
    nativeId: notification.uri,
    kind: kindOf(notification.reason, record),
    visibility: 'public',
    author: identityOf(author, context),
    conversationId: record.reply?.root.uri ?? notification.uri,
    ...(record.reply ? { parentId: record.reply.parent.uri } : {}),
    recipientId: context.brandDid,
    text: record.text,
    ...(record.langs?.[0] ? { language: record.langs[0] } : {}),
    createdAt: record.createdAt,
    url: postUrl(notification.uri, author.handle || author.did),
    attachments: [...embedAttachments(record.embed, author.did, context), ...links],
    ...(hashtags.length ? { hashtags } : {}),
    ...(mentions.length ? { mentions } : {}),
    channelMetadata: {
      [context.channel]: compactJson({
        cid: notification.cid,
        reason: notification.reason,
        reasonSubject: notification.reasonSubject,
        indexedAt: notification.indexedAt,
        // Strong refs a reply needs: its thread's root, and this post as parent.
        root: record.reply ? { uri: record.reply.root.uri, cid: record.reply.root.cid } : self,
        parent: record.reply ? { uri: record.reply.parent.uri, cid: record.reply.parent.cid } : undefined,
        quotedUri: quoted?.uri,
        quotedCid: quoted?.cid,
        langs: record.langs,
      }),
    },
    raw: notification,
  };
}

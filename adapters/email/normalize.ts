import {
  sha256Hex,
  type Attachment,
  type InteractionInput,
  type JSONObject,
} from 'social-crm/adapter-kit';
import { parseMailbox, parseMailboxList, parseMessageIds, type Mailbox } from './addresses.js';
import { readHeaders, readStoredAttachments, type PostedFile, type StoredAttachment } from './mailgun-form.js';
import { stripQuotedText } from './strip-quotes.js';

/** What the normaliser needs from the adapter's settings. */
export interface NormalizeSettings {
  channel: string;
  /** Lower-cased addresses of the brand: mail from them is `outbound`. */
  brandAddresses: ReadonlySet<string>;
}

/** The result of reading one inbound message. */
export interface NormalizedEmail {
  interaction: InteractionInput;
  /** Files that arrived too large to keep inline (their bytes are not stored). */
  droppedFiles: PostedFile[];
  /** Why the `attachments` list of a stored message could not be read, if it could not. */
  attachmentsProblem?: string;
}

const SIGNATURE_FIELDS = new Set(['signature', 'token', 'timestamp', 'parent-signature']);

function attachmentType(mimeType: string | undefined): Attachment['type'] {
  const top = mimeType?.split('/')[0]?.toLowerCase();
  return top === 'image' || top === 'video' || top === 'audio' ? top : 'file';
}

/** `content-id-map`: `{"<cid>": "attachment-1"}` → field name → content id. */
function contentIds(fields: Map<string, string>): Map<string, string> {
  const map = new Map<string, string>();
  const raw = fields.get('content-id-map');
  if (!raw) return map;
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (parsed && typeof parsed === 'object') {
      for (const [cid, field] of Object.entries(parsed as Record<string, unknown>)) {
        if (typeof field === 'string') map.set(field, cid.replace(/^<|>$/g, ''));
      }
    }
  } catch {
    // Without the map the files are still kept; they are only not marked inline.
  }
  return map;
}

function postedAttachment(file: PostedFile, contentId: string | undefined): Attachment {
  return {
    type: attachmentType(file.mimeType),
    name: file.name,
    mimeType: file.mimeType,
    data: {
      size: file.size,
      sha256: file.sha256,
      ...(file.base64 !== undefined ? { base64: file.base64 } : { bytesKept: false }),
      ...(contentId ? { contentId } : {}),
    },
  };
}

function storedAttachment(file: StoredAttachment): Attachment {
  const mimeType = file['content-type'];
  return {
    type: attachmentType(mimeType),
    url: file.url,
    ...(file.name ? { name: file.name } : {}),
    ...(mimeType ? { mimeType } : {}),
    data: { ...(file.size !== undefined ? { size: file.size } : {}), mailgunStored: true },
  };
}

/** Text of an HTML body, for messages that come without a plain-text part. */
function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h\d)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

function createdAt(headers: Map<string, string>, fields: Map<string, string>, now: Date): string {
  const date = Date.parse(headers.get('date') ?? '');
  if (Number.isFinite(date)) return new Date(date).toISOString();
  const timestamp = Number(fields.get('timestamp'));
  return Number.isFinite(timestamp) && timestamp > 0 ? new Date(timestamp * 1000).toISOString() : now.toISOString();
}

/**
 * Turns one Mailgun inbound POST into an `email` interaction: the sender's address becomes the
 * identity (with its e-mail), the thread is the first `References` id (else `In-Reply-To`, else
 * the message's own id), the parent is `In-Reply-To`, and the text is the body without the quoted
 * history and the signature.
 * @throws Error when the message names no sender address.
 */
export async function normalizeEmail(fields: Map<string, string>, files: PostedFile[], settings: NormalizeSettings, now: Date): Promise<NormalizedEmail> {
  const headers = readHeaders(fields);
  const from: Mailbox | undefined = parseMailbox(fields.get('from') ?? headers.get('from')) ?? parseMailbox(fields.get('sender'));
  if (!from) throw new Error('The message has no sender address (`from` and `sender` are empty or unreadable).');
  const subject = fields.get('subject') ?? headers.get('subject') ?? '';
  const bodyPlain = fields.get('body-plain') ?? '';
  const source = bodyPlain.trim() ? bodyPlain : (fields.get('stripped-text') ?? htmlToText(fields.get('body-html') ?? ''));
  const stripped = stripQuotedText(source);
  const inReplyTo = parseMessageIds(headers.get('in-reply-to'))[0];
  const references = parseMessageIds(headers.get('references'));
  const at = createdAt(headers, fields, now);
  // A message without Message-Id (rare, but Mailgun posts what it got) still needs a stable id, so
  // a retried POST is stored once: a digest of what identifies the message.
  const messageId =
    parseMessageIds(headers.get('message-id'))[0] ??
    `${(await sha256Hex(new TextEncoder().encode([from.address, at, subject, bodyPlain].join('\n')))).slice(0, 32)}@social-crm.invalid`;
  const recipient = parseMailbox(fields.get('recipient'))?.address;
  const ids = contentIds(fields);
  const keptFiles = files.filter((file) => file.base64 !== undefined);
  const droppedFiles = files.filter((file) => file.base64 === undefined);
  const stored = readStoredAttachments(fields);
  const attachments = [...files.map((file) => postedAttachment(file, ids.get(file.field))), ...stored.attachments.map(storedAttachment)];
  const autoSubmitted = headers.get('auto-submitted');
  const precedence = headers.get('precedence')?.toLowerCase();
  const metadata: JSONObject = {
    provider: 'mailgun',
    messageId,
    subject,
    references,
    ...(inReplyTo ? { inReplyTo } : {}),
    ...(recipient ? { recipient } : {}),
    to: parseMailboxList(fields.get('To') ?? headers.get('to') ?? '').map((mailbox) => mailbox.address),
    cc: parseMailboxList(fields.get('Cc') ?? headers.get('cc') ?? '').map((mailbox) => mailbox.address),
    ...(headers.get('reply-to') ? { replyTo: headers.get('reply-to')! } : {}),
    ...(fields.get('sender') ? { envelopeSender: fields.get('sender')!.toLowerCase() } : {}),
    ...(stripped.quoted ? { quotedText: true } : {}),
    ...(stripped.signature ? { signature: stripped.signature } : {}),
    ...((autoSubmitted && autoSubmitted.toLowerCase() !== 'no') || precedence === 'auto_reply' || precedence === 'bulk' ? { autoSubmitted: autoSubmitted ?? precedence! } : {}),
    ...(fields.get('message-url') ? { messageUrl: fields.get('message-url')! } : {}),
    ...(keptFiles.length !== files.length ? { droppedAttachmentBytes: droppedFiles.map((file) => file.name) } : {}),
  };
  const raw: Record<string, string> = {};
  for (const [key, value] of fields) if (!SIGNATURE_FIELDS.has(key)) raw[key] = value;
  const interaction: InteractionInput = {
    channel: settings.channel,
    nativeId: messageId,
    kind: 'email',
    direction: 'inbound',
    visibility: 'private',
    author: {
      channel: settings.channel,
      nativeId: from.address,
      email: from.address,
      ...(from.name ? { displayName: from.name } : {}),
      ...(settings.brandAddresses.has(from.address) ? { isBrand: true } : {}),
    },
    conversationId: references[0] ?? inReplyTo ?? messageId,
    ...(inReplyTo ?? references.at(-1) ? { parentId: (inReplyTo ?? references.at(-1))! } : {}),
    ...(recipient ? { recipientId: recipient } : {}),
    text: stripped.text,
    createdAt: at,
    attachments,
    channelMetadata: { [settings.channel]: metadata },
    raw,
  };
  return { interaction, droppedFiles, ...(stored.problem ? { attachmentsProblem: stored.problem } : {}) };
}

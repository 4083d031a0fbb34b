import {
  InvalidPayloadError,
  sha256Hex,
  toBase64,
} from 'social-crm/adapter-kit';
import * as z from 'zod';

/** A file Mailgun posted with the message (`attachment-1` … `attachment-N`). */
export interface PostedFile {
  field: string;
  name: string;
  mimeType: string;
  size: number;
  sha256: string;
  /** Base64 of the bytes, when at most `maxInlineBytes`. */
  base64?: string;
}

/** A Mailgun inbound POST: its text fields and its files. */
export interface MailgunForm {
  fields: Map<string, string>;
  files: PostedFile[];
}

/**
 * Reads the form Mailgun posts for a route's `forward()` (urlencoded, or multipart with files) or
 * `store(notify=…)`. Files up to `maxInlineBytes` keep their bytes (base64); larger ones keep only
 * their name, type, size and SHA-256.
 */
export async function readMailgunForm(body: Uint8Array, contentType: string, maxInlineBytes: number): Promise<MailgunForm> {
  let form: FormData;
  try {
    form = await new Response(body as BodyInit, { headers: { 'content-type': contentType } }).formData();
  } catch (error) {
    throw new InvalidPayloadError(`The body is not a readable form (${contentType.split(';')[0]}): ${(error as Error).message}`, { cause: error });
  }
  const fields = new Map<string, string>();
  const files: PostedFile[] = [];
  for (const [field, value] of form.entries()) {
    if (typeof value === 'string') {
      fields.set(field, value);
      continue;
    }
    const bytes = new Uint8Array(await value.arrayBuffer());
    files.push({
      field,
      name: value.name || field,
      mimeType: value.type || 'application/octet-stream',
      size: bytes.byteLength,
      sha256: await sha256Hex(bytes),
      ...(bytes.byteLength <= maxInlineBytes ? { base64: toBase64(bytes) } : {}),
    });
  }
  return { fields, files };
}

const headerPairsSchema = z.array(z.tuple([z.string(), z.string()]).rest(z.unknown()));

/**
 * The message's MIME headers, from `message-headers` (a JSON list of `[name, value]` pairs, in
 * order), falling back to the top-level fields Mailgun also posts (`Message-Id`, `In-Reply-To` …).
 * Names are lower-cased; the first occurrence wins.
 */
export function readHeaders(fields: Map<string, string>): Map<string, string> {
  const headers = new Map<string, string>();
  const raw = fields.get('message-headers');
  if (raw) {
    try {
      const pairs = headerPairsSchema.safeParse(JSON.parse(raw));
      if (pairs.success) for (const [name, value] of pairs.data) if (!headers.has(name.toLowerCase())) headers.set(name.toLowerCase(), value);
    } catch {
      // Unreadable `message-headers`: the top-level fields below still carry the threading headers.
    }
  }
  for (const name of ['Message-Id', 'In-Reply-To', 'References', 'Date', 'From', 'To', 'Cc', 'Subject', 'Reply-To']) {
    const value = fields.get(name) ?? fields.get(name.toLowerCase());
    if (value !== undefined && !headers.has(name.toLowerCase())) headers.set(name.toLowerCase(), value);
  }
  return headers;
}

/** One file of a stored message (`store(notify=…)`): Mailgun keeps it behind an authenticated URL for 3 days. */
export const storedAttachmentSchema = z.looseObject({
  url: z.string().url(),
  'content-type': z.string().optional(),
  name: z.string().optional(),
  size: z.number().int().nonnegative().optional(),
});
export type StoredAttachment = z.output<typeof storedAttachmentSchema>;

/** The `attachments` field of a stored-message notification, or `[]`. */
export function readStoredAttachments(fields: Map<string, string>): { attachments: StoredAttachment[]; problem?: string } {
  const raw = fields.get('attachments');
  if (!raw) return { attachments: [] };
  try {
    const parsed = z.array(storedAttachmentSchema).safeParse(JSON.parse(raw));
    return parsed.success ? { attachments: parsed.data } : { attachments: [], problem: parsed.error.issues[0]?.message ?? 'invalid' };
  } catch (error) {
    return { attachments: [], problem: (error as Error).message };
  }
}

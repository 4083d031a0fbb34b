/**
 * A hand-written reading of the canonical interaction shape, for the inputs adapters and hosts
 * send most: it returns what `interactionSchema.safeParse` would (defaults filled, unknown keys
 * dropped, dates as ISO-8601, keys in the schema's order), several times faster and with far
 * fewer allocations. Whenever it cannot vouch for an input (anything invalid, a `classification`,
 * an object with another prototype, a record with symbol keys ...) it answers `undefined` and zod
 * decides, so every error message stays zod's. Tests hold it to the schema on generated inputs.
 *
 * @internal
 * @module
 */

/** The enumerations of the canonical model, handed in by `interaction.ts` (no import cycle). */
export interface CanonicalEnums {
  kinds: readonly string[];
  directions: readonly string[];
  visibilities: readonly string[];
  states: readonly string[];
  deliveryStatuses: readonly string[];
  attachmentTypes: readonly string[];
}

/** Every key of `interactionSchema`, in its order (a test checks it against the schema). */
export const INTERACTION_KEYS = [
  'id', 'channel', 'nativeId', 'kind', 'direction', 'visibility', 'author', 'conversationId', 'parentId', 'recipientId', 'text', 'language',
  'createdAt', 'receivedAt', 'url', 'metrics', 'attachments', 'state', 'editedAt', 'deletedAt', 'deliveryStatus', 'reaction', 'hashtags',
  'mentions', 'customerId', 'classification', 'channelMetadata', 'raw',
] as const;
/** Every key of `channelIdentitySchema`, in its order. */
export const IDENTITY_KEYS = ['channel', 'nativeId', 'handle', 'displayName', 'email', 'phone', 'avatarUrl', 'profileUrl', 'followerCount', 'verified', 'locale', 'isBrand'] as const;
const IDENTITY_TEXT_KEYS = IDENTITY_KEYS.slice(2, 8);
/** Every key of `attachmentSchema`, in its order. */
export const ATTACHMENT_KEYS = ['type', 'url', 'mimeType', 'name', 'caption', 'data'] as const;
/** Every key of `engagementSchema`, in its order. */
export const ENGAGEMENT_KEYS = ['likes', 'replies', 'shares', 'quotes', 'views'] as const;

type Fields = Record<string, unknown>;

/** Thrown (never allocated per call) when the fast path cannot vouch for an input. */
const UNSURE: unique symbol = Symbol('unsure');

/** `z.object` input the fast path reads: a plain object (zod takes others too; they go to zod). */
function fields(value: unknown): Fields {
  if (typeof value !== 'object' || value === null) throw UNSURE;
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) throw UNSURE;
  return value as Fields;
}

function text(value: unknown, min: number): string {
  if (typeof value !== 'string' || value.length < min) throw UNSURE;
  return value;
}

function member(values: ReadonlySet<string>, value: unknown): string {
  if (typeof value !== 'string' || !values.has(value)) throw UNSURE;
  return value;
}

function count(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw UNSURE;
  return value;
}

function flag(value: unknown): boolean {
  if (typeof value !== 'boolean') throw UNSURE;
  return value;
}

/** `z.array(element)`: a plain array out, whatever the input's class (`map` would keep a subclass). */
function list<T>(value: unknown, element: (item: unknown) => T): T[] {
  if (!Array.isArray(value)) throw UNSURE;
  const out = new Array<T>(value.length);
  for (let index = 0; index < value.length; index++) out[index] = element(value[index]);
  return out;
}

/** `z.record(z.string(), value)`: own enumerable string keys only, `__proto__` never. */
function record(value: unknown, each: (field: unknown) => unknown): Fields {
  const input = fields(value);
  const keys = Object.keys(input);
  // Symbol or non-enumerable own keys: zod's rules for them are its own.
  if (Reflect.ownKeys(input).length !== keys.length) throw UNSURE;
  const out: Fields = {};
  for (const key of keys) {
    if (key === '__proto__') throw UNSURE;
    out[key] = each(input[key]);
  }
  return out;
}

const same = (field: unknown): unknown => field;
const jsonObject = (value: unknown): Fields => record(value, same);

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(value: string, from: number, length: number): number {
  let result = 0;
  for (let index = from; index < from + length; index++) {
    const code = value.charCodeAt(index) - 48;
    if (code < 0 || code > 9) return -1;
    result = result * 10 + code;
  }
  return result;
}

/**
 * Whether `value` is already what `new Date(value).toISOString()` returns: `YYYY-MM-DDTHH:mm:ss.sssZ`
 * naming a real day and time (V8 rolls `02-30` over to March, so that one is not).
 */
export function isCanonicalIsoTime(value: string): boolean {
  if (value.length !== 24 || value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45 || value.charCodeAt(10) !== 84) return false;
  if (value.charCodeAt(13) !== 58 || value.charCodeAt(16) !== 58 || value.charCodeAt(19) !== 46 || value.charCodeAt(23) !== 90) return false;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1) return false;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0)) return false;
  const hour = digits(value, 11, 2);
  const minute = digits(value, 14, 2);
  const second = digits(value, 17, 2);
  return hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59 && digits(value, 20, 3) >= 0;
}

/** The interaction schema's date-time: a string, a valid Date or a finite number, as ISO-8601. */
function isoTime(value: unknown): string {
  if (typeof value === 'string') {
    if (isCanonicalIsoTime(value)) return value;
  } else if (value instanceof Date ? Number.isNaN(value.getTime()) : typeof value !== 'number' || !Number.isFinite(value)) {
    throw UNSURE;
  }
  const date = value instanceof Date ? value : new Date(value as string | number);
  if (Number.isNaN(date.getTime())) throw UNSURE;
  return date.toISOString();
}

/** Copies an optional key as zod does: absent stays absent, present `undefined` stays `undefined`. */
function optional(input: Fields, out: Fields, key: string, read: (value: unknown) => unknown): void {
  if (!(key in input)) return;
  const value = input[key];
  out[key] = value === undefined ? undefined : read(value);
}

const anyText = (value: unknown): string => text(value, 0);
const someText = (value: unknown): string => text(value, 1);
const texts = (value: unknown): string[] => list(value, anyText);

function identity(value: unknown): Fields {
  const input = fields(value);
  const out: Fields = { channel: text(input.channel, 1), nativeId: text(input.nativeId, 1) };
  for (const key of IDENTITY_TEXT_KEYS) optional(input, out, key, anyText);
  optional(input, out, 'followerCount', count);
  optional(input, out, 'verified', flag);
  optional(input, out, 'locale', anyText);
  optional(input, out, 'isBrand', flag);
  return out;
}

function engagement(value: unknown): Fields {
  const input = fields(value);
  const out: Fields = {};
  for (const key of ENGAGEMENT_KEYS) optional(input, out, key, count);
  return out;
}

/**
 * The fast reader over the model's enumerations. Returns the parsed interaction, or `undefined`
 * when zod must decide.
 */
export function createFastInteractionReader(enums: CanonicalEnums): (input: unknown) => Fields | undefined {
  const kinds = new Set(enums.kinds);
  const directions = new Set(enums.directions);
  const visibilities = new Set(enums.visibilities);
  const states = new Set(enums.states);
  const deliveryStatuses = new Set(enums.deliveryStatuses);
  const attachmentTypes = new Set(enums.attachmentTypes);
  const deliveryStatus = (value: unknown) => member(deliveryStatuses, value);

  const attachment = (value: unknown): Fields => {
    const input = fields(value);
    const out: Fields = { type: member(attachmentTypes, input.type) };
    optional(input, out, 'url', anyText);
    optional(input, out, 'mimeType', anyText);
    optional(input, out, 'name', anyText);
    optional(input, out, 'caption', anyText);
    optional(input, out, 'data', jsonObject);
    return out;
  };

  const read = (value: unknown): Fields => {
    const input = fields(value);
    const out: Fields = {};
    optional(input, out, 'id', someText);
    out.channel = text(input.channel, 1);
    out.nativeId = text(input.nativeId, 1);
    out.kind = member(kinds, input.kind);
    out.direction = input.direction === undefined ? 'inbound' : member(directions, input.direction);
    out.visibility = input.visibility === undefined ? 'public' : member(visibilities, input.visibility);
    out.author = identity(input.author);
    optional(input, out, 'conversationId', someText);
    optional(input, out, 'parentId', someText);
    optional(input, out, 'recipientId', anyText);
    out.text = input.text === undefined ? '' : text(input.text, 0);
    optional(input, out, 'language', anyText);
    out.createdAt = isoTime(input.createdAt);
    optional(input, out, 'receivedAt', isoTime);
    optional(input, out, 'url', anyText);
    optional(input, out, 'metrics', engagement);
    out.attachments = input.attachments === undefined ? [] : list(input.attachments, attachment);
    out.state = input.state === undefined ? 'active' : member(states, input.state);
    optional(input, out, 'editedAt', isoTime);
    optional(input, out, 'deletedAt', isoTime);
    optional(input, out, 'deliveryStatus', deliveryStatus);
    optional(input, out, 'reaction', anyText);
    optional(input, out, 'hashtags', texts);
    optional(input, out, 'mentions', texts);
    optional(input, out, 'customerId', anyText);
    // A classification handed in is rare: zod checks it.
    optional(input, out, 'classification', () => {
      throw UNSURE;
    });
    out.channelMetadata = input.channelMetadata === undefined ? {} : record(input.channelMetadata, jsonObject);
    if ('raw' in input) out.raw = input.raw;
    return out;
  };

  return (input) => {
    try {
      return read(input);
    } catch {
      // UNSURE, or a getter that threw: zod meets the input again and decides.
      return undefined;
    }
  };
}

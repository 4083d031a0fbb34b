import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attachmentSchema, channelIdentitySchema, engagementSchema, interactionSchema, validateInteraction } from 'social-crm';
import {
  ATTACHMENT_KEYS,
  ENGAGEMENT_KEYS,
  IDENTITY_KEYS,
  INTERACTION_KEYS,
  createFastInteractionReader,
  isCanonicalIsoTime,
} from '../../src/_interaction-fast-path.js';
import { DELIVERY_STATUSES, INTERACTION_DIRECTIONS, INTERACTION_KINDS, INTERACTION_STATES, canonicalEnums } from '../../src/interaction.js';

const read = createFastInteractionReader(canonicalEnums());

/** Every key path of a value in order, with each leaf's type: equal outputs have equal outlines. */
function outline(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return [`${path}:array`, ...value.flatMap((item, index) => outline(item, `${path}[${index}]`))];
  if (value instanceof Date) return [`${path}:date`];
  if (typeof value === 'object' && value !== null) return [`${path}:object`, ...Object.keys(value).flatMap((key) => outline((value as Record<string, unknown>)[key], `${path}.${key}`))];
  return [`${path}:${typeof value}`];
}

/**
 * Mostly valid (so that whole inputs often are), sometimes `undefined`, sometimes a near miss or
 * anything at all. Keys may also be absent (fc.record without required keys).
 */
const maybe = <T, U>(valid: fc.Arbitrary<T>, nearMiss: fc.Arbitrary<U> = fc.anything() as fc.Arbitrary<U>) =>
  fc.oneof({ weight: 80, arbitrary: valid }, { weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: nearMiss }, { weight: 1, arbitrary: fc.anything() });
const text = maybe(fc.string(), fc.integer());
const someText = maybe(fc.string({ minLength: 1 }), fc.constant(''));
const time = maybe(
  fc.oneof(
    fc.date({ min: new Date('1970-01-01T00:00:00.000Z'), max: new Date('2100-01-01T00:00:00.000Z'), noInvalidDate: true }).map((date) => date.toISOString()),
    fc.date({ noInvalidDate: true }),
    fc.integer({ min: 0, max: 4e12 }),
    fc.constantFrom('2026-02-30T00:00:00.000Z', '2024-02-29T23:59:59.999Z', '2026-01-01T24:00:00.000Z', '2026-11-01T10:00:00Z', '2026-11-01', '+010000-01-01T00:00:00.000Z'),
  ),
  fc.oneof(fc.constantFrom('soon', '2026-13-01T00:00:00.000Z', Number.NaN, Number.POSITIVE_INFINITY, new Date(Number.NaN)), fc.double(), fc.string()),
);
const count = maybe(fc.nat(), fc.oneof(fc.integer({ max: -1 }), fc.double(), fc.constant(Number.MAX_SAFE_INTEGER + 1)));
const flag = maybe(fc.boolean(), fc.constantFrom(0, 'true'));
const jsonObject = maybe(
  fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
  fc.constantFrom(Object.assign(Object.create(null), { a: 1 }), { [Symbol('s')]: 1 }, JSON.parse('{"__proto__": {"a": 1}}'), [1], new (class Row {})()),
);
const oneOf = (values: readonly string[], miss: string) => maybe(fc.constantFrom(...values), fc.constant(miss));
const identity = maybe(
  fc.record(
    {
      channel: someText,
      nativeId: someText,
      handle: text,
      displayName: text,
      email: text,
      phone: text,
      avatarUrl: text,
      profileUrl: text,
      followerCount: count,
      verified: flag,
      locale: text,
      isBrand: flag,
      extra: fc.anything(),
    },
    { requiredKeys: ['channel', 'nativeId'] },
  ),
);
const attachment = fc.record(
  { type: oneOf(attachmentSchema.shape.type.options, 'gif'), url: text, mimeType: text, name: text, caption: text, data: jsonObject },
  { requiredKeys: ['type'] },
);
const interaction = fc.record(
  {
    id: someText,
    channel: someText,
    nativeId: someText,
    kind: oneOf(INTERACTION_KINDS, 'story'),
    direction: oneOf(INTERACTION_DIRECTIONS, 'sideways'),
    visibility: oneOf(['public', 'private'], 'secret'),
    author: identity,
    conversationId: someText,
    parentId: someText,
    recipientId: text,
    text,
    language: text,
    createdAt: time,
    receivedAt: time,
    url: text,
    metrics: maybe(fc.record({ likes: count, replies: count, shares: count, quotes: count, views: count }, { requiredKeys: [] })),
    attachments: maybe(fc.array(attachment, { maxLength: 3 })),
    state: oneOf(INTERACTION_STATES, 'gone'),
    editedAt: time,
    deletedAt: time,
    deliveryStatus: oneOf(DELIVERY_STATUSES, 'lost'),
    reaction: text,
    hashtags: maybe(fc.array(fc.string(), { maxLength: 3 }), fc.constant([1])),
    mentions: maybe(fc.array(fc.string(), { maxLength: 3 }), fc.constant(['a', undefined])),
    customerId: text,
    channelMetadata: maybe(fc.dictionary(fc.string(), jsonObject, { maxKeys: 2 })),
    raw: fc.anything(),
    unknownField: fc.anything(),
  },
  { requiredKeys: ['channel', 'nativeId', 'kind', 'author', 'createdAt'] },
);

describe('the fast path of interaction validation', () => {
  it('knows every key of the schemas, in their order', () => {
    expect(INTERACTION_KEYS).toEqual(Object.keys(interactionSchema.shape));
    expect(IDENTITY_KEYS).toEqual(Object.keys(channelIdentitySchema.shape));
    expect(ATTACHMENT_KEYS).toEqual(Object.keys(attachmentSchema.shape));
    expect(ENGAGEMENT_KEYS).toEqual(Object.keys(engagementSchema.shape));
  });

  it('accepts only what zod accepts, and returns exactly what zod returns', () => {
    let accepted = 0;
    fc.assert(
      fc.property(interaction, (input) => {
        const fast = read(input);
        const slow = interactionSchema.safeParse(input);
        if (fast === undefined) return;
        accepted++;
        expect(slow.success).toBe(true);
        expect(fast).toStrictEqual(slow.data);
        expect(outline(fast)).toEqual(outline(slow.data));
      }),
      { numRuns: 3000 },
    );
    // The generator makes valid inputs often enough for the comparison to mean something.
    expect(accepted).toBeGreaterThan(100);
  });

  it('leaves classifications, class instances and invalid input to zod, whose errors stay the same', () => {
    const base = { channel: 'forum', nativeId: '1', kind: 'post', author: { channel: 'forum', nativeId: 'u' }, createdAt: '2026-11-01T00:00:00.000Z' };
    expect(read(base)).toBeDefined();
    expect(read({ ...base, classification: {} })).toBeUndefined();
    expect(read(Object.assign(new (class Input {})(), base))).toBeUndefined();
    expect(read({ ...base, text: 42 })).toBeUndefined();
    const failed = validateInteraction({ ...base, text: 42 });
    expect(failed.success).toBe(false);
    expect(failed.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual(['text: Invalid input: expected string, received number']);
  });

  it('takes a date-time as it stands only when it is what toISOString would print', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), (date) => {
        expect(isCanonicalIsoTime(date.toISOString())).toBe(true);
      }),
      { numRuns: 2000 },
    );
    const digit = fc.integer({ min: 0, max: 9 }).map(String);
    const twoDigits = fc.tuple(digit, digit).map(([a, b]) => a + b);
    const candidate = fc
      .tuple(fc.tuple(digit, digit, digit, digit), twoDigits, twoDigits, twoDigits, twoDigits, twoDigits, fc.tuple(digit, digit, digit))
      .map(([year, month, day, hour, minute, second, ms]) => `${year.join('')}-${month}-${day}T${hour}:${minute}:${second}.${ms.join('')}Z`);
    fc.assert(
      fc.property(candidate, (value) => {
        if (isCanonicalIsoTime(value)) expect(new Date(value).toISOString()).toBe(value);
        else {
          const date = new Date(value);
          expect(Number.isNaN(date.getTime()) || date.toISOString() !== value).toBe(true);
        }
      }),
      { numRuns: 5000 },
    );
  });
});

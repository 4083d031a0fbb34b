import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { parseWithSchema } from '../../src/_options.js';
import { InvalidOptionsError } from '../../src/errors.js';
import { INTENT_LABELS } from '../../src/interaction.js';
import { createClassifier, type ClassifierOptions } from '../../src/classifier/index.js';
import { isKnownLanguage } from '../../src/classifier/detect-language.js';
import type { Classifier } from '../../src/classifier-port.js';
import type { FallbackOptions } from '../../src/classifier/cascade.js';

/**
 * The classifier checks its options by hand so that importing it does not load zod (issue 17,
 * fast start). This is the zod schema those checks replace: both must report the same issues,
 * in the same order and words.
 */
const isFunction = (value: unknown): boolean => typeof value === 'function';
const fallbackSchema = z
  .object({
    classifier: z.custom<Classifier>(
      (value) => typeof value === 'object' && value !== null && typeof (value as Classifier).id === 'string' && typeof (value as Classifier).classify === 'function',
      'Expected a Classifier: an object with `id` and `classify(input)`.',
    ),
    when: z.union([z.number().min(0).max(1), z.custom<NonNullable<FallbackOptions['when']>>(isFunction, 'Expected a confidence (0–1) or a function.')]).optional(),
    onResult: z.custom<FallbackOptions['onResult']>(isFunction, 'Expected a function receiving each fallback result.'),
    onError: z.custom<NonNullable<FallbackOptions['onError']>>(isFunction, 'Expected a function.').optional(),
    batchSize: z.number().int().min(1).max(1000).optional(),
    maxWaitMs: z.number().min(0).max(60_000).optional(),
    concurrency: z.number().int().min(1).max(64).optional(),
    maxQueue: z.number().int().min(1).optional(),
  })
  .strict();

const languageCode = z
  .string()
  .regex(/^[a-z]{2,3}$/, 'Expected an ISO 639-1 code such as `en` or `tr`.')
  .refine(isKnownLanguage, 'Unknown language code; use an ISO 639-1 code franc can detect.');

const lexiconExtensionSchema = z
  .object({
    terms: z.record(z.string().min(1), z.number().min(-5).max(5)).optional(),
    intents: z.partialRecord(z.enum(INTENT_LABELS), z.array(z.string().min(1))).optional(),
  })
  .strict();

const referenceSchema = z
  .object({
    languages: z.array(languageCode).min(1).optional(),
    defaultLanguage: languageCode.optional(),
    lexicon: z.partialRecord(z.enum(['en', 'tr']), lexiconExtensionSchema).optional(),
    thresholds: z
      .object({
        intent: z.number().min(0).max(1).optional(),
        neutral: z.number().min(0).max(1).optional(),
        languageMargin: z.number().min(0).max(20).optional(),
      })
      .strict()
      .optional(),
    id: z.string().min(1).optional(),
    fallback: fallbackSchema.optional(),
  })
  .strict();

const HEADING = '[classifier] Invalid options for createClassifier():';

/** The message zod's schema gives (through the shared options helper), or undefined when valid. */
function referenceMessage(options: unknown): string | undefined {
  try {
    parseWithSchema(referenceSchema, options, HEADING);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function handMessage(options: unknown): string | undefined {
  try {
    createClassifier(options as ClassifierOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionsError);
    return (error as Error).message;
  }
  return undefined;
}

const standIn: Classifier = { id: 'stand-in', classify: () => Promise.reject(new Error('unused')) };
const CASES: Array<[string, unknown]> = [
  ['empty languages', { languages: [] }],
  ['languages not an array', { languages: 'en' }],
  ['languages null', { languages: null }],
  ['upper-case code', { languages: ['EN'] }],
  ['unknown code', { languages: ['xx'] }],
  ['number as code', { languages: [3] }],
  ['one letter', { languages: ['e'] }],
  ['three-letter code', { languages: ['en', 'eng'] }],
  ['default language unknown', { defaultLanguage: 'xx' }],
  ['default language a number', { defaultLanguage: 5 }],
  ['lexicon a number', { lexicon: 3 }],
  ['lexicon an array', { lexicon: [] }],
  ['lexicon of another language', { lexicon: { de: {} } }],
  ['lexicon of two other languages', { lexicon: { de: { terms: {}, extra: 1 }, fr: 2 } }],
  ['lexicon entry a number', { lexicon: { en: 3 } }],
  ['lexicon entry undefined', { lexicon: { en: undefined } }],
  ['polarity too big', { lexicon: { en: { terms: { a: 9 } } } }],
  ['empty term and a string polarity', { lexicon: { en: { terms: { '': 1, b: 'x' } } } }],
  ['empty term with a bad polarity', { lexicon: { tr: { terms: { '': 'x' } } } }],
  ['unknown intent', { lexicon: { en: { intents: { foo: ['a'] } } } }],
  ['two unknown intents and a bad one', { lexicon: { en: { intents: { foo: ['a'], bar: [], spam: [''] } } } }],
  ['keywords undefined', { lexicon: { en: { intents: { spam: undefined, praise: ['great'] } } } }],
  ['two bad intents out of declaration order', { lexicon: { tr: { intents: { praise: [''], complaint: [3] } }, en: { intents: { spam: 1 } } } }],
  ['empty keyword', { lexicon: { en: { intents: { spam: [''] } } } }],
  ['keywords not an array', { lexicon: { en: { intents: { spam: 'a' } } } }],
  ['wrong types and an unknown key in an extension', { lexicon: { en: { terms: 3, intents: 4, extra: 1 } } }],
  ['thresholds out of range', { thresholds: { intent: 2, neutral: -1, languageMargin: 21 } }],
  ['threshold of the wrong type and a typo', { thresholds: { intent: 'x', nuetral: 1 } }],
  ['thresholds a number', { thresholds: 3 }],
  ['NaN and Infinity', { thresholds: { intent: Number.NaN, neutral: Number.POSITIVE_INFINITY, languageMargin: Number.NEGATIVE_INFINITY } }],
  ['empty id', { id: '' }],
  ['id a number', { id: 3 }],
  ['fallback a number', { fallback: 3 }],
  ['fallback empty', { fallback: {} }],
  ['every fallback field wrong', { fallback: { classifier: { id: 'x' }, onResult: 3, when: 2, batchSize: 1.5, maxWaitMs: -1, concurrency: 65, maxQueue: 0, onError: 1, other: 1 } }],
  ['when neither number nor function', { fallback: { classifier: standIn, onResult() {}, when: 'x' } }],
  ['when NaN', { fallback: { classifier: standIn, onResult() {}, when: Number.NaN } }],
  ['integers out of range', { fallback: { classifier: standIn, onResult() {}, batchSize: 2000, maxQueue: 1.5, concurrency: 0.5 } }],
  ['a valid fallback', { fallback: { classifier: standIn, onResult() {}, when: () => true, batchSize: 8, maxWaitMs: 0, concurrency: 1, maxQueue: 5, onError() {} } }],
  ['a typo at the root', { lanugages: ['en'] }],
  ['a typo and a foreign lexicon', { lanugages: ['en'], lexicon: { de: {} }, thresholds: { intent: 2 } }],
  ['a foreign lexicon before a bad threshold', { lexicon: { de: {} }, thresholds: { intent: 2 } }],
  ['options a number', 3],
  ['options a string', 'x'],
  ['options an array', []],
  ['options null', null],
  ['every valid option', { languages: ['tr', 'en', 'de'], defaultLanguage: 'en', lexicon: { en: { terms: { outage: -3, 'acme pro': 2 }, intents: { churn_risk: ['moving to globex'] } }, tr: { terms: { kesinti: -3 } } }, thresholds: { intent: 0.4, neutral: 0.2, languageMargin: 2 }, id: 'mine' }],
];

describe('classifier options without zod', () => {
  it.each(CASES)('%s: the same verdict and message as the zod schema', (_name, options) => {
    expect(handMessage(options)).toBe(referenceMessage(options));
  });

  it('lists the intents the schema knows', () => {
    expect(INTENT_LABELS.length).toBeGreaterThan(0);
    for (const intent of INTENT_LABELS) expect(handMessage({ lexicon: { en: { intents: { [intent]: [''] } } } })).toBe(referenceMessage({ lexicon: { en: { intents: { [intent]: [''] } } } }));
  });
});

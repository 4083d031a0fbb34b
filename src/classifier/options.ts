/**
 * Options of {@link createClassifier}, validated with zod at construction time.
 *
 * @module
 */
import { parseWithSchema } from '../_options.js';
import * as z from 'zod';
import { INTENT_LABELS, type IntentLabel } from '../interaction.js';
import { InvalidOptionsError, formatIssues } from '../errors.js';
import { isKnownLanguage } from './detect-language.js';
import type { Classifier } from '../classifier-port.js';
import type { FallbackOptions } from './cascade.js';

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

const optionsSchema = z
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

/** Host additions to one language's lexicon; they apply without retraining. */
export interface LexiconExtension {
  /**
   * Words or phrases with a polarity on AFINN's scale, -5 (very negative) to 5 (very
   * positive): brand slang, product names that carry sentiment, domain terms. Matched after
   * folding to lower-case ASCII, so `"çöktü"` also matches `"coktu"`. In Turkish a single
   * word also matches its inflections (it is used as a stem).
   * @example { 'outage': -3, 'kesinti': -3, 'acme pro': 2 }
   */
  terms?: Record<string, number>;
  /**
   * Extra keywords or phrases per intent, matched as whole words on the folded text.
   * @example { churn_risk: ['moving to globex'], escalation_threat: ['tüketici hakem heyeti'] }
   */
  intents?: Partial<Record<IntentLabel, string[]>>;
}

/** Options of the default classifier. Every field is optional. */
export interface ClassifierOptions {
  /**
   * ISO 639-1 codes of the languages the deployment expects. Language detection chooses
   * among these (franc's `only`); English and Turkish are told apart by a fast built-in
   * model, other languages by franc. Only `en` and `tr` have sentiment and intent models:
   * messages in any other language get `languageSupported: false` and a neutral result.
   * @default ['en', 'tr']
   */
  languages?: string[];
  /**
   * The language assumed when a text is too short to tell and the locale does not help.
   * @default the first of `languages`
   */
  defaultLanguage?: string;
  /** Per-language lexicon additions. */
  lexicon?: Partial<Record<'en' | 'tr', LexiconExtension>>;
  /** Decision thresholds. */
  thresholds?: {
    /** Minimum confidence for an intent to be reported. @default 0.5 */
    intent?: number;
    /**
     * Half-width of the neutral band on the combined sentiment evidence
     * (`squash(rules) + w × (p(positive) − p(negative))`): inside it the label is `neutral`.
     * Setting it makes both languages decide by this band; raise it for fewer polar labels.
     * @default unset: each language picks the class with the highest probability after
     * per-class offsets (English: chosen by cross-validation; Turkish: tuned on three-class dev
     * tweets)
     */
    neutral?: number;
    /** Nats of evidence the English/Turkish model needs to overrule the locale. @default 1.5 */
    languageMargin?: number;
  };
  /** Reported as `classification.model`. @default 'social-crm/default@1' */
  id?: string;
  /**
   * A second tier: results the local model is unsure about are also sent, in batches and off
   * the caller's path, to this host-provided classifier; its answers reach `onResult`. See
   * the classification guide ("A cascade").
   */
  fallback?: FallbackOptions;
}

/** Options after defaults. */
export interface ResolvedClassifierOptions {
  languages: string[];
  defaultLanguage: string;
  lexicon: Partial<Record<'en' | 'tr', LexiconExtension>>;
  intentThreshold: number;
  /** Undefined: each model's own decision (class offsets). */
  neutralBand: number | undefined;
  languageMargin: number;
  id: string;
  fallback: FallbackOptions | undefined;
}

/** The default model id. */
export const DEFAULT_CLASSIFIER_ID = 'social-crm/default@1';

/** Validates options; throws {@link InvalidOptionsError} listing every issue. */
export function resolveClassifierOptions(options: ClassifierOptions = {}): ResolvedClassifierOptions {
  const value = parseWithSchema(optionsSchema, options, '[classifier] Invalid options for createClassifier():');
  const languages = value.languages ?? ['en', 'tr'];
  const defaultLanguage = value.defaultLanguage ?? languages[0]!;
  if (!languages.includes(defaultLanguage)) {
    const issues = [{ path: 'defaultLanguage', message: `\`${defaultLanguage}\` is not one of languages (${languages.join(', ')}).` }];
    throw new InvalidOptionsError(`[classifier] Invalid options for createClassifier():\n${formatIssues(issues)} Add it to \`languages\` or pick one of them.`, issues);
  }
  return {
    languages: [...languages],
    defaultLanguage,
    lexicon: value.lexicon ?? {},
    intentThreshold: value.thresholds?.intent ?? 0.5,
    neutralBand: value.thresholds?.neutral,
    languageMargin: value.thresholds?.languageMargin ?? 1.5,
    id: value.id ?? DEFAULT_CLASSIFIER_ID,
    fallback: value.fallback as FallbackOptions | undefined,
  };
}

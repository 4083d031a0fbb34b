/**
 * Options of {@link createClassifier}, validated at construction time.
 *
 * @module
 */
import { unknownKeyIssues } from '../_options.js';
import { INTENT_LABELS, type IntentLabel } from '../_labels.js';
import { InvalidOptionsError, formatIssues, type ValidationIssue } from '../errors.js';
import { isKnownLanguage } from './detect-language.js';
import type { Classifier } from '../classifier-port.js';
import type { FallbackOptions } from './cascade.js';

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

// The checks below are written by hand, with zod's wording, so that importing the classifier
// does not load zod and build schemas (most of its cold start): test/classifier/options.test.ts
// holds the zod schema they replace and checks that both report the same issues.

type Issues = ValidationIssue[];
type Path = readonly string[];

const at = (path: Path): string => path.join('.');

/** zod's name for what it received. */
function received(value: unknown): string {
  if (typeof value === 'number') return Number.isFinite(value) ? 'number' : String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

const typeIssue = (issues: Issues, path: Path, expected: string, value: unknown): void => {
  issues.push({ path: at(path), message: `Invalid input: expected ${expected}, received ${received(value)}` });
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isFunction = (value: unknown): boolean => typeof value === 'function';

/** A finite number within `[min, max]`, an integer when `integer`. */
function checkNumber(issues: Issues, path: Path, value: unknown, min: number, max: number | undefined, integer = false): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) return typeIssue(issues, path, 'number', value);
  if (integer && !Number.isInteger(value)) return void issues.push({ path: at(path), message: 'Invalid input: expected int, received number' });
  if (value < min) issues.push({ path: at(path), message: `Too small: expected number to be >=${min}` });
  if (max !== undefined && value > max) issues.push({ path: at(path), message: `Too big: expected number to be <=${max}` });
}

function checkNonEmptyString(issues: Issues, path: Path, value: unknown): void {
  if (typeof value !== 'string') typeIssue(issues, path, 'string', value);
  else if (value.length < 1) issues.push({ path: at(path), message: 'Too small: expected string to have >=1 characters' });
}

function checkLanguageCode(issues: Issues, path: Path, value: unknown): void {
  if (typeof value !== 'string') return typeIssue(issues, path, 'string', value);
  if (!/^[a-z]{2,3}$/.test(value)) issues.push({ path: at(path), message: 'Expected an ISO 639-1 code such as `en` or `tr`.' });
  if (!isKnownLanguage(value)) issues.push({ path: at(path), message: 'Unknown language code; use an ISO 639-1 code franc can detect.' });
}

/** Issues of zod's `unrecognized_keys` kind: dropped when an unknown option was found (as parseWithSchema does). */
const keyIssues = new WeakSet<ValidationIssue>();
function unrecognizedKeys(issues: Issues, path: Path, keys: string[]): void {
  if (!keys.length) return;
  const issue = { path: at(path), message: `Unrecognized key${keys.length > 1 ? 's' : ''}: ${keys.map((key) => `"${key}"`).join(', ')}` };
  keyIssues.add(issue);
  issues.push(issue);
}

const LEXICON_KEYS = ['terms', 'intents'];
function checkLexiconExtension(issues: Issues, unknown: Issues, path: Path, value: unknown): void {
  if (!isRecord(value)) return typeIssue(issues, path, 'object', value);
  unknown.push(...unknownKeyIssues(value, LEXICON_KEYS, path));
  if (value.terms !== undefined) {
    const terms = [...path, 'terms'];
    if (!isRecord(value.terms)) typeIssue(issues, terms, 'record', value.terms);
    else
      for (const [term, polarity] of Object.entries(value.terms)) {
        if (term.length < 1) issues.push({ path: at([...terms, term]), message: 'Invalid key in record' });
        else checkNumber(issues, [...terms, term], polarity, -5, 5);
      }
  }
  if (value.intents !== undefined) {
    const intents = [...path, 'intents'];
    if (!isRecord(value.intents)) typeIssue(issues, intents, 'record', value.intents);
    else {
      for (const [intent, words] of Object.entries(value.intents)) {
        if (!(INTENT_LABELS as readonly string[]).includes(intent)) continue;
        if (!Array.isArray(words)) typeIssue(issues, [...intents, intent], 'array', words);
        else words.forEach((word, index) => checkNonEmptyString(issues, [...intents, intent, String(index)], word));
      }
      unrecognizedKeys(issues, intents, Object.keys(value.intents).filter((key) => !(INTENT_LABELS as readonly string[]).includes(key)));
    }
  }
}

const THRESHOLD_KEYS = ['intent', 'neutral', 'languageMargin'];
const FALLBACK_KEYS = ['classifier', 'when', 'onResult', 'onError', 'batchSize', 'maxWaitMs', 'concurrency', 'maxQueue'];
function checkFallback(issues: Issues, unknown: Issues, value: unknown): void {
  const path = ['fallback'];
  if (!isRecord(value)) return typeIssue(issues, path, 'object', value);
  unknown.push(...unknownKeyIssues(value, FALLBACK_KEYS, path));
  const classifier = value.classifier as Classifier | undefined;
  if (typeof classifier !== 'object' || classifier === null || typeof classifier.id !== 'string' || typeof classifier.classify !== 'function') {
    issues.push({ path: 'fallback.classifier', message: 'Expected a Classifier: an object with `id` and `classify(input)`.' });
  }
  if (value.when !== undefined && !isFunction(value.when)) {
    // a union of a 0–1 number and a function: zod names the number's range, or the union
    if (typeof value.when === 'number' && Number.isFinite(value.when)) checkNumber(issues, [...path, 'when'], value.when, 0, 1);
    else issues.push({ path: 'fallback.when', message: 'Invalid input' });
  }
  if (!isFunction(value.onResult)) issues.push({ path: 'fallback.onResult', message: 'Expected a function receiving each fallback result.' });
  if (value.onError !== undefined && !isFunction(value.onError)) issues.push({ path: 'fallback.onError', message: 'Expected a function.' });
  if (value.batchSize !== undefined) checkNumber(issues, [...path, 'batchSize'], value.batchSize, 1, 1000, true);
  if (value.maxWaitMs !== undefined) checkNumber(issues, [...path, 'maxWaitMs'], value.maxWaitMs, 0, 60_000);
  if (value.concurrency !== undefined) checkNumber(issues, [...path, 'concurrency'], value.concurrency, 1, 64, true);
  if (value.maxQueue !== undefined) checkNumber(issues, [...path, 'maxQueue'], value.maxQueue, 1, undefined, true);
}

const OPTION_KEYS = ['languages', 'defaultLanguage', 'lexicon', 'thresholds', 'id', 'fallback'];

/**
 * Every issue of `options`, in the order and words zod gave them: unknown options first (with a
 * suggestion), then each option in declaration order; zod's own unrecognised-key findings only
 * when there is no unknown option.
 */
function optionIssues(options: unknown): Issues {
  if (!isRecord(options)) {
    const issues: Issues = [];
    typeIssue(issues, [], 'object', options);
    return issues;
  }
  const unknown = unknownKeyIssues(options, OPTION_KEYS);
  const issues: Issues = [];
  if (options.languages !== undefined) {
    if (!Array.isArray(options.languages)) typeIssue(issues, ['languages'], 'array', options.languages);
    else {
      options.languages.forEach((code, index) => checkLanguageCode(issues, ['languages', String(index)], code));
      if (options.languages.length < 1) issues.push({ path: 'languages', message: 'Too small: expected array to have >=1 items' });
    }
  }
  if (options.defaultLanguage !== undefined) checkLanguageCode(issues, ['defaultLanguage'], options.defaultLanguage);
  if (options.lexicon !== undefined) {
    if (!isRecord(options.lexicon)) typeIssue(issues, ['lexicon'], 'record', options.lexicon);
    else {
      for (const [language, extension] of Object.entries(options.lexicon)) {
        if (language === 'en' || language === 'tr') {
          checkLexiconExtension(issues, unknown, ['lexicon', language], extension);
        } else if (isRecord(extension)) unknown.push(...unknownKeyIssues(extension, LEXICON_KEYS, ['lexicon', language]));
      }
      unrecognizedKeys(issues, ['lexicon'], Object.keys(options.lexicon).filter((key) => key !== 'en' && key !== 'tr'));
    }
  }
  if (options.thresholds !== undefined) {
    const thresholds = options.thresholds;
    if (!isRecord(thresholds)) typeIssue(issues, ['thresholds'], 'object', thresholds);
    else {
      unknown.push(...unknownKeyIssues(thresholds, THRESHOLD_KEYS, ['thresholds']));
      if (thresholds.intent !== undefined) checkNumber(issues, ['thresholds', 'intent'], thresholds.intent, 0, 1);
      if (thresholds.neutral !== undefined) checkNumber(issues, ['thresholds', 'neutral'], thresholds.neutral, 0, 1);
      if (thresholds.languageMargin !== undefined) checkNumber(issues, ['thresholds', 'languageMargin'], thresholds.languageMargin, 0, 20);
    }
  }
  if (options.id !== undefined) checkNonEmptyString(issues, ['id'], options.id);
  if (options.fallback !== undefined) checkFallback(issues, unknown, options.fallback);
  return unknown.length ? [...unknown, ...issues.filter((issue) => !keyIssues.has(issue))] : issues;
}

const HEADING = '[classifier] Invalid options for createClassifier():';

/** Validates options; throws {@link InvalidOptionsError} listing every issue. */
export function resolveClassifierOptions(options: ClassifierOptions = {}): ResolvedClassifierOptions {
  const value = (options ?? {}) as ClassifierOptions;
  const issues = optionIssues(value);
  if (issues.length) throw new InvalidOptionsError(`${HEADING}\n${formatIssues(issues)}`, issues);
  const languages = value.languages ?? ['en', 'tr'];
  const defaultLanguage = value.defaultLanguage ?? languages[0]!;
  if (!languages.includes(defaultLanguage)) {
    const issues = [{ path: 'defaultLanguage', message: `\`${defaultLanguage}\` is not one of languages (${languages.join(', ')}).` }];
    throw new InvalidOptionsError(`${HEADING}\n${formatIssues(issues)} Add it to \`languages\` or pick one of them.`, issues);
  }
  return {
    languages: [...languages],
    defaultLanguage,
    lexicon: value.lexicon ?? {},
    intentThreshold: value.thresholds?.intent ?? 0.5,
    neutralBand: value.thresholds?.neutral,
    languageMargin: value.thresholds?.languageMargin ?? 1.5,
    id: value.id ?? DEFAULT_CLASSIFIER_ID,
    fallback: value.fallback,
  };
}

/**
 * The default classifier: offline, synchronous, English and Turkish.
 *
 * @module
 */
import type { Classifier, ClassifierInput } from '../classifier-port.js';
import type { Classification } from '../interaction.js';
import { DEPARTMENTS, INTENT_LABELS, type Department, type IntentLabel } from '../_labels.js';
import { NAMES_ONLY_CUE, detectLanguage, languageTable, type LanguageDecision, type LanguageSettings } from './detect-language.js';
import {
  INTENT_COUNT,
  builtInIntentRules,
  compileIntentRules,
  describeIntentCues,
  keywordRules,
  matchIntentRules,
  routeDepartment,
  vote,
  type IntentEvidence,
  type PhraseMatcher,
} from './intent.js';
import { SENTIMENT_EN, SENTIMENT_TR } from './model/sentiment.js';
import { resolveClassifierOptions, type ClassifierOptions, type ResolvedClassifierOptions } from './options.js';
import { cascade, resolveFallback, type CascadeControls, type FallbackOptions } from './cascade.js';
import {
  DENSE_FEATURES,
  buildLexicon,
  hasPolarWord,
  combineSentiment,
  denseFeatures,
  describeCues,
  featureBuffer,
  foldTerm,
  loadLinearModel,
  predictLinear,
  scoreRules,
  sparseFeatures,
  type LexiconIndex,
  type RuleResult,
  type SentimentDecision,
  type LinearModel,
  type ModelLanguage,
} from './sentiment.js';
import { EMOJI_POLARITY } from './lexicons.js';
import { TOKEN_CAPS, TOKEN_ELONGATED, scanText, type ScannedText } from './_text.js';

/** A classifier whose `classify` is synchronous (the default one is). */
export interface SyncClassifier extends Classifier {
  classify(input: ClassifierInput): Classification;
  classifyBatch(inputs: ClassifierInput[]): Classification[];
  /**
   * The sentiment-only path: language and sentiment, without intents, department, urgency or
   * explanations. The same sentiment as {@link SyncClassifier.classify} gives for the same text,
   * at a fraction of the cost. Takes the text itself or a classifier input (its `locale` helps
   * with short texts); never throws.
   */
  classifySentiment(input: ClassifierInput | string): SentimentResult;
}

/** What {@link SyncClassifier.classifySentiment} returns. */
export interface SentimentResult {
  /** ISO 639-1 code (ISO 639-3 when the language has none), or `und`. */
  language: string;
  languageConfidence: number;
  /** False for a language without a sentiment model: the sentiment is then neutral with confidence 0.1. */
  languageSupported: boolean;
  sentiment: Classification['sentiment'];
}

interface LanguagePack {
  lexicon: LexiconIndex;
  model: LinearModel;
  intents: PhraseMatcher;
  /** Scratch space for the model's class probabilities. */
  probabilities: Float64Array;
}

const COMPLAINT = INTENT_LABELS.indexOf('complaint');
const SUPPORT = INTENT_LABELS.indexOf('support_request');
const ESCALATION = INTENT_LABELS.indexOf('escalation_threat');
const CHURN = INTENT_LABELS.indexOf('churn_risk');
const PRAISE = INTENT_LABELS.indexOf('praise');
const SPAM = INTENT_LABELS.indexOf('spam');
const QUESTION = INTENT_LABELS.indexOf('question');

const URGENCY_ESCALATION = 1;
const URGENCY_CHURN = 2;
const URGENCY_NEGATIVE = 4;
const URGENCY_REACH = 8;
const URGENCY_PUBLIC = 16;
const URGENCY_THREAD = 32;
const URGENCY_SPAM = 64;
const URGENCY_OUTBOUND = 128;

/**
 * Turkish "cannot do" verbs (güncelleyemiyorum, giremiyorum): someone needs a hand.
 * A word of at least four letters, then `am|em|ay|ey`, `ıyor|iyor|uyor`, `um|uz` at its end.
 */
function hasCannotDoVerb(scan: ScannedText): boolean {
  const codes = scan.codes;
  for (let token = 0; token < scan.tokenCount; token++) {
    const end = scan.ends[token]!;
    if (end - scan.starts[token]! < 10) continue;
    const last = codes[end - 1]!;
    // ...yor + um|uz
    if ((last !== 0x6d && last !== 0x7a) || codes[end - 2] !== 0x75 || codes[end - 3] !== 0x72 || codes[end - 4] !== 0x6f || codes[end - 5] !== 0x79) continue;
    const vowel = codes[end - 6]!;
    const first = codes[end - 8]!;
    const second = codes[end - 7]!;
    if ((vowel === 0x69 || vowel === 0x75) && (first === 0x61 || first === 0x65) && (second === 0x6d || second === 0x79)) return true;
  }
  return false;
}

let englishModel: LinearModel | undefined;
let turkishModel: LinearModel | undefined;

/** The text of an input; anything but a string reads as no text. */
const textOf = (input: ClassifierInput): string => (typeof input?.text === 'string' ? input.text : '');

const clamp = (value: number, low = 0, high = 1): number => (value < low ? low : value > high ? high : value);
const round = (value: number): number => Math.round(value * 1000) / 1000;

/**
 * Creates the default classifier. Options are validated once, here; `classify` never
 * throws and always returns a schema-valid {@link Classification}.
 *
 * @throws InvalidOptionsError when an option is malformed (the error lists every issue).
 * @example
 * ```ts
 * import { createClassifier } from 'social-crm/classifier';
 *
 * const classifier = createClassifier({ lexicon: { tr: { terms: { 'kesinti': -3 } } } });
 * const result = classifier.classify({ text: 'İnternet yine yok, aboneliğimi iptal ediyorum!', locale: 'tr-TR' });
 * // result.language === 'tr', result.sentiment.label === 'negative', intents include churn_risk
 * ```
 */
export function createClassifier(options: ClassifierOptions & { fallback: FallbackOptions }): CascadeClassifier;
export function createClassifier(options?: ClassifierOptions): SyncClassifier;
export function createClassifier(options: ClassifierOptions = {}): SyncClassifier | CascadeClassifier {
  const resolved = resolveClassifierOptions(options);
  const local = createLocalClassifier(resolved);
  if (!resolved.fallback) return local;
  // the sentiment-only path stays local: it is for hosts that want a figure at once
  return Object.assign(cascade(local, resolveFallback(resolved.fallback)), { classifySentiment: local.classifySentiment });
}

/** The default classifier with a fallback tier: `classify` answers at once, unsure results are also refined by the fallback. */
export interface CascadeClassifier extends SyncClassifier, CascadeControls {}

function createLocalClassifier(resolved: ResolvedClassifierOptions): SyncClassifier {
  /** An intent's confidence as reported: 0 below the threshold. */
  const reported = (value: number): number => (value >= resolved.intentThreshold && value > 0 ? round(value) : 0);
  const settings: LanguageSettings = { candidates: resolved.languages, defaultLanguage: resolved.defaultLanguage, margin: resolved.languageMargin };
  const table = languageTable();
  // Each language's lexicon, model and intent rules are built on its first message, so a
  // process that only ever sees English never pays for the Turkish tables (and vice versa).
  const packs: Partial<Record<ModelLanguage, LanguagePack>> = {};
  const packFor = (language: ModelLanguage): LanguagePack =>
    (packs[language] ??= {
      lexicon: buildLexicon(language, resolved.lexicon[language]?.terms),
      model: language === 'en' ? (englishModel ??= loadLinearModel(SENTIMENT_EN)) : (turkishModel ??= loadLinearModel(SENTIMENT_TR)),
      intents: compileIntentRules([...builtInIntentRules(language), ...keywordRules(resolved.lexicon[language]?.intents ?? {}, foldTerm)]),
      probabilities: new Float64Array(3),
    });
  const sparse = featureBuffer();
  const scores = new Float64Array(INTENT_COUNT);
  const dense = new Float64Array(DENSE_FEATURES.length);

  /** Scans the text; `undefined` when it cannot be read. */
  const read = (text: string): ScannedText | undefined => {
    try {
      return scanText(text, table);
    } catch {
      return undefined;
    }
  };
  const packLanguageOf = (decision: LanguageDecision): ModelLanguage | undefined => (decision.language === 'en' || decision.language === 'tr' ? decision.language : undefined);

  /**
   * The detector's answer, except that a text it finds nothing but capitalised known words in
   * ("Great!", "Rezalet!", "Happy Birthday") is taken for the one candidate language whose lexicon
   * gives one of those words a sentiment: names rarely carry one, and a short complaint must not
   * lose its sentiment and intent to `und`.
   */
  const decide = (scan: ScannedText, text: string, locale: string | undefined): LanguageDecision => {
    const decision = detectLanguage(scan, text, locale, settings);
    if (decision.cue !== NAMES_ONLY_CUE) return decision;
    let found: ModelLanguage | undefined;
    for (const language of ['en', 'tr'] as const) {
      if (!settings.candidates.includes(language) || !hasPolarWord(scan, packFor(language).lexicon)) continue;
      if (found) return decision;
      found = language;
    }
    return found ? { language: found, confidence: 0.5, cue: `a word with sentiment in the ${found === 'en' ? 'English' : 'Turkish'} lexicon`, fromPrior: false } : decision;
  };

  /** What the rules found for the last {@link sentimentOf} (the rules' reused result object). */
  let rules: RuleResult;
  /** The sentiment step, shared by the full result and the sentiment-only path. */
  const sentimentOf = (scan: ScannedText, pack: LanguagePack): SentimentDecision => {
    rules = scoreRules(scan, pack.lexicon);
    denseFeatures(scan, rules, dense);
    const modelProbabilities = predictLinear(pack.model, sparseFeatures(scan, pack.lexicon, sparse), dense, pack.probabilities);
    return combineSentiment(modelProbabilities, rules.raw, pack.model.blend, resolved.neutralBand);
  };

  const classifyOne = (input: ClassifierInput): Classification => {
    const text = textOf(input);
    const scan = read(text);
    if (!scan) return emptyResult(resolved.id, 'the text could not be read');
    const decision = decide(scan, text, input.locale);
    const packLanguage = packLanguageOf(decision);
    const truncated = scan.truncated;
    if (!packLanguage || scan.tokenCount === 0) {
      const result = emptyResult(resolved.id, packLanguage ? 'no words to classify' : `no sentiment/intent model for \`${decision.language}\``);
      result.language = decision.language;
      result.languageConfidence = round(decision.confidence);
      result.explanation.unshift(languageExplanation(decision.language, decision.cue, truncated));
      if (!packLanguage && scan.letters > 0) {
        // no model for this language: say so, and weigh only what needs no language
        result.explanation.push({ label: UNSUPPORTED_LANGUAGE, cues: [`no sentiment or intent model for \`${decision.language}\` (supported: en, tr)`] });
        const cues = languageFreeUrgency(scan, input);
        result.urgency = cues.urgency;
        result.explanation.push({ label: 'urgency', cues: cues.cues });
      }
      return result;
    }
    const pack = packFor(packLanguage);

    // sentiment
    const { label, score, confidence } = sentimentOf(scan, pack);

    // intents
    scores.fill(0);
    const evidence: IntentEvidence = { scores, cues: undefined };
    matchIntentRules(scan, pack.intents, evidence);
    if (label === 'negative') vote(evidence, COMPLAINT, Math.min(0.8, 0.3 + 0.4 * -score), 'negative sentiment');
    if (packLanguage === 'tr' && hasCannotDoVerb(scan)) vote(evidence, SUPPORT, 0.5, 'a "cannot do" verb (-amıyorum/-emiyorum)');
    if (scores[ESCALATION]! >= 0.5) vote(evidence, COMPLAINT, 0.55, 'an escalation threat');
    if (scores[CHURN]! >= 0.5) vote(evidence, COMPLAINT, 0.3, 'a churn threat');
    if (scores[PRAISE]! >= 0.5 && score > -0.2) {
      // "thanks for replacing my broken kettle": the broken kettle is not today's complaint
      scores[COMPLAINT]! *= 0.55;
      scores[SUPPORT]! *= 0.55;
    }
    if (label === 'positive' && score > 0.4 && scan.questions === 0) vote(evidence, PRAISE, 0.3 + 0.25 * score, 'positive sentiment');
    if (scan.urls >= 2 || scan.mentions >= 5) vote(evidence, SPAM, 0.35, scan.urls >= 2 ? 'several links' : 'many mentions');
    if (scores[SPAM]! >= resolved.intentThreshold) {
      scores[COMPLAINT]! *= 0.6;
      scores[PRAISE]! *= 0.6;
    }
    const intents: Classification['intents'] = [];
    for (let intent = 0; intent < INTENT_COUNT; intent++) {
      const confidence = reported(scores[intent]!);
      if (confidence > 0) intents.push({ intent: INTENT_LABELS[intent]!, confidence });
    }
    if (intents.length > 1) intents.sort((first, second) => second.confidence - first.confidence);

    const route = routeDepartment(intents);

    // urgency
    let urgencyCues = 0;
    let urgency = 0.05;
    const negativity = Math.max(0, -score);
    if (negativity > 0) urgency += 0.3 * negativity;
    const escalation = reported(scores[ESCALATION]!);
    const churn = reported(scores[CHURN]!);
    urgency += 0.35 * escalation + 0.25 * churn + 0.12 * reported(scores[COMPLAINT]!) + 0.1 * reported(scores[SUPPORT]!) + 0.04 * reported(scores[QUESTION]!);
    if (escalation) urgencyCues |= URGENCY_ESCALATION;
    if (churn) urgencyCues |= URGENCY_CHURN;
    if (negativity > 0.3) urgencyCues |= URGENCY_NEGATIVE;
    const concern = clamp(negativity + escalation + churn + reported(scores[COMPLAINT]!));
    const followers = typeof input.followerCount === 'number' && input.followerCount > 0 ? input.followerCount : 0;
    if (followers > 0) {
      const reach = clamp(Math.log10(1 + followers) / 6);
      urgency += 0.18 * reach * (0.3 + 0.7 * concern);
      if (reach > 0.5) urgencyCues |= URGENCY_REACH;
    }
    if (input.visibility !== 'private' && concern > 0.3) {
      urgency += 0.06;
      urgencyCues |= URGENCY_PUBLIC;
    }
    const participants = typeof input.threadParticipants === 'number' && input.threadParticipants > 1 ? input.threadParticipants : 0;
    if (participants > 0) {
      urgency += 0.1 * clamp(Math.log2(participants) / 5) * (0.3 + 0.7 * concern);
      if (participants >= 5) urgencyCues |= URGENCY_THREAD;
    }
    if (reported(scores[SPAM]!) > 0) {
      urgency = Math.min(urgency, 0.05);
      urgencyCues |= URGENCY_SPAM;
    }
    if (input.direction === 'outbound') {
      urgency = 0;
      urgencyCues |= URGENCY_OUTBOUND;
    }

    const sentimentCues = describeCues(scan, rules);
    if (sentimentCues.length === 0) sentimentCues.push('learned word model only (no lexicon cue)');
    const explanation: Classification['explanation'] = [languageExplanation(decision.language, decision.cue, truncated), { label: SENTIMENT_EXPLANATION[label], cues: sentimentCues }];
    for (const { intent } of intents) explanation.push({ label: INTENT_EXPLANATION[intent], cues: describeIntentCues(evidence.cues, scan.text, INTENT_LABELS.indexOf(intent)) });
    explanation.push({ label: DEPARTMENT_EXPLANATION[route.department], cues: [route.reason] });
    explanation.push({ label: 'urgency', cues: describeUrgency(urgencyCues, followers, participants) });
    const result: Classification = {
      language: decision.language,
      languageConfidence: round(clamp(decision.confidence)),
      languageSupported: true,
      sentiment: { label, score: round(score), confidence: round(clamp(confidence)) },
      intents,
      department: route,
      urgency: round(clamp(urgency)),
      explanation,
      model: resolved.id,
    };
    return result;
  };

  const classify = (input: ClassifierInput): Classification => {
    try {
      return classifyOne(input);
    } catch {
      // A bug must not stop the pipeline; the result says nothing was concluded.
      return emptyResult(resolved.id, 'internal error while classifying');
    }
  };

  const classifySentiment = (input: ClassifierInput | string): SentimentResult => {
    try {
      const text = typeof input === 'string' ? input : textOf(input);
      const scan = read(text);
      if (!scan) return { language: 'und', languageConfidence: 0, languageSupported: false, sentiment: { ...NO_SENTIMENT } };
      const decision = decide(scan, text, typeof input === 'string' ? undefined : input.locale);
      const packLanguage = packLanguageOf(decision);
      if (!packLanguage || scan.tokenCount === 0) {
        return { language: decision.language, languageConfidence: round(decision.confidence), languageSupported: packLanguage !== undefined, sentiment: { ...NO_SENTIMENT } };
      }
      const { label, score, confidence } = sentimentOf(scan, packFor(packLanguage));
      return { language: decision.language, languageConfidence: round(clamp(decision.confidence)), languageSupported: true, sentiment: { label, score: round(score), confidence: round(clamp(confidence)) } };
    } catch {
      return { language: 'und', languageConfidence: 0, languageSupported: false, sentiment: { ...NO_SENTIMENT } };
    }
  };

  return {
    id: resolved.id,
    classify,
    classifyBatch: (inputs) => inputs.map(classify),
    classifySentiment,
  };
}

/** The sentiment when nothing could be concluded. */
const NO_SENTIMENT: Classification['sentiment'] = { label: 'neutral', score: 0, confidence: 0.1 };

/** Explanation label of a result for a language without a sentiment/intent model. */
export const UNSUPPORTED_LANGUAGE = 'unsupported-language';

/**
 * Urgency from what reads the same in every language: angry or sad emoji and emoticons,
 * exclamation marks, words in capitals, letters or punctuation repeated ("!!!", "nooo"), and
 * the author's reach when the message looks upset. Outbound messages get 0.
 */
function languageFreeUrgency(scan: ScannedText, input: ClassifierInput): { urgency: number; cues: string[] } {
  if (input.direction === 'outbound') return { urgency: 0, cues: ['outbound (the brand itself)'] };
  const cues: string[] = [];
  let negativeEmoji = 0;
  for (const point of scan.emoji) if ((EMOJI_POLARITY.get(point) ?? 0) < 0) negativeEmoji++;
  if (scan.emoticonScore < 0) negativeEmoji -= scan.emoticonScore;
  let shouted = 0;
  let repeated = 0;
  for (let token = 0; token < scan.tokenCount; token++) {
    const flag = scan.flags[token]!;
    if ((flag & TOKEN_CAPS) !== 0) shouted++;
    if ((flag & TOKEN_ELONGATED) !== 0) repeated++;
  }
  let upset = 0;
  if (negativeEmoji > 0) {
    upset += Math.min(0.5, 0.25 * negativeEmoji);
    cues.push(`${negativeEmoji} angry or sad emoji`);
  }
  if (scan.exclamations >= 2) {
    upset += Math.min(0.25, 0.08 * scan.exclamations);
    cues.push(`${scan.exclamations} exclamation marks`);
  }
  if (shouted >= 2) {
    upset += 0.15;
    cues.push('words in capitals');
  }
  if (repeated > 0) {
    upset += 0.1;
    cues.push('repeated letters');
  }
  let urgency = 0.05 + 0.4 * clamp(upset);
  const followers = typeof input.followerCount === 'number' && input.followerCount > 0 ? input.followerCount : 0;
  if (followers > 0 && upset > 0) {
    urgency += 0.15 * clamp(Math.log10(1 + followers) / 6);
    if (followers >= 10_000) cues.push(`reach: ${followers} followers`);
  }
  return { urgency: round(clamp(urgency)), cues: cues.length ? cues : ['nothing pressing (language-free cues only)'] };
}

const SENTIMENT_EXPLANATION = { negative: 'sentiment:negative', neutral: 'sentiment:neutral', positive: 'sentiment:positive' } as const;
const INTENT_EXPLANATION = Object.fromEntries(INTENT_LABELS.map((intent) => [intent, `intent:${intent}`])) as Record<IntentLabel, string>;
const DEPARTMENT_EXPLANATION = Object.fromEntries(DEPARTMENTS.map((department) => [department, `department:${department}`])) as Record<Department, string>;

const LANGUAGE_LABELS = new Map<string, string>();

function languageExplanation(language: string, cue: string, truncated: boolean): Classification['explanation'][number] {
  let label = LANGUAGE_LABELS.get(language);
  if (label === undefined) {
    label = `language:${language}`;
    if (LANGUAGE_LABELS.size < 256) LANGUAGE_LABELS.set(language, label);
  }
  return { label, cues: truncated ? [cue, 'text cut to its first 4,000 characters'] : [cue] };
}

function describeUrgency(flags: number, followers: number, participants: number): string[] {
  const cues: string[] = [];
  if (flags & URGENCY_ESCALATION) cues.push('escalation threat');
  if (flags & URGENCY_CHURN) cues.push('churn risk');
  if (flags & URGENCY_NEGATIVE) cues.push('negative tone');
  if (flags & URGENCY_REACH) cues.push(`reach: ${followers} followers`);
  if (flags & URGENCY_PUBLIC) cues.push('public');
  if (flags & URGENCY_THREAD) cues.push(`${participants} people in the thread`);
  if (flags & URGENCY_SPAM) cues.push('spam');
  if (flags & URGENCY_OUTBOUND) cues.push('outbound (the brand itself)');
  return cues.length ? cues : ['nothing pressing'];
}

function emptyResult(model: string, reason: string): Classification {
  return {
    language: 'und',
    languageConfidence: 0,
    languageSupported: false,
    sentiment: { ...NO_SENTIMENT },
    intents: [],
    department: { department: 'marketing_communication', reason: `nothing to route: ${reason}` },
    urgency: 0,
    explanation: [{ label: 'sentiment:neutral', cues: [reason] }],
    model,
  };
}

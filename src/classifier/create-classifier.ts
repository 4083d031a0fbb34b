/**
 * The default classifier: offline, synchronous, English and Turkish.
 *
 * @module
 */
import type { Classifier, ClassifierInput } from '../classifier-port.js';
import type { Classification, IntentLabel } from '../interaction.js';
import { detectLanguage, languageTable, type LanguageSettings } from './detect-language.js';
import { builtInIntentRules, compileIntentRules, keywordRules, matchIntentRules, routeDepartment, vote, type IntentEvidence, type PhraseMatcher } from './intent.js';
import { SENTIMENT_EN, SENTIMENT_TR } from './model/sentiment.js';
import { resolveClassifierOptions, type ClassifierOptions } from './options.js';
import {
  buildLexicon,
  combineSentiment,
  denseFeatures,
  foldTerm,
  loadLinearModel,
  predictLinear,
  scoreRules,
  sparseFeatures,
  type LexiconIndex,
  type LinearModel,
  type ModelLanguage,
} from './sentiment.js';
import { scanText, type ScannedText } from './_text.js';

/** A classifier whose `classify` is synchronous (the default one is). */
export interface SyncClassifier extends Classifier {
  classify(input: ClassifierInput): Classification;
  classifyBatch(inputs: ClassifierInput[]): Classification[];
}

interface LanguagePack {
  lexicon: LexiconIndex;
  model: LinearModel;
  intents: PhraseMatcher;
}

/** Turkish "cannot do" verbs (güncelleyemiyorum, giremiyorum): someone needs a hand. */
const CANNOT_DO = /[a-z]{2}(?:am|em|ay|ey)[iu]yor(?:um|uz)\b/;

let englishModel: LinearModel | undefined;
let turkishModel: LinearModel | undefined;

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
export function createClassifier(options: ClassifierOptions = {}): SyncClassifier {
  const resolved = resolveClassifierOptions(options);
  const settings: LanguageSettings = { candidates: resolved.languages, defaultLanguage: resolved.defaultLanguage, margin: resolved.languageMargin };
  const table = languageTable();
  englishModel ??= loadLinearModel(SENTIMENT_EN);
  turkishModel ??= loadLinearModel(SENTIMENT_TR);
  const packs: Record<ModelLanguage, LanguagePack> = {
    en: {
      lexicon: buildLexicon('en', resolved.lexicon.en?.terms),
      model: englishModel,
      intents: compileIntentRules([...builtInIntentRules('en'), ...keywordRules(resolved.lexicon.en?.intents ?? {}, foldTerm)]),
    },
    tr: {
      lexicon: buildLexicon('tr', resolved.lexicon.tr?.terms),
      model: turkishModel,
      intents: compileIntentRules([...builtInIntentRules('tr'), ...keywordRules(resolved.lexicon.tr?.intents ?? {}, foldTerm)]),
    },
  };
  const sparse: number[] = [];

  const classifyOne = (input: ClassifierInput): Classification => {
    const text = typeof input?.text === 'string' ? input.text : '';
    let scan: ScannedText;
    try {
      scan = scanText(text, table);
    } catch {
      return emptyResult(resolved.id, 'the text could not be read');
    }
    const decision = detectLanguage(scan, text, input.locale, settings);
    const explanation: Classification['explanation'] = [{ label: `language:${decision.language}`, cues: [decision.cue] }];
    if (scan.truncated) explanation[0]!.cues.push('text cut to its first 4,000 characters');
    const packLanguage = decision.language === 'en' || decision.language === 'tr' ? decision.language : undefined;
    if (!packLanguage || scan.tokenCount === 0) {
      const result = emptyResult(resolved.id, packLanguage ? 'no words to classify' : `no sentiment/intent model for \`${decision.language}\``);
      result.language = decision.language;
      result.languageConfidence = round(decision.confidence);
      result.explanation.unshift(explanation[0]!);
      return result;
    }
    const pack = packs[packLanguage];

    // sentiment
    const rules = scoreRules(scan, pack.lexicon);
    const dense = denseFeatures(scan, rules);
    const probabilities = predictLinear(pack.model, sparseFeatures(scan, pack.lexicon, sparse), dense);
    const neutralBand = resolved.neutralBand ?? pack.model.blend.neutral;
    const { label, score, confidence } = combineSentiment(probabilities, rules.raw, pack.model.blend, neutralBand);
    const sentimentCues = rules.cues.map(({ cue, value }) => (value === 0 ? cue : `${cue} (${value > 0 ? '+' : ''}${round(value)})`));
    if (rules.negations > 0) sentimentCues.push(`negation ×${rules.negations}`);
    if (sentimentCues.length === 0) sentimentCues.push('learned word model only (no lexicon cue)');
    explanation.push({ label: `sentiment:${label}`, cues: sentimentCues });

    // intents
    const evidence: IntentEvidence = { scores: new Map(), cues: new Map() };
    matchIntentRules(scan, pack.intents, evidence);
    if (label === 'negative') vote(evidence, 'complaint', Math.min(0.8, 0.3 + 0.4 * -score), 'negative sentiment');
    if (packLanguage === 'tr' && CANNOT_DO.test(scan.folded)) vote(evidence, 'support_request', 0.5, 'a "cannot do" verb (-amıyorum/-emiyorum)');
    const escalationVotes = evidence.scores.get('escalation_threat') ?? 0;
    if (escalationVotes >= 0.5) vote(evidence, 'complaint', 0.55, 'an escalation threat');
    if ((evidence.scores.get('churn_risk') ?? 0) >= 0.5) vote(evidence, 'complaint', 0.3, 'a churn threat');
    if ((evidence.scores.get('praise') ?? 0) >= 0.5 && score > -0.2) {
      // "thanks for replacing my broken kettle": the broken kettle is not today's complaint
      for (const intent of ['complaint', 'support_request'] as const) {
        const current = evidence.scores.get(intent);
        if (current !== undefined) evidence.scores.set(intent, current * 0.55);
      }
    }
    if (label === 'positive' && score > 0.4 && scan.questions === 0) vote(evidence, 'praise', 0.3 + 0.25 * score, 'positive sentiment');
    if (scan.urls >= 2 || scan.mentions >= 5) vote(evidence, 'spam', 0.35, scan.urls >= 2 ? 'several links' : 'many mentions');
    if (evidence.scores.has('spam') && (evidence.scores.get('spam') ?? 0) >= resolved.intentThreshold) {
      for (const intent of ['complaint', 'praise'] as const) {
        const current = evidence.scores.get(intent);
        if (current !== undefined) evidence.scores.set(intent, current * 0.6);
      }
    }
    const intents = [...evidence.scores.entries()]
      .filter(([, value]) => value >= resolved.intentThreshold)
      .sort((first, second) => second[1] - first[1])
      .map(([intent, value]) => ({ intent, confidence: round(value) }));
    for (const { intent } of intents) explanation.push({ label: `intent:${intent}`, cues: evidence.cues.get(intent) ?? [] });

    const route = routeDepartment(intents);
    explanation.push({ label: `department:${route.department}`, cues: [route.reason] });

    // urgency
    const urgencyCues: string[] = [];
    const has = (intent: IntentLabel) => intents.find((item) => item.intent === intent)?.confidence ?? 0;
    let urgency = 0.05;
    const negativity = Math.max(0, -score);
    if (negativity > 0) urgency += 0.3 * negativity;
    const escalation = has('escalation_threat');
    const churn = has('churn_risk');
    urgency += 0.35 * escalation + 0.25 * churn + 0.12 * has('complaint') + 0.1 * has('support_request') + 0.04 * has('question');
    if (escalation) urgencyCues.push('escalation threat');
    if (churn) urgencyCues.push('churn risk');
    if (negativity > 0.3) urgencyCues.push('negative tone');
    const concern = clamp(negativity + escalation + churn + has('complaint'));
    const followers = typeof input.followerCount === 'number' && input.followerCount > 0 ? input.followerCount : 0;
    if (followers > 0) {
      const reach = clamp(Math.log10(1 + followers) / 6);
      urgency += 0.18 * reach * (0.3 + 0.7 * concern);
      if (reach > 0.5) urgencyCues.push(`reach: ${followers} followers`);
    }
    if (input.visibility !== 'private' && concern > 0.3) {
      urgency += 0.06;
      urgencyCues.push('public');
    }
    const participants = typeof input.threadParticipants === 'number' && input.threadParticipants > 1 ? input.threadParticipants : 0;
    if (participants > 0) {
      urgency += 0.1 * clamp(Math.log2(participants) / 5) * (0.3 + 0.7 * concern);
      if (participants >= 5) urgencyCues.push(`${participants} people in the thread`);
    }
    if (has('spam') > 0) {
      urgency = Math.min(urgency, 0.05);
      urgencyCues.push('spam');
    }
    if (input.direction === 'outbound') {
      urgency = 0;
      urgencyCues.push('outbound (the brand itself)');
    }
    explanation.push({ label: 'urgency', cues: urgencyCues.length ? urgencyCues : ['nothing pressing'] });

    return {
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
  };

  const classify = (input: ClassifierInput): Classification => {
    try {
      return classifyOne(input);
    } catch {
      // A bug must not stop the pipeline; the result says nothing was concluded.
      return emptyResult(resolved.id, 'internal error while classifying');
    }
  };

  return {
    id: resolved.id,
    classify,
    classifyBatch: (inputs) => inputs.map(classify),
  };
}

function emptyResult(model: string, reason: string): Classification {
  return {
    language: 'und',
    languageConfidence: 0,
    languageSupported: false,
    sentiment: { label: 'neutral', score: 0, confidence: 0.1 },
    intents: [],
    department: { department: 'marketing_communication', reason: `nothing to route: ${reason}` },
    urgency: 0,
    explanation: [{ label: 'sentiment:neutral', cues: [reason] }],
    model,
  };
}

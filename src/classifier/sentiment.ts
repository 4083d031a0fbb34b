/**
 * @internal Sentiment: hand-written rules over the lexicons (negation, intensifiers,
 * contrast, emoji, elongation, capitals) produce a rule score and a few dense cues; a
 * compact learned linear model over hashed words and word pairs adds what the lexicons
 * miss, taking the rule cues as inputs so that training decides how much to trust them.
 */
import {
  EMOJI_POLARITY,
  ENGLISH_CONTRAST,
  ENGLISH_LEXICON,
  ENGLISH_MODIFIERS,
  ENGLISH_NEGATORS,
  TURKISH_CONTRAST,
  TURKISH_LEXICON,
  TURKISH_MODIFIERS,
  TURKISH_NEGATIVE_SUFFIX,
  TURKISH_POST_NEGATORS,
  TURKISH_PRE_NEGATORS,
} from './lexicons.js';
import { MAX_PREFIX, TOKEN_CAPS, TOKEN_ELONGATED, TOKEN_NUMERIC, hashWord, mixHash, tokenText, type ScannedText } from './_text.js';

/** Languages with a sentiment model. */
export type ModelLanguage = 'en' | 'tr';

interface StemEntry {
  polarity: number;
  verb: boolean;
  length: number;
}

/** Everything the rules know about one folded word. */
interface WordEntry {
  polarity: number;
  /** Multiplier for the sentiment word it modifies; 1 when not a modifier. */
  factor: number;
  preNegator: boolean;
  postNegator: boolean;
  contrast: boolean;
}

/** Hash-keyed lexicon for one language, host extensions included. */
export interface LexiconIndex {
  language: ModelLanguage;
  /** Whole words: one look-up per token gives polarity and role. */
  words: Map<number, WordEntry>;
  /** Turkish stems, matched by prefix. */
  stems: Map<number, StemEntry>;
  /** Host phrases of several words, matched on the folded text. */
  phrases: Array<{ phrase: string; polarity: number }>;
}

/** Folds a host-supplied term the way the scanner folds text. */
export function foldTerm(term: string): string {
  return term
    .replace(/İ/g, 'i')
    .toLowerCase()
    .replace(/[çćč]/g, 'c')
    .replace(/ğ/g, 'g')
    .replace(/[ıìíîï]/g, 'i')
    .replace(/[öòóôõø]/g, 'o')
    .replace(/[şśš]/g, 's')
    .replace(/[üùúû]/g, 'u')
    .replace(/[àáâãäå]/g, 'a')
    .replace(/[èéêë]/g, 'e')
    .replace(/[\u0307'’]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Builds the lexicon index for a language, overlaying host terms (`{ term: polarity }`, -5..5). */
export function buildLexicon(language: ModelLanguage, extra: Record<string, number> = {}): LexiconIndex {
  const index: LexiconIndex = { language, words: new Map(), stems: new Map(), phrases: [] };
  const entry = (word: string): WordEntry => {
    const hash = hashWord(word);
    let found = index.words.get(hash);
    if (!found) index.words.set(hash, (found = { polarity: 0, factor: 1, preNegator: false, postNegator: false, contrast: false }));
    return found;
  };
  if (language === 'en') {
    for (const [word, polarity] of ENGLISH_LEXICON) entry(word).polarity = polarity;
    for (const [word, factor] of ENGLISH_MODIFIERS) entry(word).factor = factor;
    for (const word of ENGLISH_NEGATORS) entry(word).preNegator = true;
    for (const word of ENGLISH_CONTRAST) entry(word).contrast = true;
  } else {
    for (const [word, stem] of TURKISH_LEXICON) {
      if (stem.exact) entry(word).polarity = stem.polarity;
      else index.stems.set(hashWord(word), { polarity: stem.polarity, verb: stem.verb, length: word.length });
    }
    for (const [word, factor] of TURKISH_MODIFIERS) entry(word).factor = factor;
    for (const word of TURKISH_PRE_NEGATORS) entry(word).preNegator = true;
    for (const word of TURKISH_POST_NEGATORS) entry(word).postNegator = true;
    for (const word of TURKISH_CONTRAST) entry(word).contrast = true;
  }
  for (const [term, polarity] of Object.entries(extra)) {
    const folded = foldTerm(term);
    if (!folded) continue;
    if (folded.includes(' ')) index.phrases.push({ phrase: folded, polarity });
    else if (language === 'tr' && folded.length >= 4) index.stems.set(hashWord(folded), { polarity, verb: false, length: folded.length });
    else entry(folded).polarity = polarity;
  }
  return index;
}

/** True when the token is a negator that precedes what it negates. */
export function isPreNegator(lexicon: LexiconIndex, hash: number): boolean {
  return lexicon.words.get(hash)?.preNegator === true;
}

/** What the rules found. */
export interface RuleResult {
  /** Sum of weighted polarities (AFINN scale). */
  raw: number;
  positive: number;
  negative: number;
  negations: number;
  emoji: number;
  /** Cue tokens and their final contribution, strongest first (at most 6). */
  cues: Array<{ cue: string; value: number }>;
}

const SQUEEZE = /(.)\1+/g;
const NEGATED_BY_SUFFIX = 1000;

/** Polarity of a token, plus {@link NEGATED_BY_SUFFIX} when a Turkish negative suffix follows its stem; 0 when none. */
function tokenPolarity(scan: ScannedText, lexicon: LexiconIndex, token: number, entry: WordEntry | undefined): number {
  if (entry && entry.polarity !== 0) return entry.polarity;
  if (lexicon.stems.size > 0) {
    const length = scan.lengths[token]!;
    const whole = lexicon.stems.get(scan.hashes[token]!);
    if (whole) return whole.polarity;
    for (let prefix = Math.min(length - 1, MAX_PREFIX); prefix >= 3; prefix--) {
      const stem = lexicon.stems.get(scan.prefixHashes[token * MAX_PREFIX + prefix - 1]!);
      if (!stem) continue;
      if (stem.verb && TURKISH_NEGATIVE_SUFFIX.test(scan.folded.slice(scan.starts[token]! + stem.length, scan.ends[token]!))) {
        return stem.polarity + (stem.polarity > 0 ? NEGATED_BY_SUFFIX : -NEGATED_BY_SUFFIX);
      }
      return stem.polarity;
    }
  }
  if ((scan.flags[token]! & TOKEN_ELONGATED) !== 0) {
    const squeezed = lexicon.words.get(hashWord(tokenText(scan, token).replace(SQUEEZE, '$1')));
    if (squeezed) return squeezed.polarity;
  }
  return 0;
}

let entryScratch: Array<WordEntry | undefined> = [];
let polarityScratch = new Float64Array(256);

/** Applies the rules. Cheap: one map look-up per token, a few more for Turkish stems. */
export function scoreRules(scan: ScannedText, lexicon: LexiconIndex): RuleResult {
  const count = scan.tokenCount;
  const english = lexicon.language === 'en';
  if (polarityScratch.length < count) polarityScratch = new Float64Array(count * 2);
  const entries = entryScratch;
  entries.length = count;
  let contrastAt = -1;
  for (let token = 0; token < count; token++) {
    const entry = lexicon.words.get(scan.hashes[token]!);
    entries[token] = entry;
    if (entry?.contrast) contrastAt = token;
  }
  for (let token = 0; token < count; token++) {
    polarityScratch[token] = (scan.flags[token]! & TOKEN_NUMERIC) !== 0 ? 0 : tokenPolarity(scan, lexicon, token, entries[token]);
  }

  let raw = 0;
  let positive = 0;
  let negative = 0;
  let negations = 0;
  const strongest: number[] = [];
  const values: number[] = [];
  for (let token = 0; token < count; token++) {
    const entry = entries[token];
    let polarity = polarityScratch[token]!;
    if (polarity === 0) {
      if (entry && (entry.preNegator || entry.postNegator)) negations++;
      continue;
    }
    // a modifier followed by a sentiment word acts as a modifier only ("pretty bad")
    if (entry && entry.factor !== 1 && token + 1 < count && polarityScratch[token + 1] !== 0 && scan.clauses[token + 1] === scan.clauses[token]) continue;
    let negated = false;
    if (polarity > NEGATED_BY_SUFFIX / 2) {
      polarity -= NEGATED_BY_SUFFIX;
      negated = true;
    } else if (polarity < -NEGATED_BY_SUFFIX / 2) {
      polarity += NEGATED_BY_SUFFIX;
      negated = true;
    }
    let value = polarity;
    const clause = scan.clauses[token]!;
    for (let back = token - 1; back >= 0 && back >= token - 3 && scan.clauses[back] === clause; back--) {
      const before = entries[back];
      if (!before) continue;
      if (before.factor !== 1 && back >= token - 2) value *= before.factor;
      // English negators toggle ("not without"); Turkish ones agree ("hiçbir sorun yok" is one negation)
      if (before.preNegator) negated = english ? !negated : true;
    }
    if (!english) {
      for (let ahead = token + 1; ahead < count && ahead <= token + 2 && scan.clauses[ahead] === clause; ahead++) {
        if (entries[ahead]?.postNegator) {
          negated = true;
          break;
        }
      }
    }
    if (negated) {
      negations++;
      value *= value > 0 ? -0.8 : -0.5;
    }
    const flag = scan.flags[token]!;
    if ((flag & TOKEN_CAPS) !== 0) value *= 1.4;
    if ((flag & TOKEN_ELONGATED) !== 0) value *= 1.3;
    if (contrastAt >= 0) value *= token < contrastAt ? 0.5 : token > contrastAt ? 1.5 : 1;
    raw += value;
    if (value > 0) positive += value;
    else negative -= value;
    strongest.push(token);
    values.push(value);
  }
  for (const { phrase, polarity } of lexicon.phrases) {
    if (scan.folded.includes(phrase)) {
      raw += polarity;
      if (polarity > 0) positive += polarity;
      else negative -= polarity;
    }
  }

  let emoji = scan.emoticonScore * 2;
  for (const point of scan.emoji) emoji += EMOJI_POLARITY.get(point) ?? 0;
  raw += emoji * 1.5;
  if (emoji > 0) positive += emoji * 1.5;
  else negative -= emoji * 1.5;

  if (scan.exclamations > 0 && raw !== 0) raw *= 1 + Math.min(scan.exclamations, 3) * 0.08;
  if (scan.letters >= 6 && scan.upperLetters / scan.letters > 0.7) raw *= 1.3;

  const order = values.map((_, index) => index).sort((first, second) => Math.abs(values[second]!) - Math.abs(values[first]!));
  const cues: RuleResult['cues'] = [];
  for (const index of order) {
    if (cues.length === 6) break;
    cues.push({ cue: tokenText(scan, strongest[index]!), value: values[index]! });
  }
  for (const point of scan.emoji) {
    if (cues.length >= 8) break;
    const polarity = EMOJI_POLARITY.get(point);
    if (polarity) cues.push({ cue: String.fromCodePoint(point), value: polarity });
  }
  for (let index = 0; index < scan.emoticons.length && index < 2; index++) cues.push({ cue: scan.emoticons[index]!, value: 0 });
  return { raw, positive, negative, negations, emoji, cues };
}

/** Dense inputs of the learned model, in this order. */
export const DENSE_FEATURES = ['ruleScore', 'rulePositive', 'ruleNegative', 'emoji', 'question', 'exclamation', 'negation'] as const;

/** Squashes a rule sum into (-1, 1). */
export function squash(raw: number): number {
  return raw / Math.sqrt(raw * raw + 12);
}

/** Dense feature values for the learned model. */
export function denseFeatures(scan: ScannedText, rules: RuleResult): number[] {
  return [
    squash(rules.raw),
    squash(rules.positive),
    squash(rules.negative),
    Math.tanh(rules.emoji / 3),
    scan.questions > 0 ? 1 : 0,
    scan.exclamations > 0 ? 1 : 0,
    rules.negations > 0 ? 1 : 0,
  ];
}

const NEGATED_SALT = 0x1b873593;
const BIGRAM_SALT = 0x7feb352d;
const PREFIX_SALT = 0x68e31da4;
const EMOJI_SALT = 0x2545f491;

/**
 * Hashed sparse features: words (marked when an English negator precedes them in the
 * clause), adjacent word pairs, for Turkish 5-letter stems, and emoji. Appends to `out`.
 */
export function sparseFeatures(scan: ScannedText, lexicon: LexiconIndex, out: number[]): number[] {
  out.length = 0;
  const count = scan.tokenCount;
  const english = lexicon.language === 'en';
  let negatedClause = -1;
  let previous = 0x9747b28c;
  let previousClause = -1;
  for (let token = 0; token < count; token++) {
    const hash = scan.hashes[token]!;
    const clause = scan.clauses[token]!;
    if (clause !== previousClause) previous = 0x9747b28c;
    const negatedHere = english && negatedClause === clause;
    out.push(negatedHere ? mixHash(hash, NEGATED_SALT) : hash);
    out.push(mixHash(previous ^ BIGRAM_SALT, hash));
    if (!english && scan.lengths[token]! > 5) out.push(mixHash(scan.prefixHashes[token * MAX_PREFIX + 4]!, PREFIX_SALT));
    if (english && isPreNegator(lexicon, hash)) negatedClause = clause;
    previous = hash;
    previousClause = clause;
  }
  if (count > 0) out.push(mixHash(previous ^ BIGRAM_SALT, 0x2f));
  for (const point of scan.emoji) out.push(mixHash(point, EMOJI_SALT));
  return out;
}

/** A trained linear model as shipped in src/classifier/model/. */
export interface LinearModelData {
  classes: readonly string[];
  bits: number;
  /** Dequantisation factor of `weights`. */
  scale: number;
  bias: readonly number[];
  /** `dense[class][feature]`. */
  dense: ReadonlyArray<readonly number[]>;
  /** Base64 of Int8 weights, laid out `[bucket * classes + class]`. */
  weights: string;
  /** How the model's score and the rule score combine, calibrated on rows held out from training. */
  blend: SentimentBlend;
}

/** `score = squash(rules) + model × (p(positive) − p(negative))`; neutral inside ±`neutral`. */
export interface SentimentBlend {
  model: number;
  neutral: number;
}

/** A decoded model ready to score. */
export interface LinearModel {
  classes: readonly string[];
  blend: SentimentBlend;
  mask: number;
  scale: number;
  bias: readonly number[];
  dense: ReadonlyArray<readonly number[]>;
  weights: Int8Array;
}

/** Decodes base64 without Node's Buffer, so it also runs in browsers and workers. */
export function decodeBase64(text: string): Int8Array {
  const binary = atob(text);
  const bytes = new Int8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = (binary.charCodeAt(index) << 24) >> 24;
  return bytes;
}

export function loadLinearModel(data: LinearModelData): LinearModel {
  return {
    classes: data.classes,
    blend: data.blend,
    mask: (1 << data.bits) - 1,
    scale: data.scale,
    bias: data.bias,
    dense: data.dense,
    weights: decodeBase64(data.weights),
  };
}

/** Softmax probabilities of the model for the given features. */
export function predictLinear(model: LinearModel, sparse: readonly number[], dense: readonly number[]): number[] {
  const classCount = model.classes.length;
  const logits = model.bias.slice();
  for (const feature of sparse) {
    const base = (feature & model.mask) * classCount;
    for (let label = 0; label < classCount; label++) logits[label]! += model.weights[base + label]! * model.scale;
  }
  for (let label = 0; label < classCount; label++) {
    const row = model.dense[label]!;
    for (let feature = 0; feature < dense.length; feature++) logits[label]! += row[feature]! * dense[feature]!;
  }
  let maximum = -Infinity;
  for (const logit of logits) if (logit > maximum) maximum = logit;
  let total = 0;
  for (let label = 0; label < classCount; label++) {
    logits[label] = Math.exp(logits[label]! - maximum);
    total += logits[label]!;
  }
  for (let label = 0; label < classCount; label++) logits[label]! /= total;
  return logits;
}

/** A sentiment decision. */
export interface SentimentDecision {
  label: 'negative' | 'neutral' | 'positive';
  score: number;
  confidence: number;
}

/** Combines the learned probabilities with the rule sum (see {@link SentimentBlend}). */
export function combineSentiment(probabilities: readonly number[], ruleRaw: number, blend: SentimentBlend, neutral = blend.neutral): SentimentDecision {
  const positive = probabilities[probabilities.length - 1]!;
  const negative = probabilities[0]!;
  const combined = squash(ruleRaw) + blend.model * (positive - negative);
  const score = Math.max(-1, Math.min(1, combined / (1 + blend.model)));
  const magnitude = Math.abs(combined);
  if (magnitude < neutral) return { label: 'neutral', score, confidence: 1 - (0.5 * magnitude) / Math.max(neutral, 1e-6) };
  return { label: combined > 0 ? 'positive' : 'negative', score, confidence: Math.min(0.99, 0.5 + (magnitude - neutral) / 2) };
}

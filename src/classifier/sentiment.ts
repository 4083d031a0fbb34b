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

/** Hash-keyed lexicon for one language, host extensions included. */
export interface LexiconIndex {
  language: ModelLanguage;
  exact: Map<number, number>;
  stems: Map<number, StemEntry>;
  modifiers: Map<number, number>;
  preNegators: Set<number>;
  postNegators: Set<number>;
  contrast: Set<number>;
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
  const index: LexiconIndex = {
    language,
    exact: new Map(),
    stems: new Map(),
    modifiers: new Map(),
    preNegators: new Set(),
    postNegators: new Set(),
    contrast: new Set(),
    phrases: [],
  };
  if (language === 'en') {
    for (const [word, polarity] of ENGLISH_LEXICON) index.exact.set(hashWord(word), polarity);
    for (const [word, factor] of ENGLISH_MODIFIERS) index.modifiers.set(hashWord(word), factor);
    for (const word of ENGLISH_NEGATORS) index.preNegators.add(hashWord(word));
    for (const word of ENGLISH_CONTRAST) index.contrast.add(hashWord(word));
  } else {
    for (const [word, entry] of TURKISH_LEXICON) {
      if (entry.exact) index.exact.set(hashWord(word), entry.polarity);
      else index.stems.set(hashWord(word), { polarity: entry.polarity, verb: entry.verb, length: word.length });
    }
    for (const [word, factor] of TURKISH_MODIFIERS) index.modifiers.set(hashWord(word), factor);
    for (const word of TURKISH_PRE_NEGATORS) index.preNegators.add(hashWord(word));
    for (const word of TURKISH_POST_NEGATORS) index.postNegators.add(hashWord(word));
    for (const word of TURKISH_CONTRAST) index.contrast.add(hashWord(word));
  }
  for (const [term, polarity] of Object.entries(extra)) {
    const folded = foldTerm(term);
    if (!folded) continue;
    if (folded.includes(' ')) index.phrases.push({ phrase: folded, polarity });
    else if (language === 'tr' && folded.length >= 4) index.stems.set(hashWord(folded), { polarity, verb: false, length: folded.length });
    else index.exact.set(hashWord(folded), polarity);
  }
  return index;
}

/** What the rules found. */
export interface RuleResult {
  /** Sum of weighted polarities (AFINN scale). */
  raw: number;
  positive: number;
  negative: number;
  negations: number;
  emoji: number;
  /** Cue tokens and their final contribution, strongest first (at most 8). */
  cues: Array<{ cue: string; value: number }>;
}

const SQUEEZE = /(.)\1+/g;

function lookupPolarity(scan: ScannedText, lexicon: LexiconIndex, token: number): { polarity: number; negatedBySuffix: boolean } | undefined {
  const hash = scan.hashes[token]!;
  const exact = lexicon.exact.get(hash);
  if (exact !== undefined) return { polarity: exact, negatedBySuffix: false };
  const length = scan.lengths[token]!;
  if (lexicon.stems.size > 0) {
    const whole = lexicon.stems.get(hash);
    if (whole) return { polarity: whole.polarity, negatedBySuffix: false };
    for (let prefix = Math.min(length - 1, MAX_PREFIX); prefix >= 3; prefix--) {
      const stem = lexicon.stems.get(scan.prefixHashes[token * MAX_PREFIX + prefix - 1]!);
      if (!stem) continue;
      let negated = false;
      if (stem.verb) {
        const start = scan.starts[token]! + stem.length;
        negated = TURKISH_NEGATIVE_SUFFIX.test(scan.folded.slice(start, scan.ends[token]!));
      }
      return { polarity: stem.polarity, negatedBySuffix: negated };
    }
  }
  if ((scan.flags[token]! & TOKEN_ELONGATED) !== 0) {
    const squeezed = tokenText(scan, token).replace(SQUEEZE, '$1');
    const value = lexicon.exact.get(hashWord(squeezed));
    if (value !== undefined) return { polarity: value, negatedBySuffix: false };
  }
  return undefined;
}

/** Applies the rules. Cheap: a few map look-ups per token. */
export function scoreRules(scan: ScannedText, lexicon: LexiconIndex): RuleResult {
  const count = scan.tokenCount;
  const english = lexicon.language === 'en';
  let contrastAt = -1;
  for (let token = 0; token < count; token++) if (lexicon.contrast.has(scan.hashes[token]!)) contrastAt = token;

  let raw = 0;
  let positive = 0;
  let negative = 0;
  let negations = 0;
  const found: Array<{ token: number; value: number }> = [];
  for (let token = 0; token < count; token++) {
    const flag = scan.flags[token]!;
    if ((flag & TOKEN_NUMERIC) !== 0) continue;
    const hit = lookupPolarity(scan, lexicon, token);
    if (!hit || hit.polarity === 0) {
      if (lexicon.preNegators.has(scan.hashes[token]!) || lexicon.postNegators.has(scan.hashes[token]!)) negations++;
      continue;
    }
    // a modifier followed by a sentiment word acts as a modifier only
    if (token + 1 < count && lexicon.modifiers.has(scan.hashes[token]!) && scan.clauses[token + 1] === scan.clauses[token]) {
      if (lookupPolarity(scan, lexicon, token + 1)) continue;
    }
    let value = hit.polarity;
    const clause = scan.clauses[token]!;
    let negated = hit.negatedBySuffix;
    for (let back = token - 1; back >= 0 && back >= token - 3 && scan.clauses[back] === clause; back--) {
      const hash = scan.hashes[back]!;
      const factor = lexicon.modifiers.get(hash);
      if (factor !== undefined && back >= token - 2) value *= factor;
      // English negators toggle ("not without"); Turkish ones agree ("hiçbir sorun yok" is one negation)
      if (lexicon.preNegators.has(hash)) negated = english ? !negated : true;
    }
    if (!english) {
      for (let ahead = token + 1; ahead < count && ahead <= token + 2 && scan.clauses[ahead] === clause; ahead++) {
        if (lexicon.postNegators.has(scan.hashes[ahead]!)) {
          negated = true;
          break;
        }
      }
    }
    if (negated) {
      negations++;
      value *= value > 0 ? -0.8 : -0.5;
    }
    if ((flag & TOKEN_CAPS) !== 0) value *= 1.4;
    if ((flag & TOKEN_ELONGATED) !== 0) value *= 1.3;
    if (contrastAt >= 0) value *= token < contrastAt ? 0.5 : token > contrastAt ? 1.5 : 1;
    raw += value;
    if (value > 0) positive += value;
    else negative -= value;
    found.push({ token, value });
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

  found.sort((first, second) => Math.abs(second.value) - Math.abs(first.value));
  const cues = found.slice(0, 8).map(({ token, value }) => ({ cue: tokenText(scan, token), value }));
  for (const point of scan.emoji) {
    const polarity = EMOJI_POLARITY.get(point);
    if (polarity && cues.length < 10) cues.push({ cue: String.fromCodePoint(point), value: polarity });
  }
  for (const emoticon of scan.emoticons.slice(0, 2)) cues.push({ cue: emoticon, value: 0 });
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
    if (lexicon.preNegators.has(hash)) negatedClause = clause;
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

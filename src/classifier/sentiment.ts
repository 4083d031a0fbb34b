/**
 * @internal Sentiment: hand-written rules over the lexicons (negation, intensifiers,
 * contrast, emoji, elongation, capitals) produce a rule score and a few dense cues; a
 * compact learned linear model over hashed words and word pairs adds what the lexicons
 * miss, taking the rule cues as inputs so that training decides how much to trust them.
 */
import { EMOJI_POLARITY, TURKISH_NEGATIVE_SUFFIX } from './lexicons.js';
import { IntMap } from './_int-map.js';
import { PACKED_LEXICONS } from './model/lexicon.js';
import { FNV_OFFSET, MAX_PREFIX, TOKEN_CAPS, TOKEN_ELONGATED, TOKEN_LOWER, TOKEN_NUMERIC, TOKEN_SENTENCE_START, TOKEN_TITLE, foldedText, hashWord, mixHash, type ScannedText } from './_text.js';

/** Languages with a sentiment model. */
export type ModelLanguage = 'en' | 'tr';

/** Roles of a lexicon word. */
export const ROLE_PRE_NEGATOR = 1;
export const ROLE_POST_NEGATOR = 2;
export const ROLE_CONTRAST = 4;
/** A polar word that is also a name ("Rob", "Joy"). */
export const ROLE_NAME = 8;
/** A noun that makes the polar word before it a topic ("penalty debate", "abuse prevention"). */
export const ROLE_TOPIC_HEAD = 16;
/** May open an imperative before its negator ("please don't"). */
export const ROLE_IMPERATIVE_LEAD = 32;
/** Follows a sentence-opening name ("Rob and I"). */
export const ROLE_NAME_FOLLOWER = 64;

/**
 * Hash-keyed lexicon for one language, host extensions included. Entries live in parallel
 * arrays indexed by the value {@link IntMap} returns, so the rules allocate nothing per word.
 */
export interface LexiconIndex {
  language: ModelLanguage;
  /** Whole words: one look-up per token gives polarity and role. */
  words: IntMap;
  polarity: number[];
  /** Multiplier for the sentiment word it modifies; 1 when not a modifier. */
  factor: number[];
  roles: number[];
  /** VADER valence (-4..4) of English words; 0 for words VADER does not rate and for Turkish. */
  valence: number[];
  /** Turkish stems, matched by prefix. */
  stems: IntMap;
  stemPolarity: number[];
  stemVerb: boolean[];
  stemLength: number[];
  /** Host phrases of several words, matched on the folded text. */
  phrases: Array<{ phrase: string; polarity: number }>;
  /** Topic phrases of two or three words (English), keyed by {@link phraseKey} of their hashes; the value is the word count. */
  topics: IntMap;
  /** First words of the topic phrases: only after one of them is a phrase key worth computing. */
  topicStarts: IntMap;
}

/** Key of a run of two or three word hashes (`third` 0 for two). */
export function phraseKey(first: number, second: number, third: number): number {
  const pair = mixHash(first, second);
  return (third === 0 ? pair : mixHash(pair, third)) & 0x7fffffff;
}

/**
 * Folds a host-supplied term the way the scanner folds text. The letters are written as escapes:
 * one non-ASCII character in the bundle makes Node decode all of it, models included, as
 * two-byte text, which slows every cold start.
 */
export function foldTerm(term: string): string {
  return term
    .replace(/\u0130/g, 'i')
    .toLowerCase()
    .replace(/[\u00e7\u0107\u010d]/g, 'c')
    .replace(/\u011f/g, 'g')
    .replace(/[\u0131\u00ec\u00ed\u00ee\u00ef]/g, 'i')
    .replace(/[\u00f6\u00f2\u00f3\u00f4\u00f5\u00f8]/g, 'o')
    .replace(/[\u015f\u015b\u0161]/g, 's')
    .replace(/[\u00fc\u00f9\u00fa\u00fb]/g, 'u')
    .replace(/[\u00e0\u00e1\u00e2\u00e3\u00e4\u00e5]/g, 'a')
    .replace(/[\u00e8\u00e9\u00ea\u00eb]/g, 'e')
    .replace(/[\u0307'\u2019]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** An empty index sized for `words` whole words. */
export function emptyLexicon(language: ModelLanguage, words: number, stems: number, topics: number): LexiconIndex {
  return {
    language,
    words: new IntMap(words),
    polarity: [],
    factor: [],
    roles: [],
    valence: [],
    stems: new IntMap(stems),
    stemPolarity: [],
    stemVerb: [],
    stemLength: [],
    phrases: [],
    topics: new IntMap(topics),
    topicStarts: new IntMap(topics),
  };
}

/** Adds words and stems to an index (a new word gets neutral defaults). */
export function lexiconWriter(index: LexiconIndex) {
  const entry = (word: string): number => {
    const hash = hashWord(word);
    let found = index.words.get(hash);
    if (found < 0) {
      found = index.polarity.length;
      index.words.set(hash, found);
      index.polarity.push(0);
      index.factor.push(1);
      index.roles.push(0);
      index.valence.push(0);
    }
    return found;
  };
  const stem = (word: string, polarity: number, verb: boolean): void => {
    const hash = hashWord(word);
    let found = index.stems.get(hash);
    if (found < 0) {
      found = index.stemPolarity.length;
      index.stems.set(hash, found);
    }
    index.stemPolarity[found] = polarity;
    index.stemVerb[found] = verb;
    index.stemLength[found] = word.length;
  };
  return { entry, stem };
}

/** A lexicon index packed for shipping: base64 of little-endian typed arrays, and the rare modifier factors as pairs. */
export interface PackedLexicon {
  /** `[hash, entry]` pairs of whole words (Int32). */
  words: string;
  polarity: string;
  roles: string;
  /** VADER valence times 10. */
  valence: string;
  /** `[entry, factor]` of the modifiers (every other word has factor 1). */
  factors: ReadonlyArray<readonly [number, number]>;
  /** `[hash, stem]` pairs (Int32) and the stems' polarity, verb flag and length (Int8). */
  stems: string;
  stemPolarity: string;
  stemVerb: string;
  stemLength: string;
  /** `[phrase key, word count]` pairs (Int32). */
  topics: string;
  /** `[first word hash, 1]` pairs of the topic phrases (Int32). */
  topicStarts: string;
}

/** VADER valences are packed times this. */
export const VALENCE_SCALE = 10;

/** Int32 values of base64 text (copied, so that the view is aligned). */
const int32Of = (text: string): Int32Array => new Int32Array(decodeBase64(text).slice().buffer);

/** The index {@link packLexicon} packed, ready for host terms. */
export function unpackLexicon(language: ModelLanguage, packed: PackedLexicon): LexiconIndex {
  const polarity = Array.from(decodeBase64(packed.polarity));
  const factor: number[] = new Array<number>(polarity.length).fill(1);
  for (const [entry, value] of packed.factors) factor[entry] = value;
  const stemPolarity = Array.from(decodeBase64(packed.stemPolarity));
  return {
    language,
    words: IntMap.fromPairs(int32Of(packed.words)),
    polarity,
    factor,
    roles: Array.from(decodeBase64(packed.roles)),
    valence: Array.from(decodeBase64(packed.valence), (value) => value / VALENCE_SCALE),
    stems: IntMap.fromPairs(int32Of(packed.stems)),
    stemPolarity,
    stemVerb: Array.from(decodeBase64(packed.stemVerb), (value) => value !== 0),
    stemLength: Array.from(decodeBase64(packed.stemLength)),
    phrases: [],
    topics: IntMap.fromPairs(int32Of(packed.topics)),
    topicStarts: IntMap.fromPairs(int32Of(packed.topicStarts)),
  };
}

/** Builds the lexicon index for a language from the packed tables, overlaying host terms (`{ term: polarity }`, -5..5). */
export function buildLexicon(language: ModelLanguage, extra: Record<string, number> = {}): LexiconIndex {
  const index = unpackLexicon(language, PACKED_LEXICONS[language]);
  const { entry, stem } = lexiconWriter(index);
  for (const [term, polarity] of Object.entries(extra)) {
    const folded = foldTerm(term);
    if (!folded) continue;
    if (folded.includes(' ')) index.phrases.push({ phrase: folded, polarity });
    else if (language === 'tr' && folded.length >= 4) stem(folded, polarity, false);
    else index.polarity[entry(folded)] = polarity;
  }
  return index;
}

let entries = new Int32Array(256);
let entriesScan: ScannedText | undefined;
let entriesLexicon: LexiconIndex | undefined;

/**
 * The lexicon entry of every token (-1 for none), looked up once per scan and lexicon: the
 * marks, the rules and the features all read it.
 */
export function tokenEntries(scan: ScannedText, lexicon: LexiconIndex): Int32Array {
  if (entriesScan === scan && entriesLexicon === lexicon) return entries;
  const count = scan.tokenCount;
  if (entries.length < count) entries = new Int32Array(count * 2);
  const hashes = scan.hashes;
  const words = lexicon.words;
  for (let token = 0; token < count; token++) entries[token] = words.get(hashes[token]!);
  entriesScan = scan;
  entriesLexicon = lexicon;
  return entries;
}

/** Token marks of {@link markTokens}. */
const MARK_NAME = 1;
const MARK_TOPIC = 2;
let marks = new Uint8Array(256);
let marksScan: ScannedText | undefined;
let marksLexicon: LexiconIndex | undefined;

/**
 * Marks the English tokens that carry no stance of the writer: polar words used as names
 * ("Rob and I", "with Joy") and the words of a topic ("death penalty", "crime statistics").
 * Computed once per scan and lexicon; the rules skip marked words and the learned model sees
 * them as other features than the plain word.
 */
export function markTokens(scan: ScannedText, lexicon: LexiconIndex): Uint8Array {
  if (marksScan === scan && marksLexicon === lexicon) return marks;
  const count = scan.tokenCount;
  if (marks.length < count) marks = new Uint8Array(count * 2);
  marks.fill(0, 0, count);
  marksScan = scan;
  marksLexicon = lexicon;
  if (lexicon.language !== 'en') return marks;
  const hashes = scan.hashes;
  const flags = scan.flags;
  const found = tokenEntries(scan, lexicon);
  const roles = lexicon.roles;
  for (let token = 0; token < count; token++) {
    const entry = found[token]!;
    const role = entry >= 0 ? roles[entry]! : 0;
    if ((role & ROLE_NAME) !== 0 && (flags[token]! & TOKEN_TITLE) !== 0) {
      const opening = (flags[token]! & TOKEN_SENTENCE_START) !== 0;
      const next = token + 1 < count ? found[token + 1]! : -1;
      const name = opening ? next >= 0 && (roles[next]! & ROLE_NAME_FOLLOWER) !== 0 : token > 0 && (flags[token - 1]! & TOKEN_LOWER) !== 0;
      if (name) marks[token]! |= MARK_NAME;
    }
    if (token + 1 < count && lexicon.topicStarts.get(hashes[token]!) >= 0) {
      const length = token + 2 < count && lexicon.topics.get(phraseKey(hashes[token]!, hashes[token + 1]!, hashes[token + 2]!)) >= 0 ? 3 : lexicon.topics.get(phraseKey(hashes[token]!, hashes[token + 1]!, 0)) >= 0 ? 2 : 0;
      for (let offset = 0; offset < length; offset++) marks[token + offset]! |= MARK_TOPIC;
    }
    if ((role & ROLE_TOPIC_HEAD) !== 0 && token > 0 && scan.clauses[token - 1] === scan.clauses[token]) {
      const before = found[token - 1]!;
      if (before >= 0 && (lexicon.polarity[before]! < 0 || lexicon.valence[before]! < 0)) {
        marks[token - 1]! |= MARK_TOPIC;
        marks[token]! |= MARK_TOPIC;
      }
    }
  }
  return marks;
}

/** Whether the English negator at `negator` opens an imperative ("don't …", "please don't …", "do not …"). */
function opensImperative(scan: ScannedText, lexicon: LexiconIndex, entries: Int32Array, negator: number): boolean {
  const clause = scan.clauses[negator];
  for (let back = negator - 1; back >= 0 && scan.clauses[back] === clause; back--) {
    const entry = entries[back]!;
    if (entry < 0 || (lexicon.roles[entry]! & ROLE_IMPERATIVE_LEAD) === 0) return false;
  }
  return true;
}

/** Most cue words a rule result keeps for the explanation. */
const MAX_CUES = 6;

/**
 * What the rules found. The object is reused by the next {@link scoreRules} call; copy
 * what must outlive it (see {@link snapshotCues}).
 */
export interface RuleResult {
  /** Sum of weighted polarities (AFINN scale). */
  raw: number;
  positive: number;
  negative: number;
  negations: number;
  emoji: number;
  /** Lexicon hits (words and host phrases). */
  hits: number;
  /**
   * Sums of the VADER valences of the English words, positive and negative apart; a word
   * after a negator in its clause counts -0.74 times its valence (VADER's own factor).
   */
  valencePositive: number;
  valenceNegative: number;
  /** Strongest cue words, strongest first: offsets into `scan.text` and final contribution. */
  cueCount: number;
  cueStarts: Int32Array;
  cueEnds: Int32Array;
  cueValues: Float64Array;
}

const NEGATED_BY_SUFFIX = 1000;

/** Polarity of a token, plus {@link NEGATED_BY_SUFFIX} when a Turkish negative suffix follows its stem; 0 when none. */
function tokenPolarity(scan: ScannedText, lexicon: LexiconIndex, token: number, entry: number): number {
  if (entry >= 0 && lexicon.polarity[entry] !== 0) return lexicon.polarity[entry]!;
  if (lexicon.stems.size > 0) {
    const length = scan.lengths[token]!;
    const whole = lexicon.stems.get(scan.hashes[token]!);
    if (whole >= 0) return lexicon.stemPolarity[whole]!;
    for (let prefix = Math.min(length - 1, MAX_PREFIX); prefix >= 3; prefix--) {
      const found = lexicon.stems.get(scan.prefixHashes[token * MAX_PREFIX + prefix - 1]!);
      if (found < 0) continue;
      const polarity = lexicon.stemPolarity[found]!;
      const rest = scan.starts[token]! + lexicon.stemLength[found]!;
      const negated = lexicon.stemVerb[found] ? hasNegativeSuffix(scan.codes, rest, scan.ends[token]!) : hasPrivativeSuffix(scan.codes, rest, scan.ends[token]!);
      return negated ? polarity + (polarity > 0 ? NEGATED_BY_SUFFIX : -NEGATED_BY_SUFFIX) : polarity;
    }
  }
  if ((scan.flags[token]! & TOKEN_ELONGATED) !== 0) {
    const squeezed = lexicon.words.get(squeezedHash(scan.codes, scan.starts[token]!, scan.ends[token]!));
    if (squeezed >= 0) return lexicon.polarity[squeezed]!;
  }
  return 0;
}

/** Hash of a folded word with every run of a repeated letter cut to one ("gooood" → "god"). */
/** Whether any word of the scan carries sentiment in the lexicon (stems and drawn-out spellings included). */
export function hasPolarWord(scan: ScannedText, lexicon: LexiconIndex): boolean {
  const entries = tokenEntries(scan, lexicon);
  for (let token = 0; token < scan.tokenCount; token++) {
    if ((scan.flags[token]! & TOKEN_NUMERIC) === 0 && tokenPolarity(scan, lexicon, token, entries[token]!) !== 0) return true;
  }
  return false;
}

function squeezedHash(codes: Uint16Array, start: number, end: number): number {
  let hash = FNV_OFFSET;
  let previous = -1;
  for (let index = start; index < end; index++) {
    const code = codes[index]!;
    if (code === previous) continue;
    previous = code;
    hash = Math.imul(hash ^ code, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Whether `codes[start, end)`, the rest of a Turkish noun or adjective after its stem, starts
 * with the privative -sız/-siz/-suz/-süz (folded `siz`/`suz`): "umutsuz", "başarısız",
 * "hatasız". The copula "-siniz" ("güzelsiniz") does not match.
 */
function hasPrivativeSuffix(codes: Uint16Array, start: number, end: number): boolean {
  if (end - start < 3 || codes[start] !== 0x73 || codes[start + 2] !== 0x7a) return false;
  const vowel = codes[start + 1];
  return vowel === 0x69 || vowel === 0x75;
}

/** Whether `codes[start, end)`, the rest of a Turkish verb after its stem, negates it. */
function hasNegativeSuffix(codes: Uint16Array, start: number, end: number): boolean {
  if (end - start < 2) return false;
  return TURKISH_NEGATIVE_SUFFIX.test(String.fromCharCode.apply(null, codes.subarray(start, Math.min(end, start + 6)) as unknown as number[]));
}

let polarityScratch = new Float64Array(256);
const rules: RuleResult = {
  raw: 0,
  positive: 0,
  negative: 0,
  negations: 0,
  emoji: 0,
  hits: 0,
  valencePositive: 0,
  valenceNegative: 0,
  cueCount: 0,
  cueStarts: new Int32Array(MAX_CUES),
  cueEnds: new Int32Array(MAX_CUES),
  cueValues: new Float64Array(MAX_CUES),
};

function keepCue(start: number, end: number, value: number): void {
  const magnitude = Math.abs(value);
  let position = rules.cueCount;
  // stable: an equal value stays behind the earlier one
  while (position > 0 && Math.abs(rules.cueValues[position - 1]!) < magnitude) position--;
  if (position >= MAX_CUES) return;
  const last = Math.min(rules.cueCount, MAX_CUES - 1);
  for (let index = last; index > position; index--) {
    rules.cueStarts[index] = rules.cueStarts[index - 1]!;
    rules.cueEnds[index] = rules.cueEnds[index - 1]!;
    rules.cueValues[index] = rules.cueValues[index - 1]!;
  }
  rules.cueStarts[position] = start;
  rules.cueEnds[position] = end;
  rules.cueValues[position] = value;
  if (rules.cueCount < MAX_CUES) rules.cueCount++;
}

/** Applies the rules. Cheap: one hash look-up per token, a few more for Turkish stems. */
export function scoreRules(scan: ScannedText, lexicon: LexiconIndex): RuleResult {
  const count = scan.tokenCount;
  const english = lexicon.language === 'en';
  if (polarityScratch.length < count) polarityScratch = new Float64Array(count * 2);
  const entries = tokenEntries(scan, lexicon);
  const polarities = polarityScratch;
  const roles = lexicon.roles;
  const factors = lexicon.factor;
  const valences = lexicon.valence;
  let contrastAt = -1;
  let valencePositive = 0;
  let valenceNegative = 0;
  let negatedClause = -1;
  const tokenMarks = markTokens(scan, lexicon);
  for (let token = 0; token < count; token++) {
    const entry = entries[token]!;
    if (tokenMarks[token] !== 0) {
      polarities[token] = 0;
      continue;
    }
    if (entry >= 0) {
      const role = roles[entry]!;
      if ((role & ROLE_CONTRAST) !== 0) contrastAt = token;
      let valence = valences[entry]!;
      if (valence !== 0) {
        if (negatedClause === scan.clauses[token]) valence *= -0.74;
        if (valence > 0) valencePositive += valence;
        else valenceNegative -= valence;
      }
      if ((role & ROLE_PRE_NEGATOR) !== 0) negatedClause = scan.clauses[token]!;
    }
    polarities[token] = (scan.flags[token]! & TOKEN_NUMERIC) !== 0 ? 0 : tokenPolarity(scan, lexicon, token, entry);
  }

  let raw = 0;
  let positive = 0;
  let negative = 0;
  let negations = 0;
  let hits = 0;
  rules.cueCount = 0;
  for (let token = 0; token < count; token++) {
    const entry = entries[token]!;
    let polarity = polarities[token]!;
    if (polarity === 0) {
      if (entry >= 0 && (roles[entry]! & (ROLE_PRE_NEGATOR | ROLE_POST_NEGATOR)) !== 0) negations++;
      continue;
    }
    // a modifier followed by a sentiment word acts as a modifier only ("pretty bad")
    if (entry >= 0 && factors[entry] !== 1 && token + 1 < count && polarities[token + 1] !== 0 && scan.clauses[token + 1] === scan.clauses[token]) continue;
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
    let negator = -1;
    for (let back = token - 1; back >= 0 && back >= token - 3 && scan.clauses[back] === clause; back--) {
      const before = entries[back]!;
      if (before < 0) continue;
      if (factors[before] !== 1 && back >= token - 2) value *= factors[before]!;
      // English negators toggle ("not without"); Turkish ones agree ("hiçbir sorun yok" is one negation)
      if ((roles[before]! & ROLE_PRE_NEGATOR) !== 0) {
        negated = english ? !negated : true;
        negator = back;
      }
    }
    // "Please don't mess this up": a request to avoid something bad is not praise of it
    if (english && negated && polarity < 0 && negator >= 0 && opensImperative(scan, lexicon, entries, negator)) {
      negations++;
      continue;
    }
    if (!english) {
      for (let ahead = token + 1; ahead < count && ahead <= token + 2 && scan.clauses[ahead] === clause; ahead++) {
        const after = entries[ahead]!;
        if (after >= 0 && (roles[after]! & ROLE_POST_NEGATOR) !== 0) {
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
    hits++;
    if (value > 0) positive += value;
    else negative -= value;
    keepCue(scan.rawStarts[token]!, scan.rawEnds[token]!, value);
  }
  for (const { phrase, polarity } of lexicon.phrases) {
    if (foldedText(scan).includes(phrase)) {
      raw += polarity;
      hits++;
      if (polarity > 0) positive += polarity;
      else negative -= polarity;
    }
  }

  let emoji = scan.emoticonScore * 2;
  for (let index = 0; index < scan.emoji.length; index++) emoji += EMOJI_POLARITY.get(scan.emoji[index]!) ?? 0;
  raw += emoji * 1.5;
  if (emoji > 0) positive += emoji * 1.5;
  else negative -= emoji * 1.5;

  if (scan.exclamations > 0 && raw !== 0) raw *= 1 + Math.min(scan.exclamations, 3) * 0.08;
  if (scan.letters >= 6 && scan.upperLetters / scan.letters > 0.7) raw *= 1.3;

  rules.raw = raw;
  rules.positive = positive;
  rules.negative = negative;
  rules.negations = negations;
  rules.emoji = emoji;
  rules.hits = hits;
  rules.valencePositive = valencePositive;
  rules.valenceNegative = valenceNegative;
  return rules;
}

/** `+3.2`, `-0.5`: a contribution as the explanation shows it (one decimal). */
export function formatContribution(value: number): string {
  const tenths = Math.round(value * 10);
  if (tenths >= -99 && tenths <= 99) return CONTRIBUTIONS[tenths + 99]!;
  return `${tenths > 0 ? '+' : ''}${tenths / 10}`;
}
const CONTRIBUTIONS = Array.from({ length: 199 }, (_, index) => {
  const tenths = index - 99;
  return `${tenths > 0 ? '+' : tenths < 0 ? '-' : '±'}${Math.floor(Math.abs(tenths) / 10)}.${Math.abs(tenths) % 10}`;
});

/** The sentiment cues for the explanation: the strongest words as written with their contribution, emoji, emoticons, negation. */
export function describeCues(scan: ScannedText, result: RuleResult): string[] {
  const lines: string[] = [];
  for (let index = 0; index < result.cueCount; index++) {
    lines.push(`${scan.text.slice(result.cueStarts[index]!, result.cueEnds[index]!)} ${formatContribution(result.cueValues[index]!)}`);
  }
  let count = lines.length;
  for (const point of scan.emoji) {
    if (count >= 8) break;
    const polarity = EMOJI_POLARITY.get(point);
    if (polarity) {
      lines.push(`${String.fromCodePoint(point)} ${formatContribution(polarity)}`);
      count++;
    }
  }
  for (let index = 0; index < scan.emoticons.length && index < 2; index++) lines.push(scan.emoticons[index]!);
  if (result.negations > 0) lines.push(result.negations === 1 ? 'negation' : `negation ×${result.negations}`);
  return lines;
}

/** Dense inputs of the learned model, in this order. */
export const DENSE_FEATURES = ['ruleScore', 'rulePositive', 'ruleNegative', 'emoji', 'question', 'exclamation', 'negation', 'valenceScore', 'valencePositive', 'valenceNegative'] as const;

/** Squashes a rule sum into (-1, 1). */
export function squash(raw: number): number {
  return raw / Math.sqrt(raw * raw + 12);
}

/** Squashes a sum of VADER valences into (-1, 1). */
function squashValence(sum: number): number {
  return sum / Math.sqrt(sum * sum + 6);
}

/** Dense feature values for the learned model, written into `out` (length {@link DENSE_FEATURES}). */
export function denseFeatures(scan: ScannedText, rules: RuleResult, out: Float64Array = new Float64Array(DENSE_FEATURES.length)): Float64Array {
  out[0] = squash(rules.raw);
  out[1] = squash(rules.positive);
  out[2] = squash(rules.negative);
  out[3] = Math.tanh(rules.emoji / 3);
  out[4] = scan.questions > 0 ? 1 : 0;
  out[5] = scan.exclamations > 0 ? 1 : 0;
  out[6] = rules.negations > 0 ? 1 : 0;
  out[7] = squashValence(rules.valencePositive - rules.valenceNegative);
  out[8] = squashValence(rules.valencePositive);
  out[9] = squashValence(rules.valenceNegative);
  return out;
}

const NEGATED_SALT = 0x1b873593;
const BIGRAM_SALT = 0x7feb352d;
const PREFIX_SALT = 0x68e31da4;
const EMOJI_SALT = 0x2545f491;
const NAME_SALT = 0x3a8f05c5;
const TOPIC_SALT = 0x5c4e2b1d;

/** A growable buffer of feature hashes. */
export interface FeatureBuffer {
  hashes: Int32Array;
  count: number;
}

/** A buffer for {@link sparseFeatures}. */
export function featureBuffer(): FeatureBuffer {
  return { hashes: new Int32Array(512), count: 0 };
}

let turkishNegated = new Uint8Array(256);
let turkishRoles = new Uint8Array(256);

/**
 * Fills `turkishNegated[token]` with 1 for the words a Turkish negator governs: one or two words
 * before a post-negator in the same clause ("sorun yok", "güzel değil") or after a pre-negator
 * in it ("hiçbir sorun").
 */
function markTurkishNegation(scan: ScannedText, lexicon: LexiconIndex): void {
  const count = scan.tokenCount;
  if (turkishNegated.length < count) {
    turkishNegated = new Uint8Array(count * 2);
    turkishRoles = new Uint8Array(count * 2);
  }
  const roles = turkishRoles;
  const found = tokenEntries(scan, lexicon);
  for (let token = 0; token < count; token++) {
    const entry = found[token]!;
    roles[token] = entry >= 0 ? lexicon.roles[entry]! : 0;
  }
  const clauses = scan.clauses;
  let negatedClause = -1;
  for (let token = 0; token < count; token++) {
    const clause = clauses[token]!;
    let negated = negatedClause === clause;
    if (!negated && (roles[token]! & (ROLE_PRE_NEGATOR | ROLE_POST_NEGATOR)) === 0) {
      for (let ahead = token + 1; ahead <= token + 2 && ahead < count && clauses[ahead] === clause; ahead++) {
        if ((roles[ahead]! & ROLE_POST_NEGATOR) !== 0) {
          negated = true;
          break;
        }
      }
    }
    turkishNegated[token] = negated ? 1 : 0;
    if ((roles[token]! & ROLE_PRE_NEGATOR) !== 0) negatedClause = clause;
  }
}

/**
 * Hashed sparse features: words (marked when a negator governs them: an English one before
 * them in the clause, a Turkish one before or just after them), adjacent word pairs, for
 * Turkish 5-letter stems (marked the same way), and emoji. Fills `out`.
 */
export function sparseFeatures(scan: ScannedText, lexicon: LexiconIndex, out: FeatureBuffer): FeatureBuffer {
  const count = scan.tokenCount;
  const needed = count * 3 + scan.emoji.length + 1;
  if (out.hashes.length < needed) out.hashes = new Int32Array(needed * 2);
  const hashes = out.hashes;
  let size = 0;
  const english = lexicon.language === 'en';
  if (!english) markTurkishNegation(scan, lexicon);
  const tokenMarks = english ? markTokens(scan, lexicon) : marks;
  const found = tokenEntries(scan, lexicon);
  const negatedBy = turkishNegated;
  let negatedClause = -1;
  let previous = 0x9747b28c;
  let previousClause = -1;
  for (let token = 0; token < count; token++) {
    const clause = scan.clauses[token]!;
    if (clause !== previousClause) previous = 0x9747b28c;
    const negatedHere = english ? negatedClause === clause : negatedBy[token] === 1;
    const mark = english ? tokenMarks[token]! : 0;
    // a name or topic word is another feature than the plain word, in word pairs too
    const hash = mark === 0 ? scan.hashes[token]! : mixHash(scan.hashes[token]!, mark === MARK_NAME ? NAME_SALT : TOPIC_SALT);
    hashes[size++] = negatedHere && mark === 0 ? mixHash(hash, NEGATED_SALT) : hash;
    hashes[size++] = mixHash(previous ^ BIGRAM_SALT, hash);
    if (!english && scan.lengths[token]! > 5) {
      const prefix = mixHash(scan.prefixHashes[token * MAX_PREFIX + 4]!, PREFIX_SALT);
      hashes[size++] = negatedHere ? mixHash(prefix, NEGATED_SALT) : prefix;
    }
    if (english && found[token]! >= 0 && (lexicon.roles[found[token]!]! & ROLE_PRE_NEGATOR) !== 0) negatedClause = clause;
    previous = hash;
    previousClause = clause;
  }
  if (count > 0) hashes[size++] = mixHash(previous ^ BIGRAM_SALT, 0x2f);
  for (let index = 0; index < scan.emoji.length; index++) hashes[size++] = mixHash(scan.emoji[index]!, EMOJI_SALT);
  out.count = size;
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

/**
 * How a model's probabilities become a label. `score = (squash(rules) + model × (p(positive) −
 * p(negative))) / (1 + model)`. A model trained on three classes picks the class with the
 * highest `log p + offsets[class]` (the offsets are chosen for macro-averaged recall); a
 * two-class model, or a host-set band, says neutral while the combined
 * evidence `squash(rules) + model × (p(positive) − p(negative))` stays inside ±`neutral`.
 */
export interface SentimentBlend {
  model: number;
  neutral: number;
  /** Per-class additions to the log-probabilities (three-class models). */
  offsets?: readonly number[];
  /**
   * Divides the offset log-probabilities before they are normalised into the reported
   * confidence (fitted on a development split for the lowest log-loss); 1 when absent.
   */
  temperature?: number;
}

/** A decoded model ready to score. */
export interface LinearModel {
  classes: readonly string[];
  blend: SentimentBlend;
  mask: number;
  scale: number;
  bias: readonly number[];
  dense: ReadonlyArray<readonly number[]>;
  /** `dense` flattened, `[class * features + feature]`. */
  denseWeights: Float64Array;
  weights: Int8Array;
}

/** Decodes base64 without Node's Buffer, so it also runs in browsers and workers. */
export function decodeBase64(text: string): Int8Array {
  // Node's native decoder takes well under a millisecond for the models; the loop below, which
  // runs cold (interpreted) at start-up, takes several. Edge runtimes without Buffer use the loop.
  const native = (globalThis as { Buffer?: { from(text: string, encoding: 'base64'): Uint8Array } }).Buffer;
  if (native) {
    const decoded = native.from(text, 'base64');
    return new Int8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength);
  }
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
    denseWeights: Float64Array.from(data.dense.flat()),
    weights: decodeBase64(data.weights),
  };
}

/** Softmax probabilities of the model for the given features, written into `out`. */
export function predictLinear(model: LinearModel, sparse: FeatureBuffer, dense: Float64Array, out: Float64Array = new Float64Array(model.classes.length)): Float64Array {
  const classCount = model.classes.length;
  const weights = model.weights;
  const mask = model.mask;
  const hashes = sparse.hashes;
  for (let label = 0; label < classCount; label++) out[label] = 0;
  if (classCount === 3) {
    let first = 0;
    let second = 0;
    let third = 0;
    for (let index = 0; index < sparse.count; index++) {
      const base = (hashes[index]! & mask) * 3;
      first += weights[base]!;
      second += weights[base + 1]!;
      third += weights[base + 2]!;
    }
    out[0] = first;
    out[1] = second;
    out[2] = third;
  } else {
    for (let index = 0; index < sparse.count; index++) {
      const base = (hashes[index]! & mask) * classCount;
      for (let label = 0; label < classCount; label++) out[label]! += weights[base + label]!;
    }
  }
  const denseWeights = model.denseWeights;
  const denseCount = dense.length;
  let maximum = -Infinity;
  for (let label = 0; label < classCount; label++) {
    let logit = model.bias[label]! + out[label]! * model.scale;
    for (let feature = 0; feature < denseCount; feature++) logit += denseWeights[label * denseCount + feature]! * dense[feature]!;
    out[label] = logit;
    if (logit > maximum) maximum = logit;
  }
  let total = 0;
  for (let label = 0; label < classCount; label++) {
    out[label] = Math.exp(out[label]! - maximum);
    total += out[label]!;
  }
  for (let label = 0; label < classCount; label++) out[label]! /= total;
  return out;
}

/** A sentiment decision. */
export interface SentimentDecision {
  label: 'negative' | 'neutral' | 'positive';
  score: number;
  confidence: number;
}

/** Combines the learned probabilities with the rule sum (see {@link SentimentBlend}); `neutral` overrides the decision with a band. */
export function combineSentiment(probabilities: ArrayLike<number>, ruleRaw: number, blend: SentimentBlend, neutral?: number): SentimentDecision {
  const positive = probabilities[probabilities.length - 1]!;
  const negative = probabilities[0]!;
  const combined = squash(ruleRaw) + blend.model * (positive - negative);
  const score = Math.max(-1, Math.min(1, combined / (1 + blend.model)));
  const offsets = blend.offsets;
  if (neutral === undefined && offsets && probabilities.length === 3) {
    let best = 0;
    let bestValue = -Infinity;
    let total = 0;
    const inverse = 1 / (blend.temperature ?? 1);
    for (let label = 0; label < 3; label++) {
      const weighted = inverse === 1 ? probabilities[label]! * Math.exp(offsets[label]!) : Math.exp((Math.log(Math.max(probabilities[label]!, 1e-12)) + offsets[label]!) * inverse);
      total += weighted;
      if (weighted > bestValue) {
        bestValue = weighted;
        best = label;
      }
    }
    return { label: SENTIMENT_ORDER[best]!, score, confidence: Math.min(0.99, bestValue / total) };
  }
  const band = neutral ?? blend.neutral;
  const magnitude = Math.abs(combined);
  if (magnitude < band) return { label: 'neutral', score, confidence: 1 - (0.5 * magnitude) / Math.max(band, 1e-6) };
  return { label: combined > 0 ? 'positive' : 'negative', score, confidence: Math.min(0.99, 0.5 + (magnitude - band) / 2) };
}

const SENTIMENT_ORDER = ['negative', 'neutral', 'positive'] as const;

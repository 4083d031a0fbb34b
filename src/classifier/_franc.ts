/**
 * @internal franc's `francAll`, computed from an inverted index over franc's own trigram
 * data. franc measures a text against every language of its script one language at a time
 * (a property look-up per trigram and language: about 0.8 ms for a tweet over all 160 or so
 * languages). Here each trigram of the text is looked up once and adds to the languages that
 * list it, so the cost follows the text's length, not the number of languages. The answer is
 * franc's, tuple for tuple: the same cleaning, trigram counts, distances, stable sort and
 * normalisation (the tests compare the two).
 */
import { data } from 'franc/data.js';
import { expressions } from 'franc/expressions.js';

/** A language code and its normalised score (1 for the best), as franc returns it. */
export type LanguageScore = [language: string, score: number];

/** The options of franc's `francAll` that the detector uses. */
export interface RankOptions {
  /** Languages to allow (ISO 639-3); empty or absent: all. */
  only?: readonly string[];
  /** Languages to leave out. */
  ignore?: readonly string[];
  /** Shorter texts are `und`. @default 10 */
  minLength?: number;
}

const MAX_LENGTH = 2048;
const MIN_LENGTH = 10;
/** What a trigram the language does not list adds to its distance. */
const MAX_DIFFERENCE = 300;

interface ScriptIndex {
  languages: string[];
  /** Trigram → `[language, rank, language, rank, …]` for the languages that list it. */
  postings: Map<string, Int32Array>;
  /** Scratch: per language, what its listed trigrams take off the all-missing distance. */
  savings: Int32Array;
  /** Scratch: sort keys, distance × {@link POSITION_SPACE} + position. */
  keys: Float64Array;
}

/** Room for the language's position in a sort key (a script has fewer languages). */
const POSITION_SPACE = 1024;

const indexes = new Map<string, ScriptIndex>();

/** Built on the first text of a script: franc's ranks per language, inverted. */
function scriptIndex(script: string): ScriptIndex {
  let index = indexes.get(script);
  if (index) return index;
  const models = data[script]!;
  const languages = Object.keys(models);
  const lists = new Map<string, number[]>();
  languages.forEach((language, position) => {
    const trigrams = models[language]!.split('|');
    for (let rank = 0; rank < trigrams.length; rank++) {
      const trigram = trigrams[rank]!;
      let list = lists.get(trigram);
      if (!list) lists.set(trigram, (list = []));
      // a trigram listed twice keeps its first (lowest) rank, as franc's dictionary does
      else if (list[list.length - 2] === position) continue;
      list.push(position, rank);
    }
  });
  const postings = new Map<string, Int32Array>();
  for (const [trigram, list] of lists) postings.set(trigram, Int32Array.from(list));
  index = { languages, postings, savings: new Int32Array(languages.length), keys: new Float64Array(languages.length) };
  indexes.set(script, index);
  return index;
}

const SCRIPTS = Object.keys(expressions);
/** Per UTF-16 code unit: bit `n` set when script `n`'s expression matches it; {@link KNOWN} once worked out. */
let scriptBits: Uint32Array | undefined;
const KNOWN = 0x80000000;
const singleExpressions = SCRIPTS.map((script) => new RegExp(expressions[script]!.source, expressions[script]!.flags.replace('g', '')));
const scriptCounts = new Int32Array(SCRIPTS.length);

/** Which scripts' expressions match the character `code` (memoised; bits as in {@link scriptBits}). */
function scriptsOf(code: number): number {
  const table = (scriptBits ??= new Uint32Array(0x10000));
  let bits = table[code]!;
  if (bits === 0) {
    bits = KNOWN;
    const character = String.fromCharCode(code);
    for (let script = 0; script < singleExpressions.length; script++) if (singleExpressions[script]!.test(character)) bits |= 1 << script;
    table[code] = bits;
  }
  return bits & ~KNOWN;
}

/**
 * Matches of each script's expression in `value`, into {@link scriptCounts}; false when `value`
 * holds a surrogate. franc's expressions are alternations of single characters and surrogate
 * pairs, so without surrogates each match is one character and the count is per character.
 */
function countScripts(value: string): boolean {
  // bit 31 marks a worked-out character, so 31 scripts at most
  if (SCRIPTS.length > 31) return false;
  scriptCounts.fill(0);
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdfff) return false;
    let bits = scriptsOf(code);
    while (bits !== 0) {
      const low = bits & -bits;
      scriptCounts[31 - Math.clz32(low)]!++;
      bits ^= low;
    }
  }
  return true;
}

/** The script most of `value`'s characters belong to, and its share (franc's `getTopScript`). */
function topScript(value: string): [string | undefined, number] {
  let topCount = -1;
  let top: string | undefined;
  const counted = countScripts(value);
  for (let position = 0; position < SCRIPTS.length; position++) {
    const script = SCRIPTS[position]!;
    const matches = counted ? scriptCounts[position]! : (value.match(expressions[script]!)?.length ?? 0);
    const count = matches / value.length || 0;
    if (count > topCount) {
      topCount = count;
      top = script;
    }
  }
  return [top, topCount];
}

function allowed(language: string, only: readonly string[], ignore: readonly string[]): boolean {
  if (only.length === 0 && ignore.length === 0) return true;
  return (only.length === 0 || only.includes(language)) && !ignore.includes(language);
}

const PUNCTUATION_AND_DIGITS = /[\u0021-\u0040]+/g;
const WHITE_SPACE = /\s+/g;

/** Trigram counts of the cleaned, padded text (trigram-utils' `asDictionary`). */
function trigramCounts(value: string): Map<string, number> {
  const padded = ` ${value.replace(PUNCTUATION_AND_DIGITS, ' ').replace(WHITE_SPACE, ' ').trim().toLowerCase()} `;
  const counts = new Map<string, number>();
  for (let start = 0; start + 3 <= padded.length; start++) {
    const trigram = padded.slice(start, start + 3);
    counts.set(trigram, (counts.get(trigram) ?? 0) + 1);
  }
  return counts;
}

/** franc's `francAll(value, options)`: languages from most to least likely, scores normalised to (0, 1]. */
export function francAll(value: string, options: RankOptions = {}): LanguageScore[] {
  const only = options.only ?? [];
  const ignore = options.ignore ?? [];
  const minLength = options.minLength ?? MIN_LENGTH;
  if (!value || value.length < minLength) return [['und', 1]];
  const sample = value.slice(0, MAX_LENGTH);
  const [script, share] = topScript(sample);
  if (script === undefined || !(script in data)) {
    if (script === undefined || share === 0 || !allowed(script, only, ignore)) return [['und', 1]];
    return [[script, 1]];
  }
  const index = scriptIndex(script);
  const savings = index.savings;
  savings.fill(0);
  const counts = trigramCounts(sample);
  for (const [trigram, count] of counts) {
    const list = index.postings.get(trigram);
    if (!list) continue;
    for (let item = 0; item < list.length; item += 2) {
      let difference = count - list[item + 1]! - 1;
      if (difference < 0) difference = -difference;
      savings[list[item]!]! += MAX_DIFFERENCE - difference;
    }
  }
  const missing = counts.size * MAX_DIFFERENCE;
  const languages = index.languages;
  // distance and position in one number: a numeric typed-array sort then orders by distance and
  // keeps franc's language order among equals (its sort is stable), without a comparator
  const keys = index.keys;
  let kept = 0;
  for (let position = 0; position < languages.length; position++) {
    if (allowed(languages[position]!, only, ignore)) keys[kept++] = (missing - savings[position]!) * POSITION_SPACE + position;
  }
  if (kept === 0) return [['und', 1]];
  const sorted = keys.subarray(0, kept).sort();
  const minimum = Math.floor(sorted[0]! / POSITION_SPACE);
  const maximum = sample.length * MAX_DIFFERENCE - minimum;
  const distances: LanguageScore[] = new Array(kept);
  for (let rank = 0; rank < kept; rank++) {
    const key = sorted[rank]!;
    const distance = Math.floor(key / POSITION_SPACE);
    distances[rank] = [languages[key - distance * POSITION_SPACE]!, 1 - (distance - minimum) / maximum || 0];
  }
  return distances;
}

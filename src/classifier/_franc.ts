/**
 * @internal franc's `francAll`, computed from an inverted index over franc's own trigram
 * data. franc measures a text against every language of its script one language at a time
 * (a property look-up per trigram and language: about 0.8 ms for a tweet over all 160 or so
 * languages). Here each trigram of the text is looked up once and adds to the languages that
 * list it, so the cost follows the text's length, not the number of languages. The answer is
 * franc's, tuple for tuple: the same cleaning, trigram counts, distances, stable sort and
 * normalisation (the tests compare the two).
 */
import type { data as FrancData } from 'franc/data.js';
import { expressions } from 'franc/expressions.js';

/**
 * franc's trigram lists, loaded off the start path: they are the largest module of the
 * classifier's start, and most messages never need them (the English/Turkish model decides
 * them). Where the runtime can load them synchronously (Node, Bun and Deno through
 * `process.getBuiltinModule`, with franc installed beside us) the first message that needs
 * them loads them. Elsewhere (edge bundles) the import below starts with the classifier and
 * finishes in the background; bundlers see the literal `import()` and ship it.
 */
type Require = (id: string) => { data: typeof FrancData };

let data: typeof FrancData | undefined;

/** A `require` that finds franc, or `undefined` where there is none. */
function francRequire(): Require | undefined {
  try {
    const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const nodeModule = runtime?.getBuiltinModule?.('node:module') as { createRequire(base: string): Require & { resolve(id: string): string } } | undefined;
    if (!nodeModule) return undefined;
    // the CommonJS build has no import.meta; it has __filename
    const require = nodeModule.createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
    require.resolve('franc/data.js');
    return require;
  } catch {
    return undefined;
  }
}

const requireFranc = francRequire();
if (!requireFranc) {
  void import('franc/data.js').then(
    (module) => {
      data = module.data;
    },
    () => {
      // `francReady` keeps answering false
    },
  );
}

/** Whether franc's trigram lists are there (loading them synchronously where the runtime can); false only on a runtime without a synchronous loader, before the import above has finished. */
export function francReady(): boolean {
  if (!data && requireFranc) data = requireFranc('franc/data.js').data;
  return data !== undefined;
}

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
  /** Only the first this many languages of the ranking (the same ones, with the same scores). @default all */
  limit?: number;
}

const MAX_LENGTH = 2048;
const MIN_LENGTH = 10;
/** What a trigram the language does not list adds to its distance. */
const MAX_DIFFERENCE = 300;

interface ScriptIndex {
  languages: string[];
  /**
   * Open-addressing table of the listed trigrams, keyed on their three UTF-16 code units
   * (`first << 16 | second` in `keyHigh`, `third` in `keyLow`, -1 for an empty slot): numbers in
   * three flat arrays instead of a string map spread over the heap, which cost a cache miss or
   * three per trigram.
   */
  keyHigh: Int32Array;
  keyLow: Int32Array;
  /** Per slot, where its postings start in `postings` and where they end. */
  starts: Int32Array;
  ends: Int32Array;
  /** `[language, rank, language, rank, …]` of every trigram, one after the other. */
  postings: Int32Array;
  mask: number;
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
  const models = data![script]!;
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
  let size = 16;
  while (size < lists.size * 2) size *= 2;
  const keyHigh = new Int32Array(size);
  const keyLow = new Int32Array(size).fill(-1);
  const starts = new Int32Array(size);
  const ends = new Int32Array(size);
  let total = 0;
  for (const list of lists.values()) total += list.length;
  const postings = new Int32Array(total);
  let offset = 0;
  for (const [trigram, list] of lists) {
    // a text's trigrams are three code units: a longer entry (a surrogate pair in it) never matches one
    if (trigram.length !== 3) continue;
    const high = (trigram.charCodeAt(0) << 16) | trigram.charCodeAt(1);
    const low = trigram.charCodeAt(2);
    let slot = trigramSlot(high, low, size - 1);
    while (keyLow[slot] !== -1) slot = (slot + 1) & (size - 1);
    keyHigh[slot] = high;
    keyLow[slot] = low;
    starts[slot] = offset;
    postings.set(list, offset);
    offset += list.length;
    ends[slot] = offset;
  }
  index = { languages, keyHigh, keyLow, starts, ends, postings, mask: size - 1, savings: new Int32Array(languages.length), keys: new Float64Array(languages.length) };
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

/** Slot of a trigram in a table of `mask + 1` slots. */
function trigramSlot(high: number, low: number, mask: number): number {
  let hash = Math.imul(high ^ Math.imul(low + 0x3c6ef372, 0x9e3779b1), 0x85ebca6b);
  hash ^= hash >>> 15;
  return hash & mask;
}

/**
 * The text's distinct trigrams, keyed as in {@link ScriptIndex}. A sample lower-cases to at most
 * twice its length (İ → i̇), so the table is never more than half full.
 */
const TEXT_SLOTS = 4 * MAX_LENGTH;
const textHigh = new Int32Array(TEXT_SLOTS);
const textLow = new Int32Array(TEXT_SLOTS).fill(-1);
const textCounts = new Int32Array(TEXT_SLOTS);
/** Slots used by the current text, in order of first appearance. */
const textUsed = new Int32Array(TEXT_SLOTS);

/**
 * Counts the trigrams of the cleaned, padded text (trigram-utils' `asDictionary`) into the
 * scratch table; returns how many distinct ones there are (`textUsed[0, count)`).
 */
function countTrigrams(value: string): number {
  const padded = ` ${value.replace(PUNCTUATION_AND_DIGITS, ' ').replace(WHITE_SPACE, ' ').trim().toLowerCase()} `;
  const mask = TEXT_SLOTS - 1;
  let distinct = 0;
  for (let start = 0; start + 3 <= padded.length; start++) {
    const high = (padded.charCodeAt(start) << 16) | padded.charCodeAt(start + 1);
    const low = padded.charCodeAt(start + 2);
    let slot = trigramSlot(high, low, mask);
    for (;;) {
      if (textLow[slot] === -1) {
        textHigh[slot] = high;
        textLow[slot] = low;
        textCounts[slot] = 1;
        textUsed[distinct++] = slot;
        break;
      }
      if (textLow[slot] === low && textHigh[slot] === high) {
        textCounts[slot]!++;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  return distinct;
}

const smallestKeys = new Float64Array(64);

/** The `count` smallest of `keys[0, length)` in ascending order (keys are distinct), by insertion: for a short ranking of many languages. */
function smallest(keys: Float64Array, length: number, count: number): Float64Array {
  const kept = count <= smallestKeys.length ? smallestKeys.subarray(0, count) : new Float64Array(count);
  let size = 0;
  for (let index = 0; index < length; index++) {
    const key = keys[index]!;
    if (size === count && key >= kept[count - 1]!) continue;
    let position = size < count ? size++ : count - 1;
    while (position > 0 && kept[position - 1]! > key) {
      kept[position] = kept[position - 1]!;
      position--;
    }
    kept[position] = key;
  }
  return kept;
}

/** franc's `francAll(value, options)`: languages from most to least likely, scores normalised to (0, 1]. */
export function francAll(value: string, options: RankOptions = {}): LanguageScore[] {
  const only = options.only ?? [];
  const ignore = options.ignore ?? [];
  const minLength = options.minLength ?? MIN_LENGTH;
  if (!value || value.length < minLength || !francReady()) return [['und', 1]];
  const sample = value.slice(0, MAX_LENGTH);
  const [script, share] = topScript(sample);
  if (script === undefined || !(script in data!)) {
    if (script === undefined || share === 0 || !allowed(script, only, ignore)) return [['und', 1]];
    return [[script, 1]];
  }
  const index = scriptIndex(script);
  const savings = index.savings;
  savings.fill(0);
  const distinct = countTrigrams(sample);
  const { keyHigh, keyLow, starts, ends, postings, mask } = index;
  for (let item = 0; item < distinct; item++) {
    const textSlot = textUsed[item]!;
    const high = textHigh[textSlot]!;
    const low = textLow[textSlot]!;
    const count = textCounts[textSlot]!;
    textLow[textSlot] = -1;
    let slot = trigramSlot(high, low, mask);
    while (keyLow[slot] !== -1 && (keyLow[slot] !== low || keyHigh[slot] !== high)) slot = (slot + 1) & mask;
    if (keyLow[slot] === -1) continue;
    const end = ends[slot]!;
    for (let posting = starts[slot]!; posting < end; posting += 2) {
      let difference = count - postings[posting + 1]! - 1;
      if (difference < 0) difference = -difference;
      savings[postings[posting]!]! += MAX_DIFFERENCE - difference;
    }
  }
  const missing = distinct * MAX_DIFFERENCE;
  const languages = index.languages;
  // distance and position in one number: a numeric typed-array sort then orders by distance and
  // keeps franc's language order among equals (its sort is stable), without a comparator
  const keys = index.keys;
  let kept = 0;
  for (let position = 0; position < languages.length; position++) {
    if (allowed(languages[position]!, only, ignore)) keys[kept++] = (missing - savings[position]!) * POSITION_SPACE + position;
  }
  if (kept === 0) return [['und', 1]];
  const limit = Math.min(kept, options.limit ?? kept);
  const sorted = limit * 8 < kept ? smallest(keys, kept, limit) : keys.subarray(0, kept).sort();
  const minimum = Math.floor(sorted[0]! / POSITION_SPACE);
  const maximum = sample.length * MAX_DIFFERENCE - minimum;
  const distances: LanguageScore[] = new Array(limit);
  for (let rank = 0; rank < limit; rank++) {
    const key = sorted[rank]!;
    const distance = Math.floor(key / POSITION_SPACE);
    distances[rank] = [languages[key - distance * POSITION_SPACE]!, 1 - (distance - minimum) / maximum || 0];
  }
  return distances;
}

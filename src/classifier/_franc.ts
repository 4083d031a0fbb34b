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
import type { expressions as FrancExpressions } from 'franc/expressions.js';

/**
 * franc's data, loaded off the start path: its trigram lists are the largest module of the
 * classifier's start, and most messages never need them (the English/Turkish model decides
 * them). Where the runtime can load them synchronously (Node, Bun and Deno through
 * `process.getBuiltinModule`, with franc installed beside us) the first message that needs
 * them loads them. Elsewhere (edge bundles) the imports below start with the classifier and
 * finish in the background; bundlers see the literal `import()`s and ship them.
 */
interface FrancTables {
  data: typeof FrancData;
  expressions: typeof FrancExpressions;
}
type Require = (id: string) => Record<string, unknown>;

let tables: FrancTables | undefined;

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
  void Promise.all([import('franc/data.js'), import('franc/expressions.js')]).then(
    ([dataModule, expressionsModule]) => {
      tables = { data: dataModule.data, expressions: expressionsModule.expressions };
    },
    () => {
      // `francReady` keeps answering false
    },
  );
}

/** Whether franc's data is there (loading it synchronously where the runtime can); false only on a runtime without a synchronous loader, before the imports above have finished. */
export function francReady(): boolean {
  if (!tables && requireFranc) tables = { data: requireFranc('franc/data.js').data as typeof FrancData, expressions: requireFranc('franc/expressions.js').expressions as typeof FrancExpressions };
  return tables !== undefined;
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
  const models = tables!.data[script]!;
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

/** The script most of `value`'s characters belong to, and its share (franc's `getTopScript`). */
function topScript(value: string): [string | undefined, number] {
  let topCount = -1;
  let top: string | undefined;
  const expressions = tables!.expressions;
  for (const script of Object.keys(expressions)) {
    const matches = value.match(expressions[script]!);
    const count = (matches ? matches.length : 0) / value.length || 0;
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
  if (!value || value.length < minLength || !francReady()) return [['und', 1]];
  const sample = value.slice(0, MAX_LENGTH);
  const [script, share] = topScript(sample);
  if (script === undefined || !(script in tables!.data)) {
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

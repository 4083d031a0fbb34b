/**
 * Batch record linkage, pure and synchronous: normalise, block, compare, estimate a
 * Fellegi–Sunter model by EM (no labels), score, and cluster with union-find.
 *
 * @module
 */
import { compileBlockingRule, forEachBlock, hashKey, type BlockingRule } from './blocking.js';
import { compileComparison, type CompiledComparison, type ComparisonSpec } from './comparisons.js';
import {
  estimateByEm,
  initialM,
  levelWeights,
  priorWeight,
  weightToProbability,
  type EmOptions,
  type FellegiSunterModel,
} from './fellegi-sunter.js';
import { UnionFind } from './union-find.js';
import { linkRecordsOptionsSchema, parseOptions } from './_schemas.js';
import { InvalidOptionsError } from '../errors.js';
import { foldToAscii } from './normalize.js';
import { seededRandom } from '../_utils.js';
import { throwIfAborted } from '../_abort.js';
import type { Progress } from '../errors.js';

/**
 * How far {@link linkRecords} got: `phase` names the step and `done`/`total` count its units
 * (`prepare`: records; `block`: blocking rules; `estimate`: 1 when the model is estimated;
 * `score`: candidate pairs; `cluster`: pairs above the review band).
 */
export interface LinkProgress extends Progress {
  phase: 'prepare' | 'block' | 'estimate' | 'score' | 'cluster';
}

/** Scored pairs between two progress reports. */
const SCORE_REPORT_EVERY = 1 << 16;

/** One record to link. */
export interface LinkRecord {
  /** Unique within the batch. */
  id: string;
  /** Field values by name; missing, `undefined` or blank values count as missing. */
  fields: Record<string, string | undefined>;
  /** Which data set the record comes from; used by `linkType: 'link'`. */
  source?: string;
}

/**
 * Records column by column, for large batches: one array per field instead of one object per
 * record, so a million records cost their values and little else.
 */
export interface LinkRecordColumns {
  /** Field values by name, one entry per record; every array has the same length. */
  fields: Record<string, ReadonlyArray<string | undefined>>;
  /** Record ids, unique within the batch; left out, a record's id is its index as a decimal string. */
  ids?: ReadonlyArray<string>;
  /** The data set of each record, as {@link LinkRecord.source}. */
  sources?: ReadonlyArray<string | undefined>;
}

/** Options of {@link linkRecords}. */
export interface LinkRecordsOptions {
  /** How fields are compared; each becomes one factor of the model. */
  comparisons: ComparisonSpec[];
  /** Candidate pairs share all parts of at least one rule, e.g. `[['email'], ['surname:soundex', 'dob:year']]`. */
  blocking: BlockingRule[];
  /**
   * `dedupe` compares every record with every other; `link` only records of different
   * `source`s; `auto` links when the records carry two or more sources. @default 'auto'
   */
  linkType?: 'auto' | 'dedupe' | 'link';
  /** In link mode, let each record match at most one record of another source (best first). @default false */
  oneToOne?: boolean;
  /** Match probability from which a pair is linked (the auto-merge band). @default 0.9 */
  matchThreshold?: number;
  /** Match probability from which a pair is reported for review. @default 0.5 */
  reviewThreshold?: number;
  /**
   * Match probability from which a pair below `matchThreshold` is still linked when it is each
   * record's best candidate: neither record has a stronger-scoring pair. Off when left out.
   */
  mutualBestThreshold?: number;
  /** Use these parameters instead of estimating them (EM is then skipped). */
  model?: FellegiSunterModel;
  /**
   * Expectation–maximisation settings (here `fixU` defaults to true and `priorStrength` to
   * 10), plus the random sample that estimates u.
   */
  em?: EmOptions & {
    /** Random record pairs drawn to estimate the u probabilities. @default 200000 */
    sampleSize?: number;
    /** Seed of the sampler, for repeatable runs. @default 1 */
    seed?: number;
  };
  /** Blocks larger than this are compared within a sliding window of this size only. @default 1000 */
  maxBlockSize?: number;
  /** Scale of the term-frequency adjustment (0 = off, 1 = full). @default 1 */
  termFrequencyWeight?: number;
  /**
   * Strong identifiers that veto a link: two clusters whose values of one of these fields
   * are all different are never joined (the pair goes to `reviews` with `vetoed: true`).
   * Values are compared as that field's comparison normalises them. Pairs are clustered
   * strongest first, so the best evidence wins. @default []
   */
  cannotLink?: string[];
  /**
   * In dedupe mode, let a cluster hold at most one record of each `source`: two clusters that
   * both hold a record of the same source are never joined (the pair goes to `reviews` with
   * `vetoed: true`). For social identities whose source is the network, this is "one account
   * per network": two X accounts are not merged on a similar name. @default false
   */
  onePerSource?: boolean;
  /** Return `matches` and `reviews` pair by pair; false returns only clusters and counts (saves memory at scale). @default true */
  includePairs?: boolean;
  /**
   * Stops the run with `AbortedError` at the next progress report. `linkRecords` is synchronous, so
   * only an abort from `onProgress` (or one made before the call) can reach it; abort from elsewhere
   * between runs.
   */
  signal?: AbortSignal;
  /** Called after each step, and every 65,536 pairs while scoring. */
  onProgress?: (progress: LinkProgress) => void;
}

/** A scored candidate pair. */
export interface ScoredPair {
  a: string;
  b: string;
  /** Total match weight in bits (prior included). */
  weight: number;
  /** Match probability. */
  probability: number;
  /** Set when the pair scored as a match but `cannotLink` vetoed joining its clusters. */
  vetoed?: boolean;
}

/** Result of {@link linkRecords}. */
export interface LinkRecordsResult {
  /** Pairs at or above `matchThreshold` (after the one-to-one constraint). */
  matches: ScoredPair[];
  /** Pairs between `reviewThreshold` and `matchThreshold`. */
  reviews: ScoredPair[];
  /** Connected components of the matches, as record ids (only groups of two or more). */
  clusters: string[][];
  /** The model used: estimated, or the one supplied. */
  model: FellegiSunterModel;
  stats: {
    records: number;
    /** Candidate pairs compared after blocking. */
    pairsCompared: number;
    /** Distinct comparison patterns seen. */
    patterns: number;
    /** Blocks compared only within a window because they exceeded `maxBlockSize`. */
    oversizedBlocks: number;
    /** Pairs linked and pairs left for review (counted even when `includePairs` is false). */
    matches: number;
    reviews: number;
    emIterations: number;
    emConverged: boolean;
    seconds: number;
  };
}

type NumberArray = Uint16Array | Uint32Array | Float64Array;

/**
 * Append-only list of numbers in fixed-size typed chunks: growing never copies, and at most
 * one chunk is partly used, so millions of entries cost their width and nothing more.
 */
class ChunkedList<T extends NumberArray> {
  private readonly chunks: T[] = [];
  private current: T | null = null;
  length = 0;
  constructor(private readonly allocate: (size: number) => T) {}
  push(value: number): void {
    const offset = this.length & CHUNK_MASK;
    if (offset === 0) this.chunks.push((this.current = this.allocate(CHUNK_SIZE)));
    (this.current as T)[offset] = value;
    this.length++;
  }
  get(index: number): number {
    return (this.chunks[index >>> CHUNK_BITS] as T)[index & CHUNK_MASK] as number;
  }
  /** Frees the storage; the list is empty afterwards. */
  release(): void {
    this.chunks.length = 0;
    this.current = null;
    this.length = 0;
  }
}
const CHUNK_BITS = 16;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SIZE - 1;

/** Reads one field of record `index`. */
type FieldReader = (index: number) => string | undefined;

/** Uniform access to records given as objects or as columns. */
interface RecordSource {
  count: number;
  reader(field: string): FieldReader;
  id(index: number): string;
  source(index: number): string | undefined;
}

function recordSource(records: ReadonlyArray<LinkRecord> | LinkRecordColumns): RecordSource {
  if (Array.isArray(records)) {
    const list = records as ReadonlyArray<LinkRecord>;
    return {
      count: list.length,
      reader: (field) => (index) => (list[index] as LinkRecord).fields[field],
      id: (index) => (list[index] as LinkRecord).id,
      source: (index) => (list[index] as LinkRecord).source,
    };
  }
  const columns = records as LinkRecordColumns;
  if (!columns || typeof columns !== 'object' || !columns.fields || typeof columns.fields !== 'object') {
    throw new InvalidOptionsError('[identity] `linkRecords` takes an array of records or `{ fields: { <field>: values[] } }`.', [{ path: 'records', message: 'neither an array nor columns' }]);
  }
  const entries = Object.entries(columns.fields);
  const count = entries[0]?.[1].length ?? columns.ids?.length ?? 0;
  const lengths: Array<[string, ArrayLike<unknown> | undefined]> = [...entries, ['ids', columns.ids], ['sources', columns.sources]];
  for (const [name, values] of lengths) {
    if (values !== undefined && (!Array.isArray(values) || values.length !== count)) {
      throw new InvalidOptionsError(`[identity] Column \`${name}\` must be an array of ${count} values, one per record.`, [{ path: `records.${name}`, message: 'length differs' }]);
    }
  }
  const missing: FieldReader = () => undefined;
  return {
    count,
    reader: (field) => {
      const values = columns.fields[field];
      return values ? (index) => values[index] : missing;
    },
    id: columns.ids ? (index) => (columns.ids as ReadonlyArray<string>)[index] as string : (index) => String(index),
    source: columns.sources ? (index) => (columns.sources as ReadonlyArray<string | undefined>)[index] : () => undefined,
  };
}

/** Record values prepared once per comparison, plus term frequencies. @internal */
export interface PreparedColumns {
  columns: Array<Array<string | undefined>>;
  frequencies: Array<Map<string, number> | null>;
  /** `Σ p(v)²` per term-frequency comparison: chance that two random records agree. */
  averageAgreement: number[];
}

/**
 * Normalises every comparison's field over all records. Values of term-frequency comparisons
 * are interned (one string per distinct value), and repeated raw values are prepared once.
 * @internal
 */
export function prepareColumns(records: RecordSource, comparisons: CompiledComparison[]): PreparedColumns {
  const count = records.count;
  const frequencies: Array<Map<string, number> | null> = [];
  const columns = comparisons.map((comparison) => {
    const read = records.reader(comparison.field);
    const cache = new Map<string, string | undefined>();
    // Filled by push, so the array stays packed (faster to read than a pre-sized, holey one).
    const column: Array<string | undefined> = [];
    // The counts double as the intern table: each distinct value is kept once.
    const counts = comparison.termFrequency ? new Map<string, number>() : null;
    const canonical = counts ? new Map<string, string>() : null;
    let present = 0;
    for (let index = 0; index < count; index++) {
      const raw = read(index);
      if (raw === undefined || raw === null) {
        column.push(undefined);
        continue;
      }
      const text = String(raw);
      let prepared: string | undefined;
      if (cache.has(text)) prepared = cache.get(text);
      else {
        prepared = comparison.prepare(text);
        if (canonical && prepared !== undefined) {
          const known = canonical.get(prepared);
          if (known === undefined) canonical.set(prepared, prepared);
          else prepared = known;
        }
        if (cache.size < 50_000) cache.set(text, prepared);
      }
      column.push(prepared);
      if (counts && prepared !== undefined) {
        counts.set(prepared, (counts.get(prepared) ?? 0) + 1);
        present++;
      }
    }
    if (counts) for (const [value, seen] of counts) counts.set(value, seen / Math.max(present, 1));
    frequencies.push(counts);
    return column;
  });
  const averageAgreement = frequencies.map((counts) => {
    if (!counts) return 0;
    let sum = 0;
    for (const share of counts.values()) sum += share * share;
    return sum;
  });
  return { columns, frequencies, averageAgreement };
}

/** Levels of one pair (`-1` for missing), written into `levels`. @internal */
export function compareColumns(
  comparisons: CompiledComparison[],
  columns: Array<Array<string | undefined>>,
  a: number,
  b: number,
  levels: Int8Array,
): void {
  for (let index = 0; index < comparisons.length; index++) {
    const column = columns[index] as Array<string | undefined>;
    const valueA = column[a];
    const valueB = column[b];
    levels[index] = valueA === undefined || valueB === undefined ? -1 : (comparisons[index] as CompiledComparison).compare(valueA, valueB);
  }
}

/** Starting parameters: m by a geometric prior, u from random pairs. @internal */
export function startingModel(
  comparisons: CompiledComparison[],
  columns: Array<Array<string | undefined>>,
  sources: Int32Array | null,
  sampleSize: number,
  seed: number,
): FellegiSunterModel {
  const count = columns[0]?.length ?? 0;
  const uCounts = comparisons.map((comparison) => new Float64Array(comparison.levelCount).fill(1));
  const random = seededRandom(seed);
  const levels = new Int8Array(comparisons.length);
  const tries = sampleSize * 4;
  let drawn = 0;
  for (let attempt = 0; attempt < tries && drawn < sampleSize && count > 1; attempt++) {
    const a = Math.floor(random() * count);
    const b = Math.floor(random() * count);
    if (a === b || (sources && sources[a] === sources[b])) continue;
    drawn++;
    compareColumns(comparisons, columns, a, b, levels);
    for (let index = 0; index < comparisons.length; index++) {
      const level = levels[index] as number;
      if (level >= 0) (uCounts[index] as Float64Array)[level] = ((uCounts[index] as Float64Array)[level] as number) + 1;
    }
  }
  return {
    lambda: 0.1,
    comparisons: comparisons.map((comparison, index) => {
      const countsOfLevels = uCounts[index] as Float64Array;
      const total = countsOfLevels.reduce((sum, value) => sum + value, 0);
      return { name: comparison.name, m: initialM(comparison.levelCount), u: [...countsOfLevels].map((value) => value / total) };
    }),
  };
}

/** Tracks the sources of each cluster for `onePerSource`; singletons need no entry. */
function createSourceVeto(sourceIndex: Int32Array) {
  const clusterSources = new Map<number, number[]>();
  const sourcesOf = (root: number): number[] => clusterSources.get(root) ?? [sourceIndex[root] as number];
  return {
    conflict(rootA: number, rootB: number): boolean {
      const second = sourcesOf(rootB);
      return sourcesOf(rootA).some((source) => second.includes(source));
    },
    joined(rootA: number, rootB: number, root: number): void {
      const merged = [...sourcesOf(rootA), ...sourcesOf(rootB)];
      clusterSources.delete(rootA);
      clusterSources.delete(rootB);
      clusterSources.set(root, merged);
    },
  };
}

/** Tracks the strong identifiers of each cluster for `cannotLink`. */
function createVeto(
  fields: string[],
  comparisons: CompiledComparison[],
  columns: Array<Array<string | undefined>>,
  input: RecordSource,
) {
  if (fields.length === 0) return null;
  const readers = fields.map((field) => {
    const index = comparisons.findIndex((comparison) => comparison.field === field);
    if (index >= 0) return (record: number) => (columns[index] as Array<string | undefined>)[record];
    const read = input.reader(field);
    return (record: number) => {
      const raw = read(record);
      return raw === undefined || raw === null || String(raw).trim() === '' ? undefined : foldToAscii(String(raw).trim());
    };
  });
  // Per cluster and field, the distinct values (usually one): kept only for clusters of two or more.
  const clusterValues = new Map<number, Array<string[] | undefined>>();
  const valuesOf = (root: number): Array<string[] | undefined> =>
    clusterValues.get(root) ??
    readers.map((read) => {
      const value = read(root);
      return value === undefined ? undefined : [value];
    });
  return {
    conflict(rootA: number, rootB: number): boolean {
      const first = valuesOf(rootA);
      const second = valuesOf(rootB);
      return first.some((values, index) => {
        const others = second[index];
        return values !== undefined && others !== undefined && !values.some((value) => others.includes(value));
      });
    },
    joined(rootA: number, rootB: number, root: number): void {
      const first = valuesOf(rootA);
      const second = valuesOf(rootB);
      clusterValues.delete(rootA);
      clusterValues.delete(rootB);
      const merged = first.map((values, index) => {
        const others = second[index];
        if (!values) return others;
        if (!others) return values;
        return [...values, ...others.filter((value) => !values.includes(value))];
      });
      if (merged.some((values) => values !== undefined)) clusterValues.set(root, merged);
    },
  };
}

/**
 * Links records without labels: blocking, comparison levels, Fellegi–Sunter weights
 * estimated by EM, thresholds, and connected components.
 *
 * @example
 * const result = linkRecords(records, {
 *   comparisons: [{ type: 'name', field: 'name', termFrequency: true }, { type: 'email', field: 'email' }],
 *   blocking: [['email:email'], ['name:soundex']],
 * })
 * @throws InvalidOptionsError for malformed options or an unknown blocking transform.
 */
export function linkRecords(records: ReadonlyArray<LinkRecord> | LinkRecordColumns, options: LinkRecordsOptions): LinkRecordsResult {
  const started = performance.now();
  const parsed = parseOptions(linkRecordsOptionsSchema, options, 'linkRecords options') as LinkRecordsOptions;
  const report = (progress: LinkProgress) => {
    parsed.onProgress?.(progress);
    throwIfAborted(parsed.signal, 'linkRecords()', progress);
  };
  throwIfAborted(parsed.signal, 'linkRecords()');
  const comparisons = parsed.comparisons.map(compileComparison);
  const rules = parsed.blocking.map((rule) => {
    const compiled = compileBlockingRule(rule);
    if (typeof compiled === 'string') {
      throw new InvalidOptionsError(`[identity] Unknown blocking transform in \`${compiled}\`. Use exact, soundex, prefixN, suffixN, digits, year, first-token, last-token, sorted-tokens, email, phone or handle.`, [
        { path: 'blocking', message: `unknown transform in ${compiled}` },
      ]);
    }
    return compiled;
  });
  if (parsed.model && parsed.model.comparisons.length !== comparisons.length) {
    throw new InvalidOptionsError('[identity] `model` must have one entry per comparison.', [{ path: 'model.comparisons', message: 'length differs from comparisons' }]);
  }
  const input = recordSource(records);
  const count = input.count;
  const matchThreshold = parsed.matchThreshold ?? 0.9;
  const mutualBestThreshold = parsed.mutualBestThreshold ?? matchThreshold;
  const reviewThreshold = Math.min(parsed.reviewThreshold ?? Math.min(0.5, matchThreshold), mutualBestThreshold);
  const maxBlockSize = parsed.maxBlockSize ?? 1000;
  const termFrequencyWeight = parsed.termFrequencyWeight ?? 1;

  const sourceNames = new Map<string, number>();
  const sourceIndex = new Int32Array(count);
  for (let index = 0; index < count; index++) {
    const name = input.source(index) ?? '';
    let value = sourceNames.get(name);
    if (value === undefined) sourceNames.set(name, (value = sourceNames.size));
    sourceIndex[index] = value;
  }
  const linkType = parsed.linkType ?? 'auto';
  const linkOnly = linkType === 'link' || (linkType === 'auto' && sourceNames.size > 1);
  const sources = linkOnly ? sourceIndex : null;

  const { columns, frequencies, averageAgreement } = prepareColumns(input, comparisons);
  report({ phase: 'prepare', done: count, total: count });

  const ruleHashes = rules.map((rule) => {
    const hashes = new Uint32Array(count);
    const readers = rule.fields.map((field) => [field, input.reader(field)] as const);
    // One scratch object, refilled per record: no per-record allocation.
    const fields: Record<string, string | undefined> = {};
    for (let index = 0; index < count; index++) {
      for (const [field, read] of readers) fields[field] = read(index);
      const key = rule.key(fields);
      hashes[index] = key === undefined ? 0 : hashKey(key);
    }
    return hashes;
  });

  // Candidate pairs and the distinct patterns they show.
  // 4 + 4 + 2 bytes per candidate pair (pattern numbers fit 16 bits unless there are many levels).
  const pairA = new ChunkedList((size) => new Uint32Array(size));
  const pairB = new ChunkedList((size) => new Uint32Array(size));
  const patternIndex = new Map<number, number>();
  const strides: number[] = [];
  let stride = 1;
  for (const comparison of comparisons) {
    strides.push(stride);
    stride *= comparison.levelCount + 1;
  }
  if (stride * rules.length > Number.MAX_SAFE_INTEGER) {
    throw new InvalidOptionsError('[identity] Too many comparison levels to encode; use fewer comparisons or levels.', [{ path: 'comparisons', message: 'too many levels' }]);
  }
  const pairPattern = stride * rules.length <= 0xffff ? new ChunkedList((size) => new Uint16Array(size)) : new ChunkedList((size) => new Uint32Array(size));
  const patternLevels: number[] = [];
  const patternCounts: number[] = [];
  const patternRule: number[] = [];
  const levels = new Int8Array(comparisons.length);
  let oversizedBlocks = 0;
  // On the pairs a rule finds, the comparisons of the fields it pins are forced to agree:
  // they are left out of that rule's pattern so EM does not mistake the rule for a match.
  // A supplied model without per-rule priors was not estimated that way: score every comparison.
  const maskPinned = !parsed.model || parsed.model.blockingLambdas !== undefined;
  const pinned = rules.map((rule) => comparisons.map((comparison) => maskPinned && rule.pinnedFields.includes(comparison.field)));

  const consider = (first: number, second: number, ruleNumber: number) => {
    const a = first < second ? first : second;
    const b = first < second ? second : first;
    if (sources && sources[a] === sources[b]) return;
    for (let earlier = 0; earlier < ruleNumber; earlier++) {
      const hashes = ruleHashes[earlier] as Uint32Array;
      if (hashes[a] !== 0 && hashes[a] === hashes[b]) return;
    }
    compareColumns(comparisons, columns, a, b, levels);
    const pinnedByRule = pinned[ruleNumber] as boolean[];
    let signature = ruleNumber * stride;
    for (let index = 0; index < levels.length; index++) {
      if (pinnedByRule[index]) levels[index] = -1;
      signature += ((levels[index] as number) + 1) * (strides[index] as number);
    }
    let pattern = patternIndex.get(signature);
    if (pattern === undefined) {
      pattern = patternCounts.length;
      patternIndex.set(signature, pattern);
      patternCounts.push(0);
      patternRule.push(ruleNumber);
      for (const level of levels) patternLevels.push(level);
    }
    patternCounts[pattern] = (patternCounts[pattern] as number) + 1;
    pairA.push(a);
    pairB.push(b);
    pairPattern.push(pattern);
  };

  ruleHashes.forEach((hashes, ruleNumber) => {
    forEachBlock(hashes, (members, length) => {
      const window = length > maxBlockSize ? maxBlockSize : length;
      if (length > maxBlockSize) oversizedBlocks++;
      for (let i = 0; i < length; i++) {
        const end = Math.min(length, i + window);
        for (let j = i + 1; j < end; j++) consider(members[i] as number, members[j] as number, ruleNumber);
      }
    });
    report({ phase: 'block', done: ruleNumber + 1, total: rules.length });
  });

  const involved = rules.map((rule, ruleNumber) =>
    comparisons.map((comparison, index) => rule.fields.includes(comparison.field) && !(pinned[ruleNumber] as boolean[])[index]),
  );
  ruleHashes.length = 0;
  let model: FellegiSunterModel;
  let emIterations = 0;
  let emConverged = true;
  if (parsed.model) {
    model = parsed.model;
  } else {
    const possiblePairs = (count * (count - 1)) / 2;
    const sampleSize = Math.max(1, Math.min(parsed.em?.sampleSize ?? 200_000, Math.ceil(possiblePairs)));
    const start = startingModel(comparisons, columns, sources, sampleSize, parsed.em?.seed ?? 1);
    const estimate = estimateByEm(Int8Array.from(patternLevels), Float64Array.from(patternCounts), start, { fixU: true, priorStrength: 10, ...parsed.em }, {
      ruleOfPattern: Uint16Array.from(patternRule),
      ruleCount: rules.length,
      involved,
    });
    model = estimate.model;
    emIterations = estimate.iterations;
    emConverged = estimate.converged;
    report({ phase: 'estimate', done: 1, total: 1 });
  }

  const ruleWeights = rules.map((_, rule) => levelWeights(model, rule));
  const priors = rules.map((_, rule) => priorWeight(model, rule));
  const patternWeight = new Float64Array(patternCounts.length);
  for (let pattern = 0; pattern < patternCounts.length; pattern++) {
    const weights = ruleWeights[patternRule[pattern] as number] as number[][];
    let weight = priors[patternRule[pattern] as number] as number;
    for (let index = 0; index < comparisons.length; index++) {
      const level = patternLevels[pattern * comparisons.length + index] as number;
      if (level >= 0) weight += (weights[index] as number[])[level] as number;
    }
    patternWeight[pattern] = weight;
  }

  // Term frequencies: agreeing on a rare value is stronger evidence than on a common one.
  // Against random pairs the reference is Σp² (the chance two random records agree); on the
  // pairs of a rule that blocks on the field itself, every pair agrees, so the reference is
  // the (geometric) mean share over that rule's pairs and the adjustment averages out to 0.
  const termFrequencyComparisons = comparisons.flatMap((comparison, index) => (frequencies[index] ? [index] : []));
  const pairTotal = pairA.length;
  const comparisonCount = comparisons.length;
  const shareOf = (pattern: number, recordA: number, index: number): number => {
    const level = patternLevels[pattern * comparisonCount + index] as number;
    if (level < 0 || level >= ((comparisons[index] as CompiledComparison).equalLevels ?? 1)) return 0;
    return (frequencies[index] as Map<string, number>).get((columns[index] as Array<string | undefined>)[recordA] as string) ?? 0;
  };
  const ruleReference = rules.map(() => comparisons.map(() => ({ logSum: 0, count: 0 })));
  if (termFrequencyWeight > 0) {
    for (let pair = 0; pair < pairTotal; pair++) {
      const pattern = pairPattern.get(pair);
      const rule = patternRule[pattern] as number;
      for (const index of termFrequencyComparisons) {
        if (!(involved[rule] as boolean[])[index]) continue;
        const share = shareOf(pattern, pairA.get(pair), index);
        if (share <= 0) continue;
        const reference = (ruleReference[rule] as Array<{ logSum: number; count: number }>)[index] as { logSum: number; count: number };
        reference.logSum += Math.log2(share);
        reference.count++;
      }
    }
  }
  // Scored candidates in typed arrays: millions of pairs, no per-pair objects.
  let candidateCount = 0;
  let candidateA = new Uint32Array(1024);
  let candidateB = new Uint32Array(1024);
  let candidateWeight = new Float64Array(1024);
  for (let pair = 0; pair < pairTotal; pair++) {
    if (pair > 0 && pair % SCORE_REPORT_EVERY === 0) report({ phase: 'score', done: pair, total: pairTotal });
    const pattern = pairPattern.get(pair);
    let weight = patternWeight[pattern] as number;
    if (termFrequencyWeight > 0) {
      const rule = patternRule[pattern] as number;
      const recordA = pairA.get(pair);
      for (const index of termFrequencyComparisons) {
        const share = shareOf(pattern, recordA, index);
        if (share <= 0) continue;
        const reference = (ruleReference[rule] as Array<{ logSum: number; count: number }>)[index] as { logSum: number; count: number };
        const referenceLog = (involved[rule] as boolean[])[index] ? reference.logSum / Math.max(reference.count, 1) : Math.log2(averageAgreement[index] as number);
        weight += termFrequencyWeight * (referenceLog - Math.log2(share));
      }
    }
    if (weightToProbability(weight) < reviewThreshold) continue;
    if (candidateCount === candidateA.length) {
      const grow = <T extends Uint32Array | Float64Array>(array: T, next: T): T => {
        next.set(array);
        return next;
      };
      candidateA = grow(candidateA, new Uint32Array(candidateCount * 2));
      candidateB = grow(candidateB, new Uint32Array(candidateCount * 2));
      candidateWeight = grow(candidateWeight, new Float64Array(candidateCount * 2));
    }
    candidateA[candidateCount] = pairA.get(pair);
    candidateB[candidateCount] = pairB.get(pair);
    candidateWeight[candidateCount] = weight;
    candidateCount++;
  }
  report({ phase: 'score', done: pairTotal, total: pairTotal });
  // The candidate list is all that is needed from here on.
  pairA.release();
  pairB.release();
  pairPattern.release();
  // Strongest first: the one-to-one constraint and the cannotLink veto keep the best evidence.
  const order = new Uint32Array(candidateCount);
  for (let index = 0; index < candidateCount; index++) order[index] = index;
  order.sort((first, second) => (candidateWeight[second] as number) - (candidateWeight[first] as number));

  const includePairs = parsed.includePairs ?? true;
  const oneToOne = parsed.oneToOne === true && linkOnly;
  const taken = oneToOne ? new Uint8Array(count) : null;
  const unionFind = new UnionFind(count);
  const matches: ScoredPair[] = [];
  const reviews: ScoredPair[] = [];
  let matchCount = 0;
  let reviewCount = 0;
  const veto = createVeto(parsed.cannotLink ?? [], comparisons, columns, input);
  const sourceVeto = parsed.onePerSource === true && !linkOnly ? createSourceVeto(sourceIndex) : null;
  const output = (list: ScoredPair[], candidate: number, vetoed = false) => {
    if (!includePairs) return;
    const weight = candidateWeight[candidate] as number;
    list.push({
      a: input.id(candidateA[candidate] as number),
      b: input.id(candidateB[candidate] as number),
      weight,
      probability: weightToProbability(weight),
      ...(vetoed ? { vetoed: true } : {}),
    });
  };
  // Each record's strongest candidate weight, for the mutual-best band.
  let bestWeight: Float64Array | null = null;
  if (mutualBestThreshold < matchThreshold) {
    bestWeight = new Float64Array(count).fill(Number.NEGATIVE_INFINITY);
    for (let candidate = 0; candidate < candidateCount; candidate++) {
      const weight = candidateWeight[candidate] as number;
      const a = candidateA[candidate] as number;
      const b = candidateB[candidate] as number;
      if (weight > (bestWeight[a] as number)) bestWeight[a] = weight;
      if (weight > (bestWeight[b] as number)) bestWeight[b] = weight;
    }
  }
  for (const candidate of order) {
    const a = candidateA[candidate] as number;
    const b = candidateB[candidate] as number;
    const weight = candidateWeight[candidate] as number;
    const probability = weightToProbability(weight);
    const mutualBest = bestWeight !== null && probability >= mutualBestThreshold && bestWeight[a] === weight && bestWeight[b] === weight;
    if (probability < matchThreshold && !mutualBest) {
      reviewCount++;
      output(reviews, candidate);
      continue;
    }
    if (taken) {
      if (taken[a] || taken[b]) continue;
      taken[a] = 1;
      taken[b] = 1;
    }
    const rootA = unionFind.find(a);
    const rootB = unionFind.find(b);
    if (rootA !== rootB && ((veto && veto.conflict(rootA, rootB)) || (sourceVeto && sourceVeto.conflict(rootA, rootB)))) {
      reviewCount++;
      output(reviews, candidate, true);
      continue;
    }
    matchCount++;
    output(matches, candidate);
    if (unionFind.union(rootA, rootB)) {
      const root = unionFind.find(rootA);
      veto?.joined(rootA, rootB, root);
      sourceVeto?.joined(rootA, rootB, root);
    }
  }
  const clusters = unionFind.groups(2).map((members) => members.map((index) => input.id(index)));
  report({ phase: 'cluster', done: candidateCount, total: candidateCount });

  return {
    matches,
    reviews,
    clusters,
    model,
    stats: {
      records: count,
      pairsCompared: pairTotal,
      patterns: patternCounts.length,
      oversizedBlocks,
      matches: matchCount,
      reviews: reviewCount,
      emIterations,
      emConverged,
      seconds: (performance.now() - started) / 1000,
    },
  };
}

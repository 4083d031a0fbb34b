/**
 * Scores one pair of records with a fixed Fellegi–Sunter model and says why, comparison by
 * comparison. Used by the merger for incremental resolution and by the explanations.
 *
 * @module
 */
import { compileComparison, type CompiledComparison, type ComparisonSpec } from './comparisons.js';
import { comparisonWeights, priorWeight, weightToProbability, type FellegiSunterModel } from './fellegi-sunter.js';
import { InvalidOptionsError } from '../errors.js';
import type { LinkRecord } from './link-records.js';

/** The outcome of one comparison on one pair. */
export interface ComparisonOutcome {
  /** Comparison name. */
  name: string;
  /** Level index (0 = strongest agreement), or `null` when a value was missing. */
  level: number | null;
  /** What the level means, e.g. `similar (≥ 0.92)`; `missing` when a value was absent. */
  label: string;
  /** Contribution in bits: positive for agreement, negative for disagreement, 0 when missing. */
  weight: number;
  /** The normalised values compared. */
  values: [string | undefined, string | undefined];
}

/** The score of a pair. */
export interface PairScore {
  /** Prior plus every comparison's weight, in bits. */
  weight: number;
  /** Match probability. */
  probability: number;
  /** The prior weight `log2(λ / (1 − λ))`. */
  prior: number;
  comparisons: ComparisonOutcome[];
}

/** A record's values normalised once by each comparison, for repeated scoring. */
export type PreparedValues = ReadonlyArray<string | undefined>;

/** Scores pairs of records with a fixed model. */
export interface PairScorer {
  /** The full score, comparison by comparison. */
  score(a: LinkRecord, b: LinkRecord): PairScore;
  /** Normalises a record's values once (for {@link PairScorer.weigh}). */
  prepare(record: LinkRecord): PreparedValues;
  /**
   * Total weight in bits of two prepared records, without explanations. With `floor`, stops
   * early and returns `-Infinity` as soon as the pair cannot reach that weight any more.
   */
  weigh(a: PreparedValues, b: PreparedValues, floor?: number): number;
}

/** Builds a {@link PairScorer}; the model must have one entry per comparison. */
export function createPairScorer(specs: ComparisonSpec[], model: FellegiSunterModel): PairScorer {
  if (model.comparisons.length !== specs.length) {
    throw new InvalidOptionsError('[identity] The model must have one parameter entry per comparison.', [
      { path: 'model.comparisons', message: `expected ${specs.length} entries, got ${model.comparisons.length}` },
    ]);
  }
  const comparisons: CompiledComparison[] = specs.map(compileComparison);
  comparisons.forEach((comparison, index) => {
    const parameters = model.comparisons[index];
    if (parameters && parameters.m.length !== comparison.levelCount) {
      throw new InvalidOptionsError(`[identity] Comparison \`${comparison.name}\` has ${comparison.levelCount} levels but the model gives ${parameters.m.length}.`, [
        { path: `model.comparisons.${index}.m`, message: `expected ${comparison.levelCount} probabilities` },
      ]);
    }
  });
  const weights = model.comparisons.map(comparisonWeights);
  const prior = priorWeight(model);
  // Cheap comparisons first (exact identifiers), so that the bound stops before the costly
  // string similarities when a pair cannot reach the floor.
  const cost: Partial<Record<ComparisonSpec['type'], number>> = { exact: 0, phone: 0, date: 1, numeric: 1, email: 2, handle: 3, string: 4, name: 4 };
  const order = comparisons.map((_, index) => index).sort((first, second) => (cost[comparisons[first]!.type] ?? 5) - (cost[comparisons[second]!.type] ?? 5));
  const best = weights.map((levels) => Math.max(0, ...levels));
  // Most a pair can still gain from the comparisons after position `k` of `order`.
  const remainingBest = order.map((_, position) => order.slice(position + 1).reduce((sum, index) => sum + (best[index] as number), 0));
  return {
    prepare: (record) => comparisons.map((comparison) => comparison.prepare(record.fields[comparison.field])),
    weigh(a, b, floor = Number.NEGATIVE_INFINITY) {
      let total = prior;
      for (let position = 0; position < order.length; position++) {
        const index = order[position] as number;
        const valueA = a[index];
        const valueB = b[index];
        if (valueA !== undefined && valueB !== undefined) {
          total += (weights[index] as number[])[(comparisons[index] as CompiledComparison).compare(valueA, valueB)] ?? 0;
        }
        if (total + (remainingBest[position] as number) < floor) return Number.NEGATIVE_INFINITY;
      }
      return total;
    },
    score(a, b) {
      let total = prior;
      const outcomes = comparisons.map((comparison, index): ComparisonOutcome => {
        const valueA = comparison.prepare(a.fields[comparison.field]);
        const valueB = comparison.prepare(b.fields[comparison.field]);
        if (valueA === undefined || valueB === undefined) {
          return { name: comparison.name, level: null, label: 'missing', weight: 0, values: [valueA, valueB] };
        }
        const level = comparison.compare(valueA, valueB);
        const weight = (weights[index] as number[])[level] ?? 0;
        total += weight;
        return { name: comparison.name, level, label: comparison.labels[level] ?? String(level), weight, values: [valueA, valueB] };
      });
      return { weight: total, probability: weightToProbability(total), prior, comparisons: outcomes };
    },
  };
}

/** One line per comparison, strongest evidence first: `email: same address (+19.7)`. */
export function describeComparisons(comparisons: ComparisonOutcome[]): string[] {
  return [...comparisons]
    .sort((first, second) => Math.abs(second.weight) - Math.abs(first.weight))
    .map((outcome) => {
      const sign = outcome.weight > 0 ? '+' : outcome.weight < 0 ? '−' : '±';
      const shown = outcome.values.map((value) => value?.split('\u0000').pop());
      const values = outcome.level === null ? '' : ` (${shown[0]} / ${shown[1]})`;
      return `${outcome.name}: ${outcome.label}${values}, ${sign}${Math.abs(outcome.weight).toFixed(1)} bits`;
    });
}

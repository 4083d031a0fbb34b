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

/** Scores pairs of records with a fixed model. */
export interface PairScorer {
  score(a: LinkRecord, b: LinkRecord): PairScore;
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
  return {
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

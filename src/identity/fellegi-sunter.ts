/**
 * The Fellegi–Sunter model: each comparison level has an m probability (of being seen
 * on a true match) and a u probability (on a non-match); a pair's match weight is
 * `log2(λ / (1 − λ)) + Σ log2(m / u)`, and its match probability `1 / (1 + 2^−weight)`.
 * Parameters are estimated without labels by expectation–maximisation over the
 * distinct comparison patterns, so one iteration costs the number of patterns, not pairs.
 *
 * @module
 */

/** Estimated (or supplied) parameters of one comparison. */
export interface ComparisonParameters {
  /** Name of the comparison (its `name` or `field`). */
  name: string;
  /** m probability of each level, strongest agreement first. */
  m: number[];
  /** u probability of each level. */
  u: number[];
}

/** A Fellegi–Sunter model: the prior and the parameters of every comparison. */
export interface FellegiSunterModel {
  /** Prior probability that a candidate pair is a match. */
  lambda: number;
  /**
   * Prior per blocking rule: the share of matches among the candidate pairs each rule
   * produced first. When absent, `lambda` applies to every rule.
   */
  blockingLambdas?: number[];
  comparisons: ComparisonParameters[];
  /**
   * Per blocking rule, per comparison: parameters that replace the global ones on the
   * pairs that rule found (`null`: use the global ones). Set for fields a rule blocks on
   * fuzzily, whose agreement is inflated among the pairs it finds.
   */
  blockingComparisons?: RuleComparisonParameters[][];
}

/** How expectation–maximisation runs. */
export interface EmOptions {
  /** @default 100 */
  maxIterations?: number;
  /** Stop when no parameter moves more than this. @default 1e-5 */
  tolerance?: number;
  /**
   * Keep the u probabilities estimated from random record pairs instead of re-estimating
   * them on the blocked candidates. Fields a rule blocks on fuzzily always get their u for
   * that rule's pairs from EM, since blocking inflates their agreement.
   * @default false here; `linkRecords` defaults it to true
   */
  fixU?: boolean;
  /**
   * Pseudo-count of pairs pulling each m towards its starting value (a Dirichlet prior), so
   * that small data sets cannot drive an m to an extreme. @default 0
   */
  priorStrength?: number;
}

/** What EM reports. */
export interface EmResult {
  model: FellegiSunterModel;
  iterations: number;
  converged: boolean;
}

const FLOOR = 1e-6;

/** `log2(m / u)` of every level of one comparison. @internal */
export function comparisonWeights(comparison: ComparisonParameters): number[] {
  return comparison.m.map((m, level) => Math.log2(Math.max(m, FLOOR) / Math.max(comparison.u[level] ?? FLOOR, FLOOR)));
}

/** `log2(m / u)` of every level of every comparison, on the pairs of one blocking rule when given. @internal */
export function levelWeights(model: FellegiSunterModel, rule?: number): number[][] {
  return model.comparisons.map((comparison, index) =>
    comparisonWeights((rule === undefined ? null : model.blockingComparisons?.[rule]?.[index]) ?? comparison),
  );
}

/** The prior weight `log2(λ / (1 − λ))`, of one blocking rule when given. @internal */
export function priorWeight(model: FellegiSunterModel, rule?: number): number {
  const raw = rule === undefined ? model.lambda : (model.blockingLambdas?.[rule] ?? model.lambda);
  const lambda = Math.min(Math.max(raw, 1e-12), 1 - 1e-12);
  return Math.log2(lambda / (1 - lambda));
}

/** Match probability from a total weight (prior included). */
export function weightToProbability(weight: number): number {
  return 1 / (1 + 2 ** -weight);
}

/**
 * Starting m probabilities: most mass on exact agreement, geometrically less on the
 * weaker levels. @internal
 */
export function initialM(levelCount: number): number[] {
  const raw = Array.from({ length: levelCount }, (_, level) => 0.2 ** level);
  const total = raw.reduce((sum, value) => sum + value, 0);
  return raw.map((value) => value / total);
}

/** Parameters of one comparison on the pairs of one blocking rule that uses its field. */
export type RuleComparisonParameters = ComparisonParameters | null;

/**
 * Which parameter set each (rule, comparison) uses: the comparison's own (global) one, or
 * one of its own for a rule that blocks on a fuzzy form of the field (a soundex or prefix
 * of it), since the pairs such a rule finds agree on that field far more often than
 * random pairs do. @internal
 */
export interface RuleLayout {
  /** Rule of each pattern. */
  ruleOfPattern: Uint16Array;
  ruleCount: number;
  /** `involved[rule][comparison]`: the rule blocks on a fuzzy form of the comparison's field. */
  involved: boolean[][];
}

/**
 * Runs EM over comparison patterns. `patterns` holds, for each distinct pattern, one
 * level per comparison (`-1` for missing); `counts` how many pairs showed it. With a
 * `layout`, each blocking rule gets its own prior and its own parameters for the fields it
 * blocks on fuzzily.
 */
export function estimateByEm(
  patterns: Int8Array,
  counts: Float64Array,
  start: FellegiSunterModel,
  options: EmOptions = {},
  layout?: RuleLayout,
): EmResult {
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-5;
  const comparisonCount = start.comparisons.length;
  const patternCount = counts.length;
  const ruleCount = layout?.ruleCount ?? 1;
  // Parameter slots: 0 … comparisonCount − 1 are the global ones, then one per involved (rule, comparison).
  const slotOf = new Uint16Array(ruleCount * comparisonCount);
  const m: number[][] = start.comparisons.map((comparison) => [...comparison.m]);
  const u: number[][] = start.comparisons.map((comparison) => [...comparison.u]);
  const fixedU: boolean[] = start.comparisons.map(() => options.fixU ?? false);
  const priorStrength = options.priorStrength ?? 0;
  for (let rule = 0; rule < ruleCount; rule++) {
    for (let comparison = 0; comparison < comparisonCount; comparison++) {
      if (layout?.involved[rule]?.[comparison]) {
        const own = start.blockingComparisons?.[rule]?.[comparison];
        const global = start.comparisons[comparison] as ComparisonParameters;
        slotOf[rule * comparisonCount + comparison] = m.length;
        m.push([...(own ?? global).m]);
        u.push(own ? [...own.u] : [...global.u]);
        fixedU.push(false);
      } else {
        slotOf[rule * comparisonCount + comparison] = comparison;
      }
    }
  }
  const startM = m.map((levels) => [...levels]);
  let lambda = start.lambda;
  const ruleLambdas = new Float64Array(ruleCount).fill(start.lambda);
  start.blockingLambdas?.forEach((value, index) => {
    if (index < ruleCount) ruleLambdas[index] = value;
  });
  const posterior = new Float64Array(patternCount);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations && !converged) {
    iterations++;
    let matchMass = 0;
    let total = 0;
    const ruleMatchMass = new Float64Array(ruleCount);
    const ruleTotal = new Float64Array(ruleCount);
    for (let pattern = 0; pattern < patternCount; pattern++) {
      const rule = layout ? (layout.ruleOfPattern[pattern] as number) : 0;
      const prior = ruleLambdas[rule] as number;
      let probabilityMatch = prior;
      let probabilityNonMatch = 1 - prior;
      const offset = pattern * comparisonCount;
      for (let comparison = 0; comparison < comparisonCount; comparison++) {
        const level = patterns[offset + comparison] as number;
        if (level < 0) continue;
        const slot = slotOf[rule * comparisonCount + comparison] as number;
        probabilityMatch *= Math.max((m[slot] as number[])[level] as number, FLOOR);
        probabilityNonMatch *= Math.max((u[slot] as number[])[level] as number, FLOOR);
      }
      const value = probabilityMatch / (probabilityMatch + probabilityNonMatch);
      const share = Number.isFinite(value) ? value : 0;
      posterior[pattern] = share;
      const count = counts[pattern] as number;
      matchMass += count * share;
      total += count;
      ruleMatchMass[rule] = (ruleMatchMass[rule] as number) + count * share;
      ruleTotal[rule] = (ruleTotal[rule] as number) + count;
    }
    let change = Math.abs(matchMass / total - lambda);
    lambda = Math.min(Math.max(matchMass / total, 1e-9), 1 - 1e-9);
    for (let rule = 0; rule < ruleCount; rule++) {
      if ((ruleTotal[rule] as number) === 0) continue;
      const next = Math.min(Math.max((ruleMatchMass[rule] as number) / (ruleTotal[rule] as number), 1e-9), 1 - 1e-9);
      change = Math.max(change, Math.abs(next - (ruleLambdas[rule] as number)));
      ruleLambdas[rule] = next;
    }
    const matchCounts = m.map((levels) => new Float64Array(levels.length));
    const nonMatchCounts = m.map((levels) => new Float64Array(levels.length));
    for (let pattern = 0; pattern < patternCount; pattern++) {
      const rule = layout ? (layout.ruleOfPattern[pattern] as number) : 0;
      const count = counts[pattern] as number;
      const share = posterior[pattern] as number;
      for (let comparison = 0; comparison < comparisonCount; comparison++) {
        const level = patterns[pattern * comparisonCount + comparison] as number;
        if (level < 0) continue;
        const slot = slotOf[rule * comparisonCount + comparison] as number;
        const matchRow = matchCounts[slot] as Float64Array;
        const nonMatchRow = nonMatchCounts[slot] as Float64Array;
        matchRow[level] = (matchRow[level] as number) + count * share;
        nonMatchRow[level] = (nonMatchRow[level] as number) + count * (1 - share);
      }
    }
    for (let slot = 0; slot < m.length; slot++) {
      const levels = (m[slot] as number[]).length;
      const matchRow = matchCounts[slot] as Float64Array;
      const nonMatchRow = nonMatchCounts[slot] as Float64Array;
      const matchTotal = matchRow.reduce((sum, value) => sum + value, 0);
      const nonMatchTotal = nonMatchRow.reduce((sum, value) => sum + value, 0);
      for (let level = 0; level < levels; level++) {
        if (matchTotal > 0) {
          const pseudo = priorStrength * ((startM[slot] as number[])[level] as number);
          const next = Math.max(((matchRow[level] as number) + pseudo + 1e-9) / (matchTotal + priorStrength + levels * 1e-9), FLOOR);
          change = Math.max(change, Math.abs(next - ((m[slot] as number[])[level] as number)));
          (m[slot] as number[])[level] = next;
        }
        if (!fixedU[slot] && nonMatchTotal > 0) {
          const next = Math.max(((nonMatchRow[level] as number) + 1e-9) / (nonMatchTotal + levels * 1e-9), FLOOR);
          change = Math.max(change, Math.abs(next - ((u[slot] as number[])[level] as number)));
          (u[slot] as number[])[level] = next;
        }
      }
    }
    converged = change < tolerance;
  }
  const model: FellegiSunterModel = {
    lambda,
    comparisons: start.comparisons.map((comparison, index) => ({ name: comparison.name, m: m[index] as number[], u: u[index] as number[] })),
  };
  if (layout) {
    model.blockingLambdas = [...ruleLambdas];
    model.blockingComparisons = Array.from({ length: ruleCount }, (_, rule) =>
      start.comparisons.map((comparison, index) => {
        const slot = slotOf[rule * comparisonCount + index] as number;
        return slot === index ? null : { name: comparison.name, m: m[slot] as number[], u: u[slot] as number[] };
      }),
    );
  }
  return { model, iterations, converged };
}

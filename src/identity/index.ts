/**
 * `social-crm/identity`: the customer-identity merger (the pipeline's default
 * `IdentityResolver`) and the pure batch linker behind it.
 *
 * @module social-crm/identity
 */
export { linkRecords } from './link-records.js';
export type { LinkProgress, LinkRecord, LinkRecordColumns, LinkRecordsOptions, LinkRecordsResult, ScoredPair } from './link-records.js';
export type { ComparisonSpec } from './comparisons.js';
export type { BlockingRule, BlockingKeyPart } from './blocking.js';
export { estimateByEm, weightToProbability } from './fellegi-sunter.js';
export type { ComparisonParameters, EmOptions, EmResult, FellegiSunterModel } from './fellegi-sunter.js';
export {
  foldCase,
  foldToAscii,
  normalizeDomain,
  normalizeEmail,
  normalizeHandle,
  normalizeName,
  normalizePhone,
  normalizeUrl,
  soundex,
} from './normalize.js';
export type { NormalizedName, NormalizedValue } from './normalize.js';
export { jaro, jaroWinkler, levenshtein, tokenSetSimilarity } from './similarity.js';
export { defaultIdentityModel, identityBlockingKeys, identityBlockingRules, identityComparisons, identityToRecord } from './identity-model.js';
export { createIdentityMerger } from './identity-merger.js';
export type { EvidenceLevel, IdentityCommandContext, IdentityMerger, IdentityMergerOptions } from './identity-merger.js';
export type { MergeEvidence, PairExplanation } from './compare-pair.js';
export type { CustomerExplanation } from './explain-customer.js';
export type { ManualMergeOptions } from './merge-customers.js';
export type { RematchQuery, RematchResult } from './rematch-customers.js';
export type { MergeSuggestion, SuggestionQuery } from './review-queue.js';
export type { UnmergeResult } from './unmerge-customers.js';
export { createPairScorer, describeComparisons } from './score-pair.js';
export type { ComparisonOutcome, PairScore, PairScorer, PreparedValues } from './score-pair.js';

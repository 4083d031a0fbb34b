/**
 * Scoring two identities: the deterministic rules (equal verified email or phone), the conflicts
 * that block an automatic merge, and the Fellegi–Sunter score with its explanation.
 *
 * @module
 */
import type { ChannelIdentity } from '../interaction.js';
import { identityKey } from '../interaction.js';
import type { MergeRecord } from '../ledger.js';
import { identityToRecord } from './identity-model.js';
import { normalizeEmail, normalizePhone } from './normalize.js';
import { describeComparisons, type ComparisonOutcome, type PreparedValues } from './score-pair.js';
import type { MergerContext } from './merger-context.js';
import type { IdentityMerger } from './identity-merger.js';

/** Evidence stored in {@link MergeRecord.evidence} by this merger. */
export interface MergeEvidence {
  /** What linked the customers. */
  kind: 'same-verified-email' | 'same-verified-phone' | 'crm-link' | 'platform-attested' | 'probabilistic' | 'agent';
  /** The identity keys that were compared or linked. */
  identities: string[];
  /** One line per reason, strongest first. */
  reasons: string[];
  /** Comparisons with their weights (probabilistic decisions). */
  comparisons?: ComparisonOutcome[];
  /** Total weight in bits and match probability (probabilistic decisions). */
  weight?: number;
  probability?: number;
}

/** Result of {@link IdentityMerger.explainPair}. */
export interface PairExplanation {
  identities: [string, string];
  /** Deterministic link, when there is one. */
  deterministic: MergeEvidence['kind'] | null;
  /** Strong identifiers that differ (these block auto-merge). */
  conflicts: string[];
  weight: number;
  probability: number;
  band: 'auto-merge' | 'review' | 'no-match';
  comparisons: ComparisonOutcome[];
  /** Human-readable reasons, strongest first. */
  reasons: string[];
}

/** An identity's values as the model compares them, and its verified email and phone. @internal */
export interface PreparedIdentity {
  source: Pick<ChannelIdentity, 'displayName' | 'handle' | 'email' | 'phone'>;
  values: PreparedValues;
  email: string | null;
  phone: string | null;
}

/** Prepared identities by identity key, bounded. @internal */
export interface PreparedCache {
  get(key: string): PreparedIdentity | undefined;
  set(key: string, entry: PreparedIdentity): void;
  /** Forget an identity (erased). */
  delete(key: string): void;
}

/** Identities per generation of the prepared-values cache (a few hundred bytes each). */
const PREPARED_CACHE_SIZE = 10_000;

/**
 * Two generations: when the young one is full it becomes the old one, and the old one is dropped
 * whole (O(1); deleting a Map's oldest keys one by one leaves holes that slow iteration). An entry
 * read from the old generation moves to the young one. @internal
 */
export function createPreparedCache(): PreparedCache {
  let young = new Map<string, PreparedIdentity>();
  let old = new Map<string, PreparedIdentity>();
  function set(key: string, entry: PreparedIdentity): void {
    if (young.size >= PREPARED_CACHE_SIZE) {
      old = young;
      young = new Map();
    }
    young.set(key, entry);
  }
  return {
    get(key) {
      let entry = young.get(key);
      if (!entry) {
        entry = old.get(key);
        if (entry) set(key, entry);
      }
      return entry;
    },
    set,
    delete(key) {
      young.delete(key);
      old.delete(key);
    },
  };
}

/** The identity's email, normalised, when its channel verifies emails. @internal */
export function verifiedEmail(merger: MergerContext, identity: ChannelIdentity): string | null {
  if (!identity.email || !merger.verifiedEmailChannels.has(identity.channel)) return null;
  const email = normalizeEmail(identity.email);
  return email.valid ? email.value : null;
}

/** The identity's phone in E.164, when its channel verifies phones. @internal */
export function verifiedPhone(merger: MergerContext, identity: ChannelIdentity): string | null {
  if (!identity.phone || !merger.verifiedPhoneChannels.has(identity.channel)) return null;
  const phone = normalizePhone(identity.phone, merger.defaultRegion);
  return phone.valid ? phone.value : null;
}

/** Strong identifiers that differ between two groups of identities. @internal */
export function conflictsBetween(merger: MergerContext, first: ChannelIdentity[], second: ChannelIdentity[]): string[] {
  const conflicts: string[] = [];
  const check = (label: string, read: (identity: ChannelIdentity) => string | null) => {
    const left = new Set(first.map(read).filter((value): value is string => value !== null));
    const right = new Set(second.map(read).filter((value): value is string => value !== null));
    if (left.size > 0 && right.size > 0 && ![...left].some((value) => right.has(value))) {
      conflicts.push(`different verified ${label}: ${[...left].join(', ')} vs ${[...right].join(', ')}`);
    }
  };
  check('emails', (identity) => verifiedEmail(merger, identity));
  check('phones', (identity) => verifiedPhone(merger, identity));
  return conflicts;
}

function deterministicLink(merger: MergerContext, a: ChannelIdentity, b: ChannelIdentity): MergeEvidence['kind'] | null {
  if (merger.evidenceLevel === 'attested-only') return null;
  const emailA = verifiedEmail(merger, a);
  if (emailA !== null && emailA === verifiedEmail(merger, b)) return 'same-verified-email';
  const phoneA = verifiedPhone(merger, a);
  if (phoneA !== null && phoneA === verifiedPhone(merger, b)) return 'same-verified-phone';
  return null;
}

/**
 * An identity's comparison values and verified identifiers, normalised once and reused while its
 * profile is unchanged (candidates come back in many resolutions). @internal
 */
export function preparedOf(merger: MergerContext, identity: ChannelIdentity): PreparedIdentity {
  const key = identityKey(identity);
  const cached = merger.prepared.get(key);
  if (
    cached &&
    cached.source.displayName === identity.displayName &&
    cached.source.handle === identity.handle &&
    cached.source.email === identity.email &&
    cached.source.phone === identity.phone
  ) {
    return cached;
  }
  const entry: PreparedIdentity = {
    source: { displayName: identity.displayName, handle: identity.handle, email: identity.email, phone: identity.phone },
    values: merger.scorer.prepare(identityToRecord(identity, merger.defaultRegion)),
    email: verifiedEmail(merger, identity),
    phone: verifiedPhone(merger, identity),
  };
  merger.prepared.set(key, entry);
  return entry;
}

/** Whether a pair can leave the no-match band, without building its explanation. @internal */
export function worthExplaining(merger: MergerContext, a: PreparedIdentity, b: PreparedIdentity): boolean {
  if (merger.evidenceLevel === 'attested-only') return false;
  if ((a.email !== null && a.email === b.email) || (a.phone !== null && a.phone === b.phone)) return true;
  if (merger.evidenceLevel !== 'probabilistic') return false;
  return merger.scorer.weigh(a.values, b.values, merger.reviewWeight) >= merger.reviewWeight;
}

/** How two identities compare: rule, conflicts, score, band and reasons. @internal */
export function comparePair(merger: MergerContext, a: ChannelIdentity, b: ChannelIdentity): PairExplanation {
  const keys: [string, string] = [identityKey(a), identityKey(b)];
  const score = merger.scorer.score(identityToRecord(a, merger.defaultRegion), identityToRecord(b, merger.defaultRegion));
  const deterministic = deterministicLink(merger, a, b);
  const conflicts = conflictsBetween(merger, [a], [b]);
  const reasons = [
    ...(deterministic ? [`${deterministic.replaceAll('-', ' ')} (deterministic rule)`] : []),
    ...conflicts.map((conflict) => `conflict: ${conflict}`),
    ...describeComparisons(score.comparisons),
    `prior: ${score.prior.toFixed(1)} bits; total ${score.weight.toFixed(1)} bits, match probability ${score.probability.toFixed(4)}`,
  ];
  const band = score.probability >= merger.autoMergeBand ? 'auto-merge' : score.probability >= merger.reviewBand ? 'review' : 'no-match';
  return { identities: keys, deterministic, conflicts, weight: score.weight, probability: score.probability, band, comparisons: score.comparisons, reasons };
}

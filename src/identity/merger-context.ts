/**
 * The state the merger's steps share: its settings, parsed once from the options, and the few
 * mutable parts (the prepared-values cache, the in-process locks, the fallback review queue and the
 * command listeners). Every step takes it as its first argument.
 *
 * @internal
 * @module
 */
import * as z from 'zod';
import type { ChannelIdentity } from '../interaction.js';
import { hasReviewStore, type InteractionLedger, type ReviewStore } from '../ledger.js';
import { memoryReviewStore } from '../memory-ledger.js';
import type { IdentityCommandChange, IdentityResolverContext } from '../identity-resolver.js';
import { InvalidOptionsError } from '../errors.js';
import { createGate, createKeyedLock, type Gate, type KeyedLock } from '../_locks.js';
import type { FellegiSunterModel } from './fellegi-sunter.js';
import { defaultIdentityModel, identityBlockingKeys, identityComparisons } from './identity-model.js';
import { createPairScorer, type PairScorer } from './score-pair.js';
import { comparisonSpecSchema, modelSchema, parseOptions } from './_schemas.js';
import { createPreparedCache, type PreparedCache } from './compare-pair.js';
import type { EvidenceLevel, IdentityMergerOptions } from './identity-merger.js';

/** What every step of one merger reads and shares. */
export interface MergerContext {
  /** Resolver id reported to the pipeline. */
  readonly id: string;
  readonly evidenceLevel: EvidenceLevel;
  readonly verifiedEmailChannels: ReadonlySet<string>;
  readonly verifiedPhoneChannels: ReadonlySet<string>;
  readonly defaultRegion: string | undefined;
  readonly autoMergeBand: number;
  readonly reviewBand: number;
  /**
   * Below this weight a pair is in the no-match band: `weigh` may stop early. A hair lower than
   * the band so that rounding in the shortened sum never drops a pair the full score keeps.
   */
  readonly reviewWeight: number;
  readonly maxCandidates: number;
  /** Name of the model in a merge's `decidedBy`. */
  readonly modelName: string;
  readonly scorer: PairScorer;
  /** The identity's blocking keys (a host's function must not add `crm:` keys; those are `link`'s). */
  keysOf(identity: ChannelIdentity): string[];
  /** Ledger, clock and id generator for commands called without a context (completed by `bind`). */
  readonly commandDefaults: Pick<IdentityMergerOptions, 'ledger' | 'now' | 'generateId'>;
  /** Fills in the command defaults the options left out (the crm's ledger, clock and ids). */
  bind(context: IdentityResolverContext): void;
  readonly prepared: PreparedCache;
  /** The ledger's review queue, or this merger's memory queue when the ledger keeps none. */
  reviewStoreOf(ledger: InteractionLedger): ReviewStore;
  /** Drops erased customers and identities from the prepared-values cache and the memory queue. */
  forget(subject: { customerIds: string[]; identityKeys: string[] }): void;
  /**
   * Resolutions sharing a key run one after another; the gate lets them register and rank side by
   * side (shared) while merges, suggestions and agent commands run alone (exclusive). A ledger with
   * cross-process locks takes the gate's place (see `inProcess`).
   */
  readonly keyLocks: KeyedLock;
  /**
   * How many tasks have run to their end holding `keyLocks` (counted before they let go). Equal
   * before a read and after taking locks: no resolution or command of this process wrote under
   * those locks in between, so what was read then is still what this process knows.
   */
  keyLockGeneration(): number;
  readonly gate: Gate;
  /** Tells the command listeners (the crm re-emits their changes as events). */
  announce(change: IdentityCommandChange): void;
  subscribe(listener: (change: IdentityCommandChange) => void): () => void;
}

const optionsSchema = z.object({
  id: z.string().min(1).optional(),
  evidence: z.enum(['attested-only', 'deterministic', 'probabilistic']).optional(),
  verifiedEmailChannels: z.array(z.string()).optional(),
  verifiedPhoneChannels: z.array(z.string()).optional(),
  defaultRegion: z.string().length(2).optional(),
  bands: z
    .object({ autoMerge: z.number().min(0).max(1).optional(), review: z.number().min(0).max(1).optional() })
    .refine((bands) => (bands.review ?? 0.8) <= (bands.autoMerge ?? 0.99), { message: '`review` must not exceed `autoMerge`.' })
    .optional(),
  comparisons: z.array(comparisonSpecSchema).min(1).optional(),
  model: modelSchema.optional(),
  maxCandidates: z.number().int().positive().optional(),
  blockingKeys: z.custom<(identity: ChannelIdentity, defaultRegion: string | undefined) => string[]>((value) => typeof value === 'function', 'A function from an identity to its blocking keys.').optional(),
  ledger: z.custom<InteractionLedger>((value) => typeof value === 'object' && value !== null).optional(),
  now: z.custom<() => Date>((value) => typeof value === 'function').optional(),
  generateId: z.custom<() => string>((value) => typeof value === 'function').optional(),
});

/** Validates the options and builds the merger's shared state. @throws InvalidOptionsError */
export function createMergerContext(options: IdentityMergerOptions): MergerContext {
  const parsed = parseOptions(optionsSchema, options, 'identity merger options');
  if (parsed.comparisons && !parsed.model) {
    throw new InvalidOptionsError('[identity] Custom `comparisons` need a `model` with their parameters.', [{ path: 'model', message: 'required with comparisons' }]);
  }
  const defaultRegion = parsed.defaultRegion;
  const reviewBand = parsed.bands?.review ?? 0.8;
  const customKeys = options.blockingKeys;
  // The review queue when the ledger keeps none.
  const memoryQueue = memoryReviewStore();
  const prepared = createPreparedCache();
  const commandDefaults: Pick<IdentityMergerOptions, 'ledger' | 'now' | 'generateId'> = { ledger: options.ledger, now: options.now, generateId: options.generateId };
  const listeners = new Set<(change: IdentityCommandChange) => void>();
  const locks = createKeyedLock();
  let generation = 0;
  const keyLocks: KeyedLock = {
    withLock: (key, task) => keyLocks.withLocks([key], task),
    withLocks: (keys, task) =>
      locks.withLocks(keys, async () => {
        try {
          return await task();
        } finally {
          generation++;
        }
      }),
  };
  return {
    id: parsed.id ?? 'identity-merger',
    evidenceLevel: parsed.evidence ?? 'probabilistic',
    verifiedEmailChannels: new Set(parsed.verifiedEmailChannels ?? ['email', 'facebook', 'google', 'apple', 'linkedin']),
    verifiedPhoneChannels: new Set(parsed.verifiedPhoneChannels ?? ['whatsapp', 'sms', 'telegram', 'signal', 'viber', 'line']),
    defaultRegion,
    autoMergeBand: parsed.bands?.autoMerge ?? 0.99,
    reviewBand,
    reviewWeight: Math.log2(reviewBand / (1 - reviewBand)) - 1e-6,
    maxCandidates: parsed.maxCandidates ?? 200,
    modelName: `fellegi-sunter@${options.model ? 'custom' : 'default'}`,
    scorer: createPairScorer(options.comparisons ?? identityComparisons, (options.model ?? defaultIdentityModel) as FellegiSunterModel),
    keysOf: (identity) =>
      customKeys ? customKeys(identity, defaultRegion).filter((key) => typeof key === 'string' && key.length > 0 && !key.startsWith('crm:')) : identityBlockingKeys(identity, defaultRegion),
    commandDefaults,
    bind(context) {
      commandDefaults.ledger ??= context.ledger;
      commandDefaults.now ??= context.now;
      commandDefaults.generateId ??= context.generateId;
    },
    prepared,
    reviewStoreOf: (ledger) => (hasReviewStore(ledger) ? ledger : memoryQueue),
    forget(subject) {
      for (const key of subject.identityKeys) prepared.delete(key);
      memoryQueue.eraseCustomers(new Set(subject.customerIds));
    },
    keyLocks,
    keyLockGeneration: () => generation,
    gate: createGate(),
    announce(change) {
      for (const listener of listeners) {
        try {
          listener(change);
        } catch {
          // A listener's failure must not undo or fail the command that already happened.
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

/**
 * The customer-identity merger: the pipeline's default {@link IdentityResolver}. It finds
 * candidate identities through the ledger's blocking index, decides with deterministic
 * rules and a Fellegi–Sunter model, merges (never across conflicting verified emails or
 * phones), records every merge with its evidence and a snapshot, and undoes merges exactly.
 *
 * @module
 */
import { z } from 'zod';
import type { ChannelIdentity, Customer } from '../interaction.js';
import { identityKey } from '../interaction.js';
import { hasLocking, hasReviewStore, type IdentityRecord, type InteractionLedger, type MergeDecision, type MergeRecord, type MergeSuggestionRecord, type Page, type ReviewStore } from '../ledger.js';
import { memoryReviewStore } from '../memory-ledger.js';
import type { IdentityCommandChange, IdentityResolver, IdentityResolverContext, ResolveResult } from '../identity-resolver.js';
import { refreshIdentity, registerIdentity } from '../identity-resolver.js';
import { IdentityConflictError, InvalidOptionsError, NotFoundError } from '../errors.js';
import type { ComparisonSpec } from './comparisons.js';
import type { FellegiSunterModel } from './fellegi-sunter.js';
import { defaultIdentityModel, identityBlockingKeys, identityComparisons, identityToRecord } from './identity-model.js';
import { normalizeEmail, normalizePhone } from './normalize.js';
import { createPairScorer, describeComparisons, type ComparisonOutcome, type PreparedValues } from './score-pair.js';
import { comparisonSpecSchema, modelSchema, parseOptions } from './_schemas.js';
import { createGate, createKeyedLock } from '../_locks.js';

/**
 * Which evidence may link two channel identities to one customer:
 * - `attested-only`: only links someone attested: the host CRM ({@link IdentityMerger.link}),
 *   the platform ({@link IdentityMerger.attest}) or an agent. Nothing is inferred across networks.
 * - `deterministic`: also equal verified emails or phones.
 * - `probabilistic`: also the Fellegi–Sunter model (auto-merge and review bands).
 */
export type EvidenceLevel = 'attested-only' | 'deterministic' | 'probabilistic';

/** Options of {@link createIdentityMerger}. */
export interface IdentityMergerOptions {
  /** Resolver id reported to the pipeline. @default 'identity-merger' */
  id?: string;
  /** The strongest kind of evidence allowed to link identities. @default 'probabilistic' */
  evidence?: EvidenceLevel;
  /** Channels whose profile email the platform has verified. @default ['email', 'facebook', 'google', 'apple', 'linkedin'] */
  verifiedEmailChannels?: string[];
  /** Channels whose profile phone the platform has verified. @default ['whatsapp', 'sms', 'telegram', 'signal', 'viber', 'line'] */
  verifiedPhoneChannels?: string[];
  /** Region for phone numbers written without a country code (ISO 3166 alpha-2, e.g. `TR`). */
  defaultRegion?: string;
  /** Match-probability bands of the model. */
  bands?: {
    /** Merge automatically from this probability. @default 0.99 */
    autoMerge?: number;
    /** Suggest for review from this probability. @default 0.8 */
    review?: number;
  };
  /** Comparisons of the model. @default identityComparisons (name, handle, email, phone) */
  comparisons?: ComparisonSpec[];
  /** Model parameters, e.g. estimated by `linkRecords` on your own identities. @default defaultIdentityModel */
  model?: FellegiSunterModel;
  /** Most candidate identities fetched per resolution. @default 200 */
  maxCandidates?: number;
  /**
   * The blocking keys an identity is stored with and its candidates are looked up by: identities
   * that share a key are compared. Keys that start with `name:` or `name-sound:` are looked up
   * apart from the others (see the guide). Keys starting with `crm:` are reserved for `link`.
   * @default identityBlockingKeys (email, phone, handle core, name tokens, name soundex)
   */
  blockingKeys?: (identity: ChannelIdentity, defaultRegion: string | undefined) => string[];
  /** Ledger for the agent commands (`merge`, `unmerge` ...) when they get no context. */
  ledger?: InteractionLedger;
  /** Clock for the agent commands. @default () => new Date() */
  now?: () => Date;
  /** Id generator for the agent commands. @default random `cus_…` ids */
  generateId?: () => string;
}

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

/** An identity's values as the model compares them, and its verified email and phone. */
interface PreparedIdentity {
  source: Pick<ChannelIdentity, 'displayName' | 'handle' | 'email' | 'phone'>;
  values: PreparedValues;
  email: string | null;
  phone: string | null;
}

/** A candidate customer worth acting on, with its best pair. */
interface RankedCandidate {
  customerId: string;
  candidate: IdentityRecord;
  pair: PairExplanation;
  band: 'auto-merge' | 'review';
}

/** Identities per generation of the prepared-values cache (a few hundred bytes each). */
const PREPARED_CACHE_SIZE = 10_000;

/** A pair of customers waiting for an agent's decision (one per pair; see {@link IdentityMerger.suggestions}). */
export interface MergeSuggestion extends MergeSuggestionRecord {
  /** Why it was not merged automatically: the score band, a conflict, or an earlier unmerge or split. */
  reason: 'review-band' | 'conflict' | 'previously-separated' | 'ambiguous';
  evidence: MergeEvidence;
}

/** Query of {@link IdentityMerger.suggestions}. */
export interface SuggestionQuery {
  /** Only suggestions naming this customer, or a customer merged into it (then all on one page). */
  customerId?: string;
  /** Page size, 1–1000. @default 100 */
  limit?: number;
  cursor?: string;
}

/** Context for agent commands; falls back to the merger's options. */
export type IdentityCommandContext = Partial<IdentityResolverContext>;

/** Options of {@link IdentityMerger.merge}. */
export interface ManualMergeOptions {
  /** Who decides (agent id). */
  agent: string;
  /** The customer that remains. @default the oldest */
  survivorId?: string;
  /** Free text kept with the evidence. */
  reason?: string;
  /** Merge even when verified emails or phones differ. @default false */
  force?: boolean;
}

/** Result of {@link IdentityMerger.unmerge}. */
export interface UnmergeResult {
  merge: MergeRecord;
  /** The customers as restored. */
  customers: Customer[];
  /** Identities that had left the survivor since the merge and were therefore left where they are. */
  skippedIdentities: string[];
}

/** Result of {@link IdentityMerger.rematch}. */
export interface RematchResult {
  customersScanned: number;
  identitiesScanned: number;
  merges: MergeRecord[];
  /** Suggestions put in (or refreshed in) the review queue. */
  suggestions: number;
  /** Pass it to the next call; `null` when every customer was scanned. */
  nextCursor: string | null;
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

/** Result of {@link IdentityMerger.explain}. */
export interface CustomerExplanation {
  customerId: string;
  /** The customer's identity keys with their channel, in order. */
  identities: Array<{ key: string; channel: string; attested: boolean }>;
  merges: Array<{
    mergeId: string;
    createdAt: string;
    survivorId: string;
    absorbedIds: string[];
    decidedBy: MergeDecision;
    score?: number;
    undone: boolean;
    summary: string;
    reasons: string[];
  }>;
  /** Open review-queue suggestions that name the customer (or a customer merged into it), newest first. */
  suggestions: MergeSuggestion[];
  /** The whole explanation as text, one line per fact. */
  text: string;
}

/** The merger: an {@link IdentityResolver} plus the commands agents and hosts use. */
export interface IdentityMerger extends IdentityResolver {
  /** Attribute an identity to a customer, merging where the evidence allows (called by the pipeline). */
  resolve(identity: ChannelIdentity, context: IdentityResolverContext): Promise<ResolveResult>;
  /**
   * Link an identity to the host CRM's contact. Identities linked to the same contact are
   * merged (decision `crm`). @throws IdentityConflictError when the customer is linked to another contact.
   */
  link(identity: ChannelIdentity, crmContactId: string, context?: IdentityCommandContext): Promise<{ customerId: string; merges: MergeRecord[] }>;
  /** Record that the platform says two identities are one person, and merge them. */
  attest(a: ChannelIdentity, b: ChannelIdentity, options: { source: string }, context?: IdentityCommandContext): Promise<{ customerId: string; merges: MergeRecord[] }>;
  /** Merge customers by an agent's decision. @throws IdentityConflictError, NotFoundError */
  merge(customerIds: string[], options: ManualMergeOptions, context?: IdentityCommandContext): Promise<MergeRecord>;
  /** Undo a merge exactly. @throws IdentityConflictError when already undone or merged further; NotFoundError */
  unmerge(mergeId: string, context?: IdentityCommandContext): Promise<UnmergeResult>;
  /** Move identities of a customer to a new customer; the two are never auto-merged again. */
  split(customerId: string, identityKeys: string[], options: { agent: string }, context?: IdentityCommandContext): Promise<Customer>;
  /** Why a customer is made of the identities it has. @throws NotFoundError */
  explain(customerId: string, context?: IdentityCommandContext): Promise<CustomerExplanation>;
  /**
   * Matches the identities already in the ledger again, one page of customers per call (call
   * again with `nextCursor` until it is `null`): after a change of model, bands, evidence level or
   * `blockingKeys`, or over customers another resolver made. Stored blocking keys are brought up to
   * date on the way; merges and suggestions follow the rules of `resolve`, and merges are announced
   * to `subscribe` listeners (the crm re-emits them as `customer-merged`).
   */
  rematch(query?: { limit?: number; cursor?: string }, context?: IdentityCommandContext): Promise<RematchResult>;
  /** How two identities (or identity keys known to the ledger) compare. */
  explainPair(a: ChannelIdentity | string, b: ChannelIdentity | string, context?: IdentityCommandContext): Promise<PairExplanation>;
  /**
   * The review queue, newest first: in the ledger when it keeps one ({@link ReviewStore}), else in
   * this merger's memory. Customer ids are the current ones (after later merges); suggestions whose
   * customers have since become one, or were erased, are dropped as they are read, so a page can
   * hold fewer than `limit` items.
   */
  suggestions(query?: SuggestionQuery, context?: IdentityCommandContext): Promise<Page<MergeSuggestion>>;
  /** Remove a suggestion from the queue (after an agent decided). Returns whether it was there. */
  dismissSuggestion(id: string, context?: IdentityCommandContext): Promise<boolean>;
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

const SEPARATED_ATTRIBUTE = 'identitySeparatedFrom';

/**
 * Creates the identity merger.
 *
 * @example
 * const merger = createIdentityMerger({ evidence: 'probabilistic', defaultRegion: 'TR' })
 * const crm = createSocialCrm({ ledger, adapters, identityResolver: merger })
 * @throws InvalidOptionsError
 */
export function createIdentityMerger(options: IdentityMergerOptions = {}): IdentityMerger {
  const parsed = parseOptions(optionsSchema, options, 'identity merger options');
  if (parsed.comparisons && !parsed.model) {
    throw new InvalidOptionsError('[identity] Custom `comparisons` need a `model` with their parameters.', [{ path: 'model', message: 'required with comparisons' }]);
  }
  const evidenceLevel: EvidenceLevel = parsed.evidence ?? 'probabilistic';
  const verifiedEmailChannels = new Set(parsed.verifiedEmailChannels ?? ['email', 'facebook', 'google', 'apple', 'linkedin']);
  const verifiedPhoneChannels = new Set(parsed.verifiedPhoneChannels ?? ['whatsapp', 'sms', 'telegram', 'signal', 'viber', 'line']);
  const region = parsed.defaultRegion;
  const autoMergeBand = parsed.bands?.autoMerge ?? 0.99;
  const reviewBand = parsed.bands?.review ?? 0.8;
  const maxCandidates = parsed.maxCandidates ?? 200;
  const customKeys = options.blockingKeys;
  /** The identity's blocking keys (a host's function must not add `crm:` keys; those are `link`'s). */
  const keysOf = (identity: ChannelIdentity): string[] =>
    customKeys ? customKeys(identity, region).filter((key) => typeof key === 'string' && key.length > 0 && !key.startsWith('crm:')) : identityBlockingKeys(identity, region);
  const scorer = createPairScorer(options.comparisons ?? identityComparisons, (options.model ?? defaultIdentityModel) as FellegiSunterModel);
  // The review queue when the ledger keeps none.
  const memoryQueue = memoryReviewStore();
  const reviewStoreOf = (ledger: InteractionLedger): ReviewStore => (hasReviewStore(ledger) ? ledger : memoryQueue);
  // Below this weight a pair is in the no-match band: `weigh` may stop early. A hair lower than
  // the band so that rounding in the shortened sum never drops a pair the full score keeps.
  const reviewWeight = Math.log2(reviewBand / (1 - reviewBand)) - 1e-6;
  // Two generations: when the young one is full it becomes the old one, and the old one is
  // dropped whole (O(1); deleting a Map's oldest keys one by one leaves holes that slow iteration).
  let preparedYoung = new Map<string, PreparedIdentity>();
  let preparedOld = new Map<string, PreparedIdentity>();
  // Resolutions sharing a key run one after another; the gate lets them register and rank side by
  // side (shared) while merges, suggestions and agent commands run alone (exclusive). A ledger with
  // cross-process locks takes the gate's place (see inProcess).
  const keyLocks = createKeyedLock();
  const gate = createGate();
  /** Listeners of command changes (the crm re-emits them as events). */
  const listeners = new Set<(change: IdentityCommandChange) => void>();
  function announce(change: IdentityCommandChange): void {
    for (const listener of listeners) {
      try {
        listener(change);
      } catch {
        // A listener's failure must not undo or fail the command that already happened.
      }
    }
  }


  function commandContext(context: IdentityCommandContext | undefined): IdentityResolverContext {
    const ledger = context?.ledger ?? options.ledger;
    if (!ledger) {
      throw new InvalidOptionsError('[identity] No ledger: pass `ledger` to createIdentityMerger() or in the command context.', [{ path: 'ledger', message: 'required' }]);
    }
    return {
      ledger,
      now: context?.now ?? options.now ?? (() => new Date()),
      generateId: context?.generateId ?? options.generateId ?? (() => `cus_${crypto.randomUUID().replaceAll('-', '')}`),
    };
  }

  function verifiedEmail(identity: ChannelIdentity): string | null {
    if (!identity.email || !verifiedEmailChannels.has(identity.channel)) return null;
    const email = normalizeEmail(identity.email);
    return email.valid ? email.value : null;
  }

  function verifiedPhone(identity: ChannelIdentity): string | null {
    if (!identity.phone || !verifiedPhoneChannels.has(identity.channel)) return null;
    const phone = normalizePhone(identity.phone, region);
    return phone.valid ? phone.value : null;
  }

  /** Strong identifiers that differ between two groups of identities. */
  function conflictsBetween(first: ChannelIdentity[], second: ChannelIdentity[]): string[] {
    const conflicts: string[] = [];
    const check = (label: string, read: (identity: ChannelIdentity) => string | null) => {
      const left = new Set(first.map(read).filter((value): value is string => value !== null));
      const right = new Set(second.map(read).filter((value): value is string => value !== null));
      if (left.size > 0 && right.size > 0 && ![...left].some((value) => right.has(value))) {
        conflicts.push(`different verified ${label}: ${[...left].join(', ')} vs ${[...right].join(', ')}`);
      }
    };
    check('emails', verifiedEmail);
    check('phones', verifiedPhone);
    return conflicts;
  }

  function deterministicLink(a: ChannelIdentity, b: ChannelIdentity): MergeEvidence['kind'] | null {
    if (evidenceLevel === 'attested-only') return null;
    const emailA = verifiedEmail(a);
    if (emailA !== null && emailA === verifiedEmail(b)) return 'same-verified-email';
    const phoneA = verifiedPhone(a);
    if (phoneA !== null && phoneA === verifiedPhone(b)) return 'same-verified-phone';
    return null;
  }

  /**
   * An identity's comparison values and verified identifiers, normalised once and reused while
   * its profile is unchanged (candidates come back in many resolutions). Bounded: entries not
   * used for two generations are dropped.
   */
  function preparedOf(identity: ChannelIdentity): PreparedIdentity {
    const key = identityKey(identity);
    let cached = preparedYoung.get(key);
    if (!cached) {
      cached = preparedOld.get(key);
      if (cached) remember(key, cached);
    }
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
      values: scorer.prepare(identityToRecord(identity, region)),
      email: verifiedEmail(identity),
      phone: verifiedPhone(identity),
    };
    remember(key, entry);
    return entry;
  }

  function remember(key: string, entry: PreparedIdentity): void {
    if (preparedYoung.size >= PREPARED_CACHE_SIZE) {
      preparedOld = preparedYoung;
      preparedYoung = new Map();
    }
    preparedYoung.set(key, entry);
  }

  /** Whether a pair can leave the no-match band, without building its explanation. */
  function worthExplaining(a: PreparedIdentity, b: PreparedIdentity): boolean {
    if (evidenceLevel === 'attested-only') return false;
    if ((a.email !== null && a.email === b.email) || (a.phone !== null && a.phone === b.phone)) return true;
    if (evidenceLevel !== 'probabilistic') return false;
    return scorer.weigh(a.values, b.values, reviewWeight) >= reviewWeight;
  }

  function bandOf(probability: number): PairExplanation['band'] {
    return probability >= autoMergeBand ? 'auto-merge' : probability >= reviewBand ? 'review' : 'no-match';
  }

  function comparePair(a: ChannelIdentity, b: ChannelIdentity): PairExplanation {
    const keys: [string, string] = [identityKey(a), identityKey(b)];
    const score = scorer.score(identityToRecord(a, region), identityToRecord(b, region));
    const deterministic = deterministicLink(a, b);
    const conflicts = conflictsBetween([a], [b]);
    const reasons = [
      ...(deterministic ? [`${deterministic.replaceAll('-', ' ')} (deterministic rule)`] : []),
      ...conflicts.map((conflict) => `conflict: ${conflict}`),
      ...describeComparisons(score.comparisons),
      `prior: ${score.prior.toFixed(1)} bits; total ${score.weight.toFixed(1)} bits, match probability ${score.probability.toFixed(4)}`,
    ];
    return {
      identities: keys,
      deterministic,
      conflicts,
      weight: score.weight,
      probability: score.probability,
      band: bandOf(score.probability),
      comparisons: score.comparisons,
      reasons,
    };
  }

  function blockingKeysOf(identity: ChannelIdentity, previous?: IdentityRecord): string[] {
    const kept = (previous?.blockingKeys ?? []).filter((key) => key.startsWith('crm:'));
    return [...new Set([...keysOf(identity), ...kept])];
  }

  async function loadCustomer(ledger: InteractionLedger, id: string): Promise<Customer> {
    const customer = await ledger.getCustomer(id);
    if (!customer) throw new NotFoundError('Customer', id);
    return customer;
  }

  /** True when an agent split these customers apart or a merge of them was undone. */
  async function separated(ledger: InteractionLedger, first: Customer, second: Customer): Promise<boolean> {
    const marks = (customer: Customer) => (Array.isArray(customer.attributes[SEPARATED_ATTRIBUTE]) ? (customer.attributes[SEPARATED_ATTRIBUTE] as string[]) : []);
    if (marks(first).some((key) => second.identityKeys.includes(key)) || marks(second).some((key) => first.identityKeys.includes(key))) return true;
    const history = await ledger.listMerges(first.id);
    return history.some((merge) => {
      if (!merge.undoneAt) return false;
      const involved = [merge.survivorId, ...merge.absorbedIds];
      const keys = new Set(merge.snapshot.identities.map((identity) => identity.key));
      return involved.includes(second.id) || second.identityKeys.some((key) => keys.has(key) && !first.identityKeys.includes(key));
    });
  }

  /** Folds `absorbedIds` into `survivorId`, snapshot first so that it can be undone. */
  async function performMerge(
    context: IdentityResolverContext,
    survivorId: string,
    absorbedIds: string[],
    decidedBy: MergeDecision,
    evidence: MergeEvidence,
    score?: number,
  ): Promise<MergeRecord> {
    const { ledger } = context;
    if (absorbedIds.length === 0 || absorbedIds.includes(survivorId) || new Set(absorbedIds).size !== absorbedIds.length) {
      throw new IdentityConflictError('A merge needs a survivor and at least one other, distinct customer.');
    }
    const survivor = await loadCustomer(ledger, survivorId);
    const absorbed = await Promise.all(absorbedIds.map((id) => loadCustomer(ledger, id)));
    for (const customer of [survivor, ...absorbed]) {
      if (customer.mergedInto) {
        throw new IdentityConflictError(`Customer \`${customer.id}\` is already merged into \`${customer.mergedInto}\`; merge that customer instead.`);
      }
    }
    const survivorIdentities = await ledger.listIdentities(survivor.id);
    const absorbedIdentities = (await Promise.all(absorbed.map((customer) => ledger.listIdentities(customer.id)))).flat();
    const now = context.now().toISOString();
    const record: MergeRecord = {
      id: context.generateId(),
      survivorId: survivor.id,
      absorbedIds: absorbed.map((customer) => customer.id),
      decidedBy,
      ...(score !== undefined ? { score } : {}),
      evidence,
      snapshot: {
        customers: [structuredClone(survivor), ...absorbed.map((customer) => structuredClone(customer))],
        identities: [...survivorIdentities, ...absorbedIdentities].map((identity) => ({ key: identity.key, customerId: identity.customerId })),
      },
      createdAt: now,
    };
    await ledger.saveMerge(record);
    const movedKeys: string[] = [];
    for (const identity of absorbedIdentities) {
      await ledger.saveIdentity({ ...identity, customerId: survivor.id });
      movedKeys.push(identity.key);
    }
    const keys = [...survivor.identityKeys];
    for (const customer of absorbed) for (const key of customer.identityKeys) if (!keys.includes(key)) keys.push(key);
    for (const key of movedKeys) if (!keys.includes(key)) keys.push(key);
    const crmContactId = survivor.crmContactId ?? absorbed.find((customer) => customer.crmContactId)?.crmContactId;
    await ledger.saveCustomer({
      ...survivor,
      displayName: survivor.displayName ?? absorbed.find((customer) => customer.displayName)?.displayName,
      identityKeys: keys,
      ...(crmContactId ? { crmContactId } : {}),
      updatedAt: now,
    });
    for (const customer of absorbed) {
      await ledger.saveCustomer({ ...customer, identityKeys: [], mergedInto: survivor.id, updatedAt: now });
    }
    if (movedKeys.length > 0) await ledger.assignInteractions(movedKeys, survivor.id);
    return record;
  }

  function oldestFirst(customers: Customer[]): Customer[] {
    // Stable: on equal creation times the order given wins (callers put the established customer first).
    return [...customers].sort((a, b) => (a.createdAt === b.createdAt ? 0 : a.createdAt < b.createdAt ? -1 : 1));
  }

  /** Creates the customer and identity record for an identity the ledger has not seen. */
  async function register(identity: ChannelIdentity, context: IdentityResolverContext, attested = false): Promise<IdentityRecord> {
    return registerIdentity(identity, context, { blockingKeys: blockingKeysOf(identity), attested });
  }

  /**
   * Candidates for an identity, at most `maxCandidates` per kind of key. Keys that name one
   * account (email, phone, handle) are asked apart from name keys, so a common name (thousands of
   * "Mehmet Yılmaz") can never crowd the one identity with the same verified email out of the
   * ledger's capped answer, whatever order the ledger returns rows in.
   */
  async function findCandidates(ledger: InteractionLedger, blockingKeys: string[]): Promise<IdentityRecord[]> {
    const keys = blockingKeys.filter((key) => !key.startsWith('crm:'));
    const names = keys.filter((key) => key.startsWith('name:') || key.startsWith('name-sound:'));
    const exact = keys.filter((key) => !names.includes(key));
    const [first, second] = await Promise.all(
      [exact, names].map((group) => (group.length > 0 ? ledger.findIdentitiesByBlockingKeys(group, maxCandidates) : Promise.resolve([]))),
    );
    const byKey = new Map<string, IdentityRecord>();
    for (const candidate of [...(first ?? []), ...(second ?? [])]) if (!byKey.has(candidate.key)) byKey.set(candidate.key, candidate);
    return [...byKey.values()];
  }

  /**
   * Puts a suggestion in the review queue, replacing the open one for the same two customers
   * (keeping its id and date), so repeated evidence never piles up duplicates.
   */
  async function enqueueSuggestion(ledger: InteractionLedger, suggestion: MergeSuggestion): Promise<void> {
    const store = reviewStoreOf(ledger);
    const pair = new Set([suggestion.customerId, suggestion.candidateCustomerId]);
    const open = (await listAll(store, suggestion.customerId)).find((row) => pair.has(row.customerId) && pair.has(row.candidateCustomerId));
    await store.saveSuggestion(open ? { ...suggestion, id: open.id, createdAt: open.createdAt } : suggestion);
  }

  /** Every stored suggestion naming the customer. */
  async function listAll(store: ReviewStore, customerId: string): Promise<MergeSuggestionRecord[]> {
    const rows: MergeSuggestionRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listSuggestions({ customerId, limit: 1000, ...(cursor ? { cursor } : {}) });
      rows.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return rows;
  }

  /** The customer a merged-away customer now lives in (following `mergedInto`), or `null`. */
  async function currentCustomer(ledger: InteractionLedger, id: string): Promise<Customer | null> {
    let customer = await ledger.getCustomer(id);
    for (let hops = 0; customer?.mergedInto && hops < 32; hops++) customer = await ledger.getCustomer(customer.mergedInto);
    return customer;
  }

  /** The customer and every customer merged into it, along chains of merges that were not undone. */
  async function mergedGroup(ledger: InteractionLedger, customerId: string): Promise<string[]> {
    const group = [customerId];
    for (let index = 0; index < group.length && group.length < 1000; index++) {
      for (const merge of await ledger.listMerges(group[index] as string)) {
        if (merge.undoneAt || merge.survivorId !== group[index]) continue;
        for (const absorbed of merge.absorbedIds) if (!group.includes(absorbed)) group.push(absorbed);
      }
    }
    return group;
  }

  /** Open suggestions naming the customer or a customer merged into it, current, newest first. */
  async function suggestionsOf(ledger: InteractionLedger, customerId: string): Promise<MergeSuggestion[]> {
    const store = reviewStoreOf(ledger);
    const rows = new Map<string, MergeSuggestionRecord>();
    for (const id of await mergedGroup(ledger, customerId)) for (const row of await listAll(store, id)) rows.set(row.id, row);
    const newestFirst = [...rows.values()].sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
    return currentSuggestions(ledger, store, newestFirst);
  }

  /**
   * Suggestions as they stand now: customer ids moved to the customers they were merged into;
   * rows whose customers became one, were erased or are gone, and older rows of a pair already
   * listed, are removed from the store.
   */
  async function currentSuggestions(ledger: InteractionLedger, store: ReviewStore, rows: MergeSuggestionRecord[]): Promise<MergeSuggestion[]> {
    const items: MergeSuggestion[] = [];
    const pairs = new Set<string>();
    for (const row of rows) {
      const [customer, candidate] = await Promise.all([currentCustomer(ledger, row.customerId), currentCustomer(ledger, row.candidateCustomerId)]);
      const pair = customer && candidate ? [customer.id, candidate.id].sort().join('\u0000') : '';
      if (!customer || !candidate || customer.id === candidate.id || customer.attributes.erased === true || candidate.attributes.erased === true || pairs.has(pair)) {
        await store.removeSuggestion(row.id);
        continue;
      }
      pairs.add(pair);
      items.push({ ...(row as MergeSuggestion), customerId: customer.id, candidateCustomerId: candidate.id });
    }
    return items;
  }

  /**
   * The candidate customers worth acting on for one identity (a deterministic link, or a score in
   * the review or auto-merge band), best first. Reads only: runs beside other resolutions.
   */
  async function rankCandidates(record: IdentityRecord, context: IdentityResolverContext): Promise<RankedCandidate[]> {
    const { ledger } = context;
    if (evidenceLevel === 'attested-only' || record.identity.isBrand) return [];
    const candidates = (await findCandidates(ledger, record.blockingKeys)).filter(
      (candidate) => candidate.key !== record.key && candidate.customerId !== record.customerId && !candidate.identity.isBrand,
    );
    // Best evidence per candidate customer. Most candidates are in the no-match band: a cheap
    // weight with an early stop rules them out before any explanation is built.
    const byCustomer = new Map<string, { candidate: IdentityRecord; pair: PairExplanation }>();
    const self = preparedOf(record.identity);
    for (const candidate of candidates) {
      if (!worthExplaining(self, preparedOf(candidate.identity))) continue;
      const pair = comparePair(record.identity, candidate.identity);
      const current = byCustomer.get(candidate.customerId);
      const rank = (entry: PairExplanation) => (entry.deterministic ? 1e6 : 0) + entry.weight;
      if (!current || rank(pair) > rank(current.pair)) byCustomer.set(candidate.customerId, { candidate, pair });
    }
    const band = (pair: PairExplanation) => (pair.deterministic !== null ? 'auto-merge' : evidenceLevel === 'probabilistic' ? pair.band : 'no-match');
    return [...byCustomer.entries()]
      .filter(([, { pair }]) => band(pair) !== 'no-match')
      .sort((first, second) => (second[1].pair.deterministic ? 1e6 : 0) + second[1].pair.weight - ((first[1].pair.deterministic ? 1e6 : 0) + first[1].pair.weight))
      .map(([customerId, { candidate, pair }]) => ({ customerId, candidate, pair, band: band(pair) as RankedCandidate['band'] }));
  }

  /**
   * Merges with (or suggests) the ranked candidates. Runs alone: customers are read again here,
   * and a customer merged since the ranking stands for the customer it now lives in. With
   * cross-process locks, `locked` holds the customers locked for this step: a candidate that has
   * since moved to another customer is left for a later resolution.
   */
  async function actOnCandidates(record: IdentityRecord, ranked: RankedCandidate[], context: IdentityResolverContext, locked: ReadonlySet<string> | null): Promise<Omit<ResolveResult, 'created'>> {
    const { ledger } = context;
    const merges: MergeRecord[] = [];
    const suggestions: ResolveResult['suggestions'] = [];
    let currentCustomerId = (await currentCustomer(ledger, record.customerId))?.id ?? record.customerId;
    let probabilisticMerged = false;
    const seen = new Set<string>();
    for (const { customerId: rankedCustomerId, candidate, pair, band } of ranked) {
      const candidateCustomerId = (await currentCustomer(ledger, rankedCustomerId))?.id;
      if (!candidateCustomerId || candidateCustomerId === currentCustomerId || seen.has(candidateCustomerId)) continue;
      // Merged into a customer outside the locked set since: the next resolution that meets it decides.
      if (locked && (!locked.has(candidateCustomerId) || !locked.has(currentCustomerId))) continue;
      seen.add(candidateCustomerId);
      const deterministic = pair.deterministic !== null;
      const evidence: MergeEvidence = {
        kind: pair.deterministic ?? 'probabilistic',
        identities: [record.key, candidate.key],
        reasons: pair.reasons,
        comparisons: pair.comparisons,
        weight: pair.weight,
        probability: pair.probability,
      };
      const suggest = async (reason: MergeSuggestion['reason']) => {
        await enqueueSuggestion(ledger, {
          id: context.generateId(),
          customerId: currentCustomerId,
          candidateCustomerId,
          score: pair.probability,
          reason,
          evidence,
          createdAt: context.now().toISOString(),
        });
        suggestions.push({ customerId: candidateCustomerId, score: pair.probability, evidence: { ...evidence, reason } });
      };
      if (band === 'review') {
        await suggest('review-band');
        continue;
      }
      if (!deterministic && probabilisticMerged) {
        await suggest('ambiguous');
        continue;
      }
      const current = await loadCustomer(ledger, currentCustomerId);
      const other = await ledger.getCustomer(candidateCustomerId);
      if (!other || other.mergedInto) continue;
      const currentIdentities = (await ledger.listIdentities(current.id)).map((identity) => identity.identity);
      const otherIdentities = (await ledger.listIdentities(other.id)).map((identity) => identity.identity);
      const conflicts = conflictsBetween(currentIdentities, otherIdentities);
      if (conflicts.length > 0) {
        evidence.reasons = [...conflicts.map((conflict) => `conflict: ${conflict}`), ...evidence.reasons];
        await suggest('conflict');
        continue;
      }
      if (await separated(ledger, current, other)) {
        await suggest('previously-separated');
        continue;
      }
      const [survivor, absorbed] = oldestFirst([other, current]) as [Customer, Customer];
      const decidedBy: MergeDecision = deterministic
        ? { type: 'rule', name: pair.deterministic as string }
        : { type: 'model', name: `fellegi-sunter@${options.model ? 'custom' : 'default'}` };
      const merge = await performMerge(context, survivor.id, [absorbed.id], decidedBy, evidence, deterministic ? undefined : pair.probability);
      merges.push(merge);
      currentCustomerId = survivor.id;
      if (!deterministic) probabilisticMerged = true;
    }
    return { customerId: currentCustomerId, merges, suggestions };
  }

  /**
   * Registers or refreshes the identity and ranks its candidates (reads and its own records only).
   * `ranked` is empty when there is nothing to merge or suggest.
   */
  async function prepareResolution(identity: ChannelIdentity, context: IdentityResolverContext): Promise<{ record: IdentityRecord | null; created: boolean; customerId: string; ranked: RankedCandidate[] }> {
    const existing = await context.ledger.getIdentity(identityKey(identity));
    if (existing) {
      const known = await knownUnchanged(existing, identity, context);
      if (known) return { record: null, created: false, customerId: known.customerId, ranked: [] };
      const { record: refreshed } = refreshIdentity(existing, identity, context.now().toISOString());
      refreshed.blockingKeys = blockingKeysOf(refreshed.identity, existing);
      await context.ledger.saveIdentity(refreshed);
      const gained = refreshed.blockingKeys.some((blockingKey) => !existing.blockingKeys.includes(blockingKey));
      if (!gained) return { record: null, created: false, customerId: existing.customerId, ranked: [] };
      return { record: refreshed, created: false, customerId: refreshed.customerId, ranked: await rankCandidates(refreshed, context) };
    }
    const record = await register(identity, context);
    return { record, created: true, customerId: record.customerId, ranked: await rankCandidates(record, context) };
  }

  /**
   * The result for a known identity whose profile did not change (its record is rewritten when
   * `lastSeenAt` is due), or `null` when the identity must be matched again.
   */
  async function knownUnchanged(existing: IdentityRecord, identity: ChannelIdentity, context: IdentityResolverContext): Promise<ResolveResult | null> {
    const { record, changed, stale } = refreshIdentity(existing, identity, context.now().toISOString());
    // Same profile: same blocking keys, nothing new to match on.
    if (changed) return null;
    if (stale) await context.ledger.saveIdentity(record);
    return { customerId: existing.customerId, created: false, merges: [], suggestions: [] };
  }

  /**
   * Runs `task` holding the ledger's cross-process locks on `keys` when it offers them
   * ({@link LockingStore}), with a context whose ledger is bound to the locked scope; otherwise
   * runs it as it is.
   */
  function coordinated<T>(context: IdentityResolverContext, keys: string[], task: (context: IdentityResolverContext) => Promise<T>): Promise<T> {
    const { ledger } = context;
    if (!hasLocking(ledger) || keys.length === 0) return task(context);
    return ledger.withLocks(keys, (locked) => task({ ...context, ledger: locked }));
  }

  /** Adds `keys` to the locked scope the context's ledger is bound to (nothing without locks). */
  async function holdLocks(context: IdentityResolverContext, keys: string[]): Promise<void> {
    if (hasLocking(context.ledger) && keys.length > 0) await context.ledger.withLocks(keys, async () => undefined);
  }

  /**
   * Runs an agent or host command: holding the ledger's cross-process locks on its keys (when the
   * ledger has them), then alone in this process.
   */
  async function runCommand<T>(
    context: IdentityCommandContext | undefined,
    keysOf: (resolved: IdentityResolverContext) => string[] | Promise<string[]>,
    task: (resolved: IdentityResolverContext) => Promise<T>,
  ): Promise<T> {
    const resolved = commandContext(context);
    const keys = await keysOf(resolved);
    return coordinated(resolved, keys, (scoped) => inProcess(scoped, 'exclusive', () => task(scoped)));
  }

  /**
   * Runs `task` through this process's gate — unless the ledger has cross-process locks: its
   * locks and transactions then keep the work apart (and waiting on the gate while holding them
   * could deadlock with a command of this process waiting on them).
   */
  function inProcess<T>(context: IdentityResolverContext, mode: 'shared' | 'exclusive', task: () => Promise<T>): Promise<T> {
    if (hasLocking(context.ledger)) return task();
    return mode === 'shared' ? gate.shared(task) : gate.exclusive(task);
  }

  /** Cross-process lock keys of customers (the PostgreSQL ledger's `withCustomerLock` uses the same). */
  const customerLocks = (ids: Iterable<string>): string[] => [...new Set(ids)].map((id) => `customer:${id}`);

  /**
   * Resolves one identity. Resolutions that share no key (the identity's own, its email, phone,
   * handle or name keys) cannot be each other's candidates, so they register and rank side by
   * side; merging and suggesting run one at a time, as do the agent commands. With a ledger that
   * has cross-process locks, the same keys are locked there too, so that workers in other
   * processes wait: a known identity with an unchanged profile is answered before, without locks.
   */
  function resolveIdentity(identity: ChannelIdentity, context: IdentityResolverContext): Promise<ResolveResult> {
    const keys = [`identity:${identityKey(identity)}`, ...keysOf(identity)];
    return keyLocks.withLocks(keys, async () => {
      if (hasLocking(context.ledger)) {
        const existing = await context.ledger.getIdentity(identityKey(identity));
        const known = existing ? await knownUnchanged(existing, identity, context) : null;
        if (known) return known;
      }
      return coordinated(context, keys.map((key) => `identity-key:${key}`), async (scoped) => {
        const prepared = await inProcess(scoped, 'shared', () => prepareResolution(identity, scoped));
        if (!prepared.record || prepared.ranked.length === 0) return { customerId: prepared.customerId, created: prepared.created, merges: [], suggestions: [] };
        return { ...(await lockAndAct(prepared.record, prepared.ranked, scoped)), created: prepared.created };
      });
    });
  }

  /**
   * Locks the customers involved as they stand now (with cross-process locks; those that move
   * meanwhile are left alone), then merges with or suggests the ranked candidates, alone.
   */
  async function lockAndAct(record: IdentityRecord, ranked: RankedCandidate[], context: IdentityResolverContext): Promise<Omit<ResolveResult, 'created'>> {
    let locked: Set<string> | null = null;
    if (hasLocking(context.ledger)) {
      locked = new Set<string>();
      for (const id of [record.customerId, ...ranked.map((entry) => entry.customerId)]) locked.add((await currentCustomer(context.ledger, id))?.id ?? id);
      await holdLocks(context, customerLocks(locked));
    }
    return inProcess(context, 'exclusive', () => actOnCandidates(record, ranked, context, locked));
  }

  /**
   * Matches one stored identity again: its blocking keys are brought up to date (the host may have
   * changed `blockingKeys`), then it is ranked and acted on like a resolution.
   */
  function rematchIdentity(key: string, identity: ChannelIdentity, context: IdentityResolverContext): Promise<Omit<ResolveResult, 'created'> | null> {
    const keys = [`identity:${key}`, ...keysOf(identity)];
    return keyLocks.withLocks(keys, () =>
      coordinated(context, keys.map((lockKey) => `identity-key:${lockKey}`), async (scoped) => {
        let record = await scoped.ledger.getIdentity(key);
        if (!record) return null;
        const blockingKeys = blockingKeysOf(record.identity, record);
        if (blockingKeys.length !== record.blockingKeys.length || blockingKeys.some((blockingKey) => !record!.blockingKeys.includes(blockingKey))) {
          record = { ...record, blockingKeys };
          await scoped.ledger.saveIdentity(record);
        }
        const current = record;
        const ranked = await inProcess(scoped, 'shared', () => rankCandidates(current, scoped));
        return ranked.length === 0 ? null : lockAndAct(current, ranked, scoped);
      }),
    );
  }

  /** The record of an identity, registered first when the ledger does not know it. */
  async function ensureIdentity(identity: ChannelIdentity, context: IdentityResolverContext, attested: boolean): Promise<IdentityRecord> {
    const existing = await context.ledger.getIdentity(identityKey(identity));
    if (existing) {
      if (attested && !existing.attested) {
        const updated = { ...existing, attested: true };
        await context.ledger.saveIdentity(updated);
        return updated;
      }
      return existing;
    }
    return register(identity, context, attested);
  }

  async function identityOf(reference: ChannelIdentity | string, ledger: InteractionLedger): Promise<ChannelIdentity> {
    if (typeof reference !== 'string') return reference;
    const record = await ledger.getIdentity(reference);
    if (!record) throw new NotFoundError('Identity', reference);
    return record.identity;
  }

  const announceMerges = <Result extends { merges: MergeRecord[] }>(result: Result): Result => {
    for (const merge of result.merges) announce({ type: 'customer-merged', merge });
    return result;
  };
  const announceMerge = (merge: MergeRecord): MergeRecord => {
    announce({ type: 'customer-merged', merge });
    return merge;
  };
  const announceUnmerge = (result: UnmergeResult): UnmergeResult => {
    announce({ type: 'customer-unmerged', merge: result.merge });
    return result;
  };
  const announceCreated = (customer: Customer): Customer => {
    announce({ type: 'customer-created', customer });
    return customer;
  };

  return {
    id: parsed.id ?? 'identity-merger',

    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },

    resolve(identity, context) {
      return resolveIdentity(identity, context);
    },

    link(identity, crmContactId, context) {
      return runCommand(context, () => [`identity-key:identity:${identityKey(identity)}`, `crm:${crmContactId}`], async (resolved) => {
        const { ledger } = resolved;
        if (!crmContactId) throw new InvalidOptionsError('[identity] `crmContactId` must not be empty.', [{ path: 'crmContactId', message: 'required' }]);
        const record = await ensureIdentity(identity, resolved, true);
        const customer = await loadCustomer(ledger, record.customerId);
        if (customer.crmContactId && customer.crmContactId !== crmContactId) {
          throw new IdentityConflictError(`Customer \`${customer.id}\` is already linked to CRM contact \`${customer.crmContactId}\`; split the identity first to link it to \`${crmContactId}\`.`);
        }
        const crmKey = `crm:${crmContactId}`;
        const others = (await ledger.findIdentitiesByBlockingKeys([crmKey], maxCandidates)).filter((other) => other.customerId !== customer.id);
        await holdLocks(resolved, customerLocks([customer.id, ...others.map((other) => other.customerId)]));
        await ledger.saveIdentity({ ...record, attested: true, blockingKeys: [...new Set([...record.blockingKeys, crmKey])] });
        await ledger.saveCustomer({ ...customer, crmContactId, updatedAt: resolved.now().toISOString() });
        const merges: MergeRecord[] = [];
        let customerId = customer.id;
        for (const otherCustomerId of new Set(others.map((other) => other.customerId))) {
          const current = await loadCustomer(ledger, customerId);
          const other = await ledger.getCustomer(otherCustomerId);
          if (!other || other.mergedInto || other.id === current.id) continue;
          const [survivor, absorbed] = oldestFirst([other, current]) as [Customer, Customer];
          const evidence: MergeEvidence = {
            kind: 'crm-link',
            identities: [record.key, ...others.filter((entry) => entry.customerId === other.id).map((entry) => entry.key)],
            reasons: [`the host CRM links these identities to contact ${crmContactId}`],
          };
          const merge = await performMerge(resolved, survivor.id, [absorbed.id], { type: 'crm', name: 'crm-link' }, evidence);
          merges.push(merge);
          customerId = survivor.id;
        }
        return { customerId, merges };
      }).then(announceMerges);
    },

    attest(a, b, attestation, context) {
      return runCommand(context, () => [a, b].map((identity) => `identity-key:identity:${identityKey(identity)}`), async (resolved) => {
        const first = await ensureIdentity(a, resolved, true);
        const second = await ensureIdentity(b, resolved, true);
        if (first.customerId === second.customerId) return { customerId: first.customerId, merges: [] };
        await holdLocks(resolved, customerLocks([first.customerId, second.customerId]));
        const customers = oldestFirst([await loadCustomer(resolved.ledger, first.customerId), await loadCustomer(resolved.ledger, second.customerId)]);
        const evidence: MergeEvidence = {
          kind: 'platform-attested',
          identities: [first.key, second.key],
          reasons: [`${attestation.source} attests that ${first.key} and ${second.key} are the same person`],
        };
        const merge = await performMerge(resolved, (customers[0] as Customer).id, [(customers[1] as Customer).id], { type: 'rule', name: `platform-attested:${attestation.source}` }, evidence);
        return { customerId: merge.survivorId, merges: [merge] };
      }).then(announceMerges);
    },

    merge(customerIds, mergeOptions, context) {
      return runCommand(context, () => customerLocks(customerIds), async (resolved) => {
        const { ledger } = resolved;
        if (!mergeOptions?.agent) throw new InvalidOptionsError('[identity] `agent` is required for a manual merge.', [{ path: 'agent', message: 'required' }]);
        if (new Set(customerIds).size < 2 || new Set(customerIds).size !== customerIds.length) {
          throw new IdentityConflictError('A merge needs at least two distinct customers.');
        }
        const customers = await Promise.all(customerIds.map((id) => loadCustomer(ledger, id)));
        const merged = customers.find((customer) => customer.mergedInto);
        if (merged) throw new IdentityConflictError(`Customer \`${merged.id}\` is already merged into \`${merged.mergedInto}\`.`);
        const survivorId = mergeOptions.survivorId ?? (oldestFirst(customers)[0] as Customer).id;
        if (!customerIds.includes(survivorId)) throw new InvalidOptionsError('[identity] `survivorId` must be one of the merged customers.', [{ path: 'survivorId', message: 'not among customerIds' }]);
        const identities = await Promise.all(customerIds.map(async (id) => (await ledger.listIdentities(id)).map((record) => record.identity)));
        const conflicts: string[] = [];
        for (let i = 0; i < identities.length; i++) {
          for (let j = i + 1; j < identities.length; j++) conflicts.push(...conflictsBetween(identities[i] as ChannelIdentity[], identities[j] as ChannelIdentity[]));
        }
        if (conflicts.length > 0 && !mergeOptions.force) {
          throw new IdentityConflictError(`These customers have conflicting strong identifiers (${conflicts.join('; ')}). Pass \`force: true\` to merge anyway.`);
        }
        const evidence: MergeEvidence = {
          kind: 'agent',
          identities: identities.flat().map((identity) => identityKey(identity)),
          reasons: [`agent ${mergeOptions.agent} merged these customers${mergeOptions.reason ? `: ${mergeOptions.reason}` : ''}`, ...conflicts.map((conflict) => `overridden conflict: ${conflict}`)],
        };
        return performMerge(resolved, survivorId, customerIds.filter((id) => id !== survivorId), { type: 'agent', name: mergeOptions.agent }, evidence);
      }).then(announceMerge);
    },

    unmerge(mergeId, context) {
      const customersOf = async (resolved: IdentityResolverContext) => {
        const merge = await resolved.ledger.getMerge(mergeId);
        return merge ? customerLocks([merge.survivorId, ...merge.absorbedIds]) : [];
      };
      return runCommand(context, customersOf, async (resolved) => {
        const { ledger } = resolved;
        const merge = await ledger.getMerge(mergeId);
        if (!merge) throw new NotFoundError('Merge', mergeId);
        if (merge.undoneAt) throw new IdentityConflictError(`Merge \`${mergeId}\` was already undone at ${merge.undoneAt}.`);
        const survivor = await loadCustomer(ledger, merge.survivorId);
        if (survivor.mergedInto) {
          throw new IdentityConflictError(`Customer \`${survivor.id}\` was merged into \`${survivor.mergedInto}\` after merge \`${mergeId}\`; undo that merge first.`);
        }
        for (const id of merge.absorbedIds) {
          const absorbed = await loadCustomer(ledger, id);
          if (absorbed.mergedInto !== merge.survivorId) {
            throw new IdentityConflictError(`Customer \`${id}\` is no longer merged into \`${merge.survivorId}\`; merge \`${mergeId}\` cannot be undone.`);
          }
        }
        const snapshotKeys = new Set(merge.snapshot.identities.map((identity) => identity.key));
        const skippedIdentities: string[] = [];
        const keysByCustomer = new Map<string, string[]>();
        for (const entry of merge.snapshot.identities) {
          const record = await ledger.getIdentity(entry.key);
          if (!record || record.customerId !== merge.survivorId) {
            skippedIdentities.push(entry.key);
            continue;
          }
          if (entry.customerId !== record.customerId) await ledger.saveIdentity({ ...record, customerId: entry.customerId });
          const list = keysByCustomer.get(entry.customerId) ?? [];
          list.push(entry.key);
          keysByCustomer.set(entry.customerId, list);
        }
        const restored: Customer[] = [];
        for (const snapshot of merge.snapshot.customers) {
          let customer = structuredClone(snapshot);
          if (customer.id === merge.survivorId) {
            // Identities that joined the survivor after this merge stay with it.
            const later = survivor.identityKeys.filter((key) => !snapshotKeys.has(key));
            if (later.length > 0) customer = { ...customer, identityKeys: [...customer.identityKeys, ...later], updatedAt: resolved.now().toISOString() };
          }
          await ledger.saveCustomer(customer);
          restored.push(customer);
        }
        for (const [customerId, keys] of keysByCustomer) {
          if (customerId !== merge.survivorId) await ledger.assignInteractions(keys, customerId);
        }
        const undone: MergeRecord = { ...merge, undoneAt: resolved.now().toISOString() };
        await ledger.saveMerge(undone);
        return { merge: undone, customers: restored, skippedIdentities };
      }).then(announceUnmerge);
    },

    split(customerId, identityKeys, splitOptions, context) {
      return runCommand(context, () => customerLocks([customerId]), async (resolved) => {
        const { ledger } = resolved;
        if (!splitOptions?.agent) throw new InvalidOptionsError('[identity] `agent` is required for a split.', [{ path: 'agent', message: 'required' }]);
        const customer = await loadCustomer(ledger, customerId);
        if (customer.mergedInto) throw new IdentityConflictError(`Customer \`${customerId}\` is merged into \`${customer.mergedInto}\`; split that customer instead.`);
        const owned = await ledger.listIdentities(customerId);
        const moving = owned.filter((record) => identityKeys.includes(record.key));
        const unknown = identityKeys.filter((key) => !owned.some((record) => record.key === key));
        if (unknown.length > 0) throw new IdentityConflictError(`Identities ${unknown.map((key) => `\`${key}\``).join(', ')} do not belong to customer \`${customerId}\`.`);
        if (moving.length === 0 || moving.length === owned.length) {
          throw new IdentityConflictError('A split must move at least one identity and leave at least one.');
        }
        const now = resolved.now().toISOString();
        const movingKeys = moving.map((record) => record.key);
        const remainingKeys = owned.filter((record) => !movingKeys.includes(record.key)).map((record) => record.key);
        const first = (moving[0] as IdentityRecord).identity;
        const created: Customer = {
          id: resolved.generateId(),
          displayName: first.displayName ?? first.handle,
          identityKeys: movingKeys,
          attributes: { [SEPARATED_ATTRIBUTE]: remainingKeys, splitBy: splitOptions.agent },
          createdAt: now,
          updatedAt: now,
        };
        await ledger.saveCustomer(created);
        const previousMarks = Array.isArray(customer.attributes[SEPARATED_ATTRIBUTE]) ? (customer.attributes[SEPARATED_ATTRIBUTE] as string[]) : [];
        await ledger.saveCustomer({
          ...customer,
          identityKeys: customer.identityKeys.filter((key) => !movingKeys.includes(key)),
          attributes: { ...customer.attributes, [SEPARATED_ATTRIBUTE]: [...new Set([...previousMarks, ...movingKeys])] },
          updatedAt: now,
        });
        for (const record of moving) await ledger.saveIdentity({ ...record, customerId: created.id });
        await ledger.assignInteractions(movingKeys, created.id);
        return created;
      }).then(announceCreated);
    },

    async explain(customerId, context) {
      const { ledger } = commandContext(context);
      const customer = await loadCustomer(ledger, customerId);
      const identities = await ledger.listIdentities(customerId);
      const history = await ledger.listMerges(customerId);
      const merges = history.map((merge) => {
        const evidence = (merge.evidence ?? {}) as Partial<MergeEvidence>;
        const who = `${merge.decidedBy.type} ${merge.decidedBy.name}`;
        const score = merge.score !== undefined ? ` (match probability ${merge.score.toFixed(4)})` : '';
        const summary = `${merge.createdAt}: ${merge.absorbedIds.join(', ')} merged into ${merge.survivorId} by ${who}${score}${merge.undoneAt ? `; undone at ${merge.undoneAt}` : ''}`;
        return {
          mergeId: merge.id,
          createdAt: merge.createdAt,
          survivorId: merge.survivorId,
          absorbedIds: merge.absorbedIds,
          decidedBy: merge.decidedBy,
          ...(merge.score !== undefined ? { score: merge.score } : {}),
          undone: merge.undoneAt !== undefined,
          summary,
          reasons: Array.isArray(evidence.reasons) ? evidence.reasons : [],
        };
      });
      const lines = [
        `Customer ${customer.id}${customer.mergedInto ? ` (merged into ${customer.mergedInto})` : ''}: ${identities.length} identit${identities.length === 1 ? 'y' : 'ies'}`,
        ...identities.map((record) => `  ${record.key}${record.attested ? ' (attested)' : ''}`),
        ...merges.flatMap((merge) => [merge.summary, ...merge.reasons.map((reason) => `  - ${reason}`)]),
      ];
      const pending = await suggestionsOf(ledger, customer.mergedInto ?? customerId);
      for (const suggestion of pending) {
        const other = suggestion.customerId === (customer.mergedInto ?? customerId) ? suggestion.candidateCustomerId : suggestion.customerId;
        lines.push(`Waiting for review: may be the same person as ${other} (match probability ${suggestion.score.toFixed(4)}, ${suggestion.reason})`);
        lines.push(...suggestion.evidence.reasons.map((reason) => `  - ${reason}`));
      }
      return {
        customerId,
        identities: identities.map((record) => ({ key: record.key, channel: record.identity.channel, attested: record.attested })),
        merges,
        suggestions: pending,
        text: lines.join('\n'),
      };
    },

    async rematch(query = {}, context) {
      const resolved = commandContext(context);
      const page = await resolved.ledger.listCustomers({ limit: query.limit ?? 100, ...(query.cursor !== undefined ? { cursor: query.cursor } : {}) });
      const merges: MergeRecord[] = [];
      let suggestions = 0;
      let identitiesScanned = 0;
      for (const customer of page.items) {
        for (const record of await resolved.ledger.listIdentities(customer.id)) {
          identitiesScanned++;
          if (record.identity.isBrand) continue;
          const result = await rematchIdentity(record.key, record.identity, resolved);
          if (!result) continue;
          merges.push(...result.merges);
          suggestions += result.suggestions.length;
        }
      }
      announceMerges({ merges });
      return { customersScanned: page.items.length, identitiesScanned, merges, suggestions, nextCursor: page.nextCursor };
    },

    async explainPair(a, b, context) {
      const ledger = context?.ledger ?? options.ledger;
      const needsLedger = typeof a === 'string' || typeof b === 'string';
      if (needsLedger && !ledger) commandContext(context);
      const first = typeof a === 'string' ? await identityOf(a, ledger as InteractionLedger) : a;
      const second = typeof b === 'string' ? await identityOf(b, ledger as InteractionLedger) : b;
      return comparePair(first, second);
    },

    async suggestions(query = {}, context) {
      const { ledger } = commandContext(context);
      const store = reviewStoreOf(ledger);
      if (query.customerId === undefined) {
        const page = await store.listSuggestions({ ...(query.limit !== undefined ? { limit: query.limit } : {}), ...(query.cursor !== undefined ? { cursor: query.cursor } : {}) });
        return { items: await currentSuggestions(ledger, store, page.items), nextCursor: page.nextCursor };
      }
      return { items: await suggestionsOf(ledger, query.customerId), nextCursor: null };
    },

    async dismissSuggestion(id, context) {
      const { ledger } = commandContext(context);
      return reviewStoreOf(ledger).removeSuggestion(id);
    },
  };
}

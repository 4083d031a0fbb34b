/**
 * The customer-identity merger: the pipeline's default {@link IdentityResolver}. It finds
 * candidate identities through the ledger's blocking index, decides with deterministic
 * rules and a Fellegi–Sunter model, merges (never across conflicting verified emails or
 * phones), records every merge with its evidence and a snapshot, and undoes merges exactly.
 *
 * This file is the composition root: each step lives in its own module and they share one
 * {@link MergerContext}.
 *
 * @module
 */
import type { ChannelIdentity, Customer } from '../interaction.js';
import type { InteractionLedger, MergeRecord, Page, ReviewStore } from '../ledger.js';
import type { IdentityResolver, IdentityResolverContext, ResolveResult } from '../identity-resolver.js';
import type { ComparisonSpec } from './comparisons.js';
import type { FellegiSunterModel } from './fellegi-sunter.js';
import type { PairExplanation } from './compare-pair.js';
import { createMergerContext, type MergerContext } from './merger-context.js';
import { resolveIdentity } from './resolve-identity.js';
import { resolveIdentities } from './resolve-identities.js';
import { attestIdentities, linkIdentity } from './link-identity.js';
import { mergeCustomers, type ManualMergeOptions } from './merge-customers.js';
import { unmergeCustomers, type UnmergeResult } from './unmerge-customers.js';
import { splitCustomer } from './split-customer.js';
import { explainCustomer, type CustomerExplanation } from './explain-customer.js';
import { explainPair } from './explain-pair.js';
import { rematchCustomers, type RematchQuery, type RematchResult } from './rematch-customers.js';
import { dismissSuggestion, listSuggestions, type MergeSuggestion, type SuggestionQuery } from './review-queue.js';

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

/** Context for agent commands; falls back to the merger's options. */
export type IdentityCommandContext = Partial<IdentityResolverContext>;

/** The merger: an {@link IdentityResolver} plus the commands agents and hosts use. */
export interface IdentityMerger extends IdentityResolver {
  /** Attribute an identity to a customer, merging where the evidence allows (called by the pipeline). */
  resolve(identity: ChannelIdentity, context: IdentityResolverContext): Promise<ResolveResult>;
  /**
   * Resolve a batch (called by the pipeline): the same decisions as `resolve` once per identity in
   * input order, with one lookup of identity records and of candidates per batch, and the batch's
   * new identities registered under one cross-process lock call. A customer that a later identity
   * of the batch merged away is reported as the customer it was merged into.
   */
  resolveMany(identities: ChannelIdentity[], context: IdentityResolverContext): Promise<ResolveResult[]>;
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
   * to `subscribe` listeners (the crm re-emits them as `customer-merged`). `onProgress` gets
   * `{ done, total }` customers of the page after each; `signal` stops it between customers with
   * `AbortedError` (merges made so far are stored and announced; call again with the same `cursor`).
   */
  rematch(query?: RematchQuery, context?: IdentityCommandContext): Promise<RematchResult>;
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

/**
 * Creates the identity merger.
 *
 * @example
 * const merger = createIdentityMerger({ evidence: 'probabilistic', defaultRegion: 'TR' })
 * const crm = createSocialCrm({ ledger, adapters, identity: merger })
 * @throws InvalidOptionsError
 */
export function createIdentityMerger(options: IdentityMergerOptions = {}): IdentityMerger {
  const merger = createMergerContext(options);
  return {
    id: merger.id,
    subscribe: (listener) => merger.subscribe(listener),
    forget: (subject) => merger.forget(subject),
    bind: (context) => merger.bind(context),
    // Resolution: candidate search, scoring, then merge or suggest.
    resolve: (identity, context) => resolveIdentity(merger, identity, context),
    resolveMany: (identities, context) => resolveIdentities(merger, identities, context),
    // Host and platform links.
    link: (identity, crmContactId, context) => linkIdentity(merger, identity, crmContactId, context),
    attest: (a, b, attestation, context) => attestIdentities(merger, a, b, attestation, context),
    // Agent decisions.
    merge: (customerIds, mergeOptions, context) => mergeCustomers(merger, customerIds, mergeOptions, context),
    unmerge: (mergeId, context) => unmergeCustomers(merger, mergeId, context),
    split: (customerId, identityKeys, splitOptions, context) => splitCustomer(merger, customerId, identityKeys, splitOptions, context),
    // Matching what is stored again, after the model or the keys changed.
    rematch: (query, context) => rematchCustomers(merger, query, context),
    // Explanations.
    explain: (customerId, context) => explainCustomer(merger, customerId, context),
    explainPair: (a, b, context) => explainPair(merger, a, b, context),
    // The review queue.
    suggestions: (query, context) => listSuggestions(merger, query, context),
    dismissSuggestion: (id, context) => dismissSuggestion(merger, id, context),
  };
}

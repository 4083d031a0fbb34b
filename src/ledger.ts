/**
 * The storage port. A host implements {@link InteractionLedger} over its own CRM storage,
 * or uses `memoryLedger()` (tests, demos; not durable) or the PostgreSQL ledger.
 *
 * ## Rules every implementation follows
 * - Lookups return `null` when a record is absent and throw only on real failures.
 * - `appendInteraction` is idempotent on `interaction.id` (derived from channel + native id)
 *   and says whether it inserted: a redelivered webhook must not create a second row.
 * - Pages are ordered by `(createdAt, id)` and resumed with the opaque `nextCursor`.
 * - The core wraps every call: failures reach the host as `LedgerError { method, cause }`.
 *
 * ## Testing
 * Run `describeLedger()` from `social-crm/testing` against your implementation
 * (see docs/authoring/custom-ledger.md).
 *
 * @module
 */
import type { ChannelIdentity, Customer, Interaction, InteractionDirection, JSONObject } from './interaction.js';

/** One page of results. `nextCursor` is `null` on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Filters for {@link InteractionLedger.queryInteractions}. All given filters must match. */
export interface InteractionQuery {
  customerId?: string;
  conversationId?: string;
  channel?: string;
  /** Identity key of the author (`<channel>:<nativeId>`). */
  authorKey?: string;
  direction?: InteractionDirection;
  /** Inclusive lower bound on `createdAt` (ISO-8601). */
  since?: string;
  /** Exclusive upper bound on `createdAt` (ISO-8601). */
  until?: string;
  /** Include tombstoned (deleted) interactions. @default false */
  includeDeleted?: boolean;
  /** @default 'asc' */
  order?: 'asc' | 'desc';
  /** Page size, 1 to 1000. @default 100 */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/** Result of {@link InteractionLedger.appendInteraction}. */
export interface AppendResult {
  /** True when this call stored a new row; false when the id already existed. */
  inserted: boolean;
  /** The stored row: the new one, or the one that was already there. */
  interaction: Interaction;
}

/** Fields the core may change on a stored interaction. */
export type InteractionPatch = Partial<
  Pick<
    Interaction,
    | 'text'
    | 'state'
    | 'editedAt'
    | 'deletedAt'
    | 'deliveryStatus'
    | 'customerId'
    | 'classification'
    | 'metrics'
    | 'attachments'
    | 'channelMetadata'
    | 'raw'
    | 'direction'
    | 'reaction'
  >
>;

/** A channel identity as the CRM knows it, attached to one customer. */
export interface IdentityRecord {
  /** `<channel>:<nativeId>`. */
  key: string;
  identity: ChannelIdentity;
  customerId: string;
  /** Normalised keys the identity merger looks candidates up by (email, phone, name prefix ...). */
  blockingKeys: string[];
  /** True when the link was attested by the platform or the host CRM, not inferred. */
  attested: boolean;
  firstSeenAt: string;
  /**
   * When the identity last wrote. The resolvers rewrite a record whose profile did not change at
   * most once per {@link IDENTITY_SEEN_RESOLUTION_MS}, so it is exact to about a minute.
   */
  lastSeenAt: string;
}

/** How stale `lastSeenAt` may get before an unchanged identity record is written again: one minute. */
export const IDENTITY_SEEN_RESOLUTION_MS = 60_000;

/** Who or what decided a merge. */
export interface MergeDecision {
  type: 'rule' | 'model' | 'agent' | 'crm';
  /** Rule name, model id, agent id or CRM name. */
  name: string;
}

/** One merge of customers, kept so that it can be explained and undone exactly. */
export interface MergeRecord {
  id: string;
  /** The customer that remains. */
  survivorId: string;
  /** Customers folded into the survivor. */
  absorbedIds: string[];
  decidedBy: MergeDecision;
  /** Match score, for model decisions. */
  score?: number;
  /** Why: the comparisons, their weights and outcomes (JSON). */
  evidence: unknown;
  /** State before the merge, to restore it on unmerge. */
  snapshot: {
    customers: Customer[];
    identities: Array<{ key: string; customerId: string }>;
  };
  createdAt: string;
  /** Set when the merge was undone. */
  undoneAt?: string;
}

/**
 * Two customers that may be one person, waiting for an agent's decision: the identity merger's
 * review queue. The merger keeps one open suggestion per pair of customers and replaces it when
 * the evidence changes.
 */
export interface MergeSuggestionRecord {
  id: string;
  /** The customer the new identity was attributed to. */
  customerId: string;
  /** The existing customer it may be the same person as. */
  candidateCustomerId: string;
  /** Match probability. */
  score: number;
  /** Why it was not merged automatically (`review-band`, `conflict`, `previously-separated`, `ambiguous`). */
  reason: string;
  /** The comparisons, their weights and outcomes (JSON). */
  evidence: unknown;
  createdAt: string;
}

/** Where a step of the pipeline failed; the input is kept for replay. */
export type DeadLetterStage = 'webhook' | 'poll' | 'ingest' | 'validate' | 'identity' | 'classify' | 'ledger' | 'events';

/** An input the pipeline could not process, kept with its error for `retryDeadLetters()`. */
export interface DeadLetter {
  id: string;
  stage: DeadLetterStage;
  adapterId?: string;
  /** The raw input: a webhook body (string), a native item, or an interaction input. */
  payload: unknown;
  error: { name: string; code?: string; message: string };
  attempts: number;
  createdAt: string;
  lastAttemptAt: string;
}

/** A customer's consent for messages on one identity. */
export interface ConsentRecord {
  identityKey: string;
  status: 'opted-in' | 'opted-out';
  /**
   * What the choice covers. `all` (the default when absent): every message, so `crm.reply()` refuses
   * to answer an opted-out identity. `marketing`: promotional messages only (a WhatsApp "stop
   * marketing messages"); service replies still go out, and the host's campaign tools read it.
   * One record per identity: a `marketing` choice never replaces an `all` opt-out.
   */
  purpose?: ConsentPurpose;
  /** Where it came from: `whatsapp:STOP`, `crm`, `agent:42` ... */
  source: string;
  updatedAt: string;
  /**
   * What the network attached to the choice, namespaced by adapter id: Messenger's marketing-messages
   * opt-in keeps `{ messenger: { notificationMessagesToken, topic, … } }`, the token needed to send
   * marketing messages later. Replaced with each new choice.
   */
  channelMetadata?: Record<string, JSONObject>;
}

/** What a consent choice covers; see {@link ConsentRecord.purpose}. */
export type ConsentPurpose = 'all' | 'marketing';

/**
 * Everything the ledger holds about one customer (GDPR access/portability): exactly the records
 * `eraseCustomer` erases. "The customer" covers every customer merged into it.
 */
export interface CustomerExport {
  customer: Customer;
  /** Customers merged into it (directly or through another), which the erase blanks too. */
  mergedCustomers?: Customer[];
  /** Their identities (and those of customers merged into them). */
  identities: IdentityRecord[];
  /**
   * Their interactions (by customer or author identity), every message of their private
   * conversations, and the brand's messages addressed to them; ordered by `(createdAt, id)`.
   */
  interactions: Interaction[];
  merges: MergeRecord[];
  consents: ConsentRecord[];
  /** Review-queue suggestions that name the customer, from a ledger that keeps the queue ({@link ReviewStore}). */
  suggestions?: MergeSuggestionRecord[];
  /** Dead letters whose payload or error names them (an identifier, interaction or conversation id). */
  deadLetters?: DeadLetter[];
  /** Outbox records about them, not yet delivered ({@link OutboxStore}). */
  outbox?: OutboxRecord[];
  /** Sends that answered them or became one of their interactions ({@link SendStore}). */
  sends?: SendRecord[];
  /** Poll cursors whose stream or position names them. */
  cursors?: PollCursor[];
}

/** One saved poll position ({@link OperationsStore.setCursor}). */
export interface PollCursor {
  adapterId: string;
  stream: string;
  cursor: string;
}

/** What an erase removed. Counts stay; personal data goes. */
export interface EraseResult {
  customerId: string;
  /** Interactions blanked (rows kept). */
  interactionsErased: number;
  identitiesErased: number;
  /** Merge records whose evidence and snapshot were dropped (rows kept). */
  mergesErased: number;
  consentsErased?: number;
  suggestionsErased?: number;
  /** Dead letters deleted (their raw payload named the person). */
  deadLettersErased?: number;
  /** Undelivered outbox records deleted. */
  outboxErased?: number;
  /** Sends whose reply and error text were blanked (rows kept, so their key still prevents a second post). */
  sendsErased?: number;
  cursorsErased?: number;
  /** Private conversations given a new random id. */
  conversationsRenamed?: number;
}

/** Interactions: the core always needs these. */
export interface InteractionStore {
  /**
   * Store an interaction unless one with the same `id` exists. Must be atomic: N concurrent
   * calls with one id store one row, and exactly one of them reports `inserted: true`.
   */
  appendInteraction(interaction: Interaction): Promise<AppendResult>;
  /** Apply a patch; returns the updated row, or `null` when `id` is unknown. */
  updateInteraction(id: string, patch: InteractionPatch): Promise<Interaction | null>;
  /** The interaction, or `null`. Returns tombstones too. */
  getInteraction(id: string): Promise<Interaction | null>;
  /** Filtered, cursor-paginated list ordered by `(createdAt, id)`. */
  queryInteractions(query: InteractionQuery): Promise<Page<Interaction>>;
  /** Set `customerId` on every interaction whose author is one of `authorKeys`. Returns the count. */
  assignInteractions(authorKeys: string[], customerId: string): Promise<number>;
}

/** Customers, identities and merge history: needed for attribution and identity merging. */
export interface CustomerStore {
  getCustomer(id: string): Promise<Customer | null>;
  /** Insert or replace by `id`. */
  saveCustomer(customer: Customer): Promise<void>;
  /** Customers ordered by `(createdAt, id)`; merged-away customers are excluded unless asked. */
  listCustomers(query?: { limit?: number; cursor?: string; includeMerged?: boolean }): Promise<Page<Customer>>;
  getIdentity(key: string): Promise<IdentityRecord | null>;
  /** Insert or replace by `key`. */
  saveIdentity(record: IdentityRecord): Promise<void>;
  listIdentities(customerId: string): Promise<IdentityRecord[]>;
  /** Identities that share at least one of the blocking keys, each once; at most `limit` (default 1000) of them. */
  findIdentitiesByBlockingKeys(keys: string[], limit?: number): Promise<IdentityRecord[]>;
  /** Insert or replace by `id`. */
  saveMerge(record: MergeRecord): Promise<void>;
  getMerge(id: string): Promise<MergeRecord | null>;
  /** Merges in which the customer took part (as survivor or absorbed), newest first. */
  listMerges(customerId: string): Promise<MergeRecord[]>;
}

/** Polling cursors, dead letters and consent. */
export interface OperationsStore {
  /** The saved cursor of an adapter's poll stream, or `null`. */
  getCursor(adapterId: string, stream: string): Promise<string | null>;
  setCursor(adapterId: string, stream: string, cursor: string): Promise<void>;
  /** Store a failed input. Returns the stored entry with its id. */
  addDeadLetter(entry: Omit<DeadLetter, 'id'> & { id?: string }): Promise<DeadLetter>;
  /** Oldest first. */
  listDeadLetters(query?: { limit?: number; cursor?: string }): Promise<Page<DeadLetter>>;
  /** Replace an entry (after a failed retry). */
  updateDeadLetter(entry: DeadLetter): Promise<void>;
  /** Remove an entry (after a successful retry). Returns whether it existed. */
  removeDeadLetter(id: string): Promise<boolean>;
  getConsent(identityKey: string): Promise<ConsentRecord | null>;
  setConsent(record: ConsentRecord): Promise<void>;
}

/** GDPR access and erasure for one customer. */
export interface PrivacyStore {
  /** Everything about the customer, or `null` when unknown. */
  exportCustomer(customerId: string): Promise<CustomerExport | null>;
  /**
   * Remove the customer's personal data everywhere the ledger keeps it, atomically, in the set
   * {@link CustomerExport} describes: interactions are blanked (text, raw payload, attachments,
   * metadata, author, recipient; rows stay so that counts remain) and their private conversations
   * get a new random id; identities, consents and review suggestions are deleted; merge evidence
   * and snapshots dropped; the customers blanked (`attributes: { erased: true }`); dead letters,
   * undelivered outbox records and poll cursors that name the person deleted; sends blanked.
   * Throws nothing for an unknown id (returns zero counts).
   */
  eraseCustomer(customerId: string): Promise<EraseResult>;
}

/**
 * The identity merger's review queue. Optional: implement all three methods or none; without
 * them the merger keeps its queue in process memory (lost on restart, not shared between
 * processes). `eraseCustomer` then also deletes the suggestions that name the customer.
 */
export interface ReviewStore {
  /** Insert or replace by `id`. */
  saveSuggestion(suggestion: MergeSuggestionRecord): Promise<void>;
  /**
   * Newest first, by `(createdAt, id)`; with `customerId`, only suggestions naming that customer on
   * either side. `limit` 1–1000 (default 100); opaque `nextCursor`, `null` on the last page.
   */
  listSuggestions(query?: { customerId?: string; limit?: number; cursor?: string }): Promise<Page<MergeSuggestionRecord>>;
  /** Remove a suggestion. Returns whether it existed. */
  removeSuggestion(id: string): Promise<boolean>;
}

/**
 * Locks shared by every process that uses the same storage. Optional: without it the identity
 * merger coordinates only the work of its own process.
 */
export interface LockingStore {
  /**
   * Runs `task` holding a lock on every key (take them in sorted order, so that two callers can
   * never each hold a key the other waits for). `task` gets a ledger bound to the locked scope:
   * it must use that ledger for everything inside, and a `withLocks` call on it adds keys to the
   * same scope (already held keys are fine), all released when the outermost task ends. The task
   * may be run again after a transient failure (a deadlock the storage detected, say), so keep it
   * free of outside side effects.
   */
  withLocks<T>(keys: string[], task: (ledger: InteractionLedger) => Promise<T>): Promise<T>;
}

/**
 * A stored change waiting to be announced to durable handlers: one row of the transactional
 * outbox. The core writes it in the same {@link OutboxStore.transaction} as the change it
 * announces, so a crash can never store a change without its event (or the reverse).
 */
export interface OutboxRecord {
  /** Stable event id (`evt_…`), the same on every delivery: handlers use it to be idempotent. */
  id: string;
  /** The event name, e.g. `interaction-received`. */
  name: string;
  /** The event payload (JSON). */
  payload: unknown;
  /**
   * Records that share a key are delivered in append order, one after the other: the customer
   * id where there is one, else the conversation or interaction id.
   */
  orderingKey: string;
  createdAt: string;
  /** Not before this time (ISO-8601): set by a retry's backoff. Defaults to `createdAt`. */
  availableAt?: string;
  /** Failed delivery rounds so far. @default 0 */
  attempts?: number;
  /** Durable handlers that already handled (or gave up on) this record. @default [] */
  completedHandlers?: string[];
  /** The last delivery failure. */
  lastError?: { handler: string; name: string; code?: string; message: string };
}

/** The outcome of a claimed record, for {@link OutboxStore.settleOutbox}. */
export type OutboxSettlement =
  /** Every handler is done with it: remove it from the outbox. */
  | { type: 'delivered' }
  /** A handler failed: keep it, release the lease, and offer it again at `availableAt`. */
  | { type: 'retry'; availableAt: string; attempts: number; completedHandlers: string[]; lastError: NonNullable<OutboxRecord['lastError']> }
  /** Not attempted (an earlier record of its key failed): release the lease, change nothing else. */
  | { type: 'release' };

/**
 * The transactional outbox. Optional: implement all of its methods or none. Without it, events
 * are emitted in process only (`crm.on`), and a crash between a write and its event loses the
 * event. With it, `crm.subscribe()` handlers get every stored change at least once, in order
 * per customer, across restarts and processes.
 */
export interface OutboxStore {
  /**
   * Runs `task` atomically: every write made through the ledger it receives commits together or
   * not at all. Nested calls (on that ledger) join the open transaction. A `withLocks` inside
   * joins it too. The task may run again after a transient failure, so keep it free of outside
   * side effects.
   */
  transaction<T>(task: (ledger: InteractionLedger) => Promise<T>): Promise<T>;
  /**
   * Append records (ids are unique; an id already present is ignored). Order is kept. When
   * concurrent transactions append records with one key, a claim must never see the later record
   * without the earlier one: give a key's records their order as their transactions commit (hold a
   * lock on the key until commit, say).
   */
  appendOutbox(records: OutboxRecord[]): Promise<void>;
  /**
   * Lease up to `limit` deliverable records to `owner` until `now + leaseMs`, oldest first. A
   * record is deliverable when its `availableAt` has passed, it is not under a live lease, and
   * every older record with the same `orderingKey` is deliverable too: the records returned for
   * one key are always the oldest ones of that key still in the outbox, in order. Two concurrent
   * claims never return the same record.
   */
  claimOutbox(query: { owner: string; limit: number; leaseMs: number; now: string }): Promise<OutboxRecord[]>;
  /**
   * Settle a record `owner` claimed. Returns `false` (and changes nothing) when the lease was lost
   * meanwhile (it expired and another owner claimed the record) or the record is gone.
   */
  settleOutbox(id: string, owner: string, settlement: OutboxSettlement): Promise<boolean>;
  /** Records still in the outbox, oldest first: for monitoring and tests. */
  listOutbox(query?: { limit?: number; cursor?: string }): Promise<Page<OutboxRecord>>;
}

/**
 * One outbound message the core was asked to send, keyed by its idempotency key: recorded
 * before the network is called, so that a second `crm.reply()` with the same key never posts
 * again.
 */
export interface SendRecord {
  /** The idempotency key. */
  key: string;
  /** The adapter that sends it. */
  channel: string;
  /** The interaction answered; empty for a publication. */
  inReplyTo: string;
  /** `publication` for a post on the brand's own account (`crm.publish()`). @default 'reply' */
  kind?: 'reply' | 'publication';
  /**
   * `pending`: recorded, not yet known to have left. `sent`: the network accepted it
   * (`interactionId` names the stored outbound interaction). `unknown`: the call may have reached
   * the network (a timeout or a reset after the request was written); it is never sent again
   * automatically. `failed`: the network refused it; a new call with the same key may try again.
   */
  state: 'pending' | 'sent' | 'unknown' | 'failed';
  /** The reply (or the post) as sent (JSON). */
  reply: unknown;
  /** Send attempts made. */
  attempts: number;
  /** The stored outbound interaction, once sent. */
  interactionId?: string;
  error?: { name: string; code?: string; message: string };
  createdAt: string;
  updatedAt: string;
}

/**
 * Sends keyed by idempotency key. Optional: implement all of its methods or none. `eraseCustomer`
 * then also blanks the reply (and error message) of each send that answers one of the customer's
 * interactions or became one; the record itself stays, so that its key still prevents a second post.
 */
export interface SendStore {
  /**
   * Store `record` unless a record with its key exists. Atomic: of N concurrent calls with one
   * key, exactly one gets `created: true`; the others get the stored record.
   */
  createSend(record: SendRecord): Promise<{ created: boolean; record: SendRecord }>;
  /** Replace the record with the same key; returns `false` when there is none. */
  updateSend(record: SendRecord): Promise<boolean>;
  /** The record, or `null`. */
  getSend(key: string): Promise<SendRecord | null>;
  /** Records in one state, oldest first (`unknown` ones, to reconcile). */
  listSends(query: { state: SendRecord['state']; limit?: number; cursor?: string }): Promise<Page<SendRecord>>;
}

/**
 * Batch reads and writes. Optional: implement all of its methods or none; the core falls back
 * to the one-at-a-time methods. Each is the same as calling its single form once per item.
 */
export interface BatchStore {
  /** The interactions that exist among `ids` (tombstones too), in any order. */
  getInteractions(ids: string[]): Promise<Interaction[]>;
  /**
   * `appendInteraction` for each, in input order. Repeats of one id within the batch: the first
   * is stored, the rest report `inserted: false`.
   */
  appendInteractions(interactions: Interaction[]): Promise<AppendResult[]>;
  /** The identity records that exist among `keys`, in any order. */
  getIdentities(keys: string[]): Promise<IdentityRecord[]>;
  /** The customers that exist among `ids` (merged-away ones too), in any order. */
  getCustomers(ids: string[]): Promise<Customer[]>;
  /**
   * `saveCustomer` for each, in input order, in as few round trips as the storage allows: the
   * identity merger registers a batch's new authors with one call. Repeats of one id: the last wins.
   */
  saveCustomers(customers: Customer[]): Promise<void>;
  /** `saveIdentity` for each, in input order (see {@link BatchStore.saveCustomers}). Repeats of one key: the last wins. */
  saveIdentities(records: IdentityRecord[]): Promise<void>;
}

/** One new interaction for {@link ReceiveStore.appendReceived}. */
export interface ReceivedInteraction {
  interaction: Interaction;
  /**
   * Store it with the customer of its author's identity record (`identityKey(interaction.author)`)
   * when the ledger holds that record, instead of `interaction.customerId`: a merge may have moved
   * the identity since the pipeline resolved it. @default false
   */
  followAuthor?: boolean;
}

/** What {@link ReceiveStore.appendReceived} did with one item. */
export interface ReceivedResult {
  /** True when this call stored a new row; false when the id already existed or came earlier in the batch. */
  inserted: boolean;
  /** The customer the new row was stored with; absent when it has none or was not inserted. */
  customerId?: string;
}

/**
 * The pipeline's append of a delivery's new interactions. Optional: without it the core calls
 * `appendInteractions` (or `appendInteraction`), reads the authors' identity records and moves a
 * row whose author was merged meanwhile with `updateInteraction`.
 */
export interface ReceiveStore {
  /**
   * `appendInteraction` for each item, in input order (repeats of one id: the first is stored),
   * with the customer of the author's identity record for the items that ask for it
   * ({@link ReceivedInteraction.followAuthor}), in as few round trips as the storage allows (one
   * statement on PostgreSQL). Answers what it did, not the rows: a stored row is the interaction
   * given, with that customer.
   */
  appendReceived(items: ReceivedInteraction[]): Promise<ReceivedResult[]>;
}

/**
 * The whole storage port. Implement every method of the required groups; the review queue
 * ({@link ReviewStore}), cross-process locks ({@link LockingStore}), the outbox
 * ({@link OutboxStore}), sends ({@link SendStore}), batch methods ({@link BatchStore}), the
 * pipeline's append ({@link ReceiveStore}) and `close` are optional.
 * @see docs/authoring/custom-ledger.md
 */
export interface InteractionLedger
  extends InteractionStore,
    CustomerStore,
    OperationsStore,
    PrivacyStore,
    Partial<ReviewStore>,
    Partial<LockingStore>,
    Partial<OutboxStore>,
    Partial<SendStore>,
    Partial<BatchStore>,
    Partial<ReceiveStore> {
  /** Release connections. Called by `crm.close()`. */
  close?(): Promise<void>;
}

/** The method groups, for runtime checks and the conformance suite. @internal */
export const LEDGER_METHOD_GROUPS = {
  interactions: ['appendInteraction', 'updateInteraction', 'getInteraction', 'queryInteractions', 'assignInteractions'],
  customers: [
    'getCustomer',
    'saveCustomer',
    'listCustomers',
    'getIdentity',
    'saveIdentity',
    'listIdentities',
    'findIdentitiesByBlockingKeys',
    'saveMerge',
    'getMerge',
    'listMerges',
  ],
  operations: [
    'getCursor',
    'setCursor',
    'addDeadLetter',
    'listDeadLetters',
    'updateDeadLetter',
    'removeDeadLetter',
    'getConsent',
    'setConsent',
  ],
  privacy: ['exportCustomer', 'eraseCustomer'],
} as const satisfies Record<string, ReadonlyArray<keyof InteractionLedger>>;

/** Groups a ledger implements completely or not at all. @internal */
export const OPTIONAL_LEDGER_METHOD_GROUPS = {
  review: ['saveSuggestion', 'listSuggestions', 'removeSuggestion'],
  locking: ['withLocks'],
  outbox: ['transaction', 'appendOutbox', 'claimOutbox', 'settleOutbox', 'listOutbox'],
  sends: ['createSend', 'updateSend', 'getSend', 'listSends'],
  batch: ['getInteractions', 'appendInteractions', 'getIdentities', 'getCustomers', 'saveCustomers', 'saveIdentities'],
  receive: ['appendReceived'],
} as const satisfies Record<string, ReadonlyArray<keyof InteractionLedger>>;

/** Whether the ledger keeps the review queue ({@link ReviewStore}). */
export function hasReviewStore(ledger: InteractionLedger): ledger is InteractionLedger & ReviewStore {
  return OPTIONAL_LEDGER_METHOD_GROUPS.review.every((method) => typeof ledger[method] === 'function');
}

/** Whether the ledger offers cross-process locks ({@link LockingStore}). */
export function hasLocking(ledger: InteractionLedger): ledger is InteractionLedger & LockingStore {
  return typeof ledger.withLocks === 'function';
}

/** Whether the ledger keeps the transactional outbox ({@link OutboxStore}). */
export function hasOutbox(ledger: InteractionLedger): ledger is InteractionLedger & OutboxStore {
  return OPTIONAL_LEDGER_METHOD_GROUPS.outbox.every((method) => typeof ledger[method] === 'function');
}

/** Whether the ledger records sends by idempotency key ({@link SendStore}). */
export function hasSendStore(ledger: InteractionLedger): ledger is InteractionLedger & SendStore {
  return OPTIONAL_LEDGER_METHOD_GROUPS.sends.every((method) => typeof ledger[method] === 'function');
}

/** Whether the ledger has batch reads and writes ({@link BatchStore}). */
export function hasBatchStore(ledger: InteractionLedger): ledger is InteractionLedger & BatchStore {
  return OPTIONAL_LEDGER_METHOD_GROUPS.batch.every((method) => typeof ledger[method] === 'function');
}

/** Whether the ledger has the pipeline's append ({@link ReceiveStore}). */
export function hasReceiveStore(ledger: InteractionLedger): ledger is InteractionLedger & ReceiveStore {
  return typeof ledger.appendReceived === 'function';
}

/**
 * Storage that serves many tenants: `forTenant(tenant)` returns the {@link InteractionLedger} bound
 * to one tenant, whose every call reads and writes that tenant's records only. The storage port
 * itself stays tenant-free (one ledger instance per tenant), so no port call can forget the
 * tenant. `memoryLedger()` and `postgresLedger()` implement it; pass
 * `tenants: { ledger: (tenant) => storage.forTenant(tenant) }` to `createSocialCrm`.
 */
export interface TenantLedgers {
  /** The ledger of `tenant`: the same storage, none of the other tenants' records. */
  forTenant(tenant: string): InteractionLedger;
}

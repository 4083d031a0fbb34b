/**
 * What erasing one person means, the same for every ledger the SDK ships, for host ledgers built
 * on these helpers, and for the insights: which records are theirs, what identifies them in
 * free-form data (dead-letter payloads, outbox events, poll cursors, insight snapshots), and what
 * an erased record keeps. See docs/authoring/custom-ledger.md ("Export and erase").
 *
 * @module
 */
import { identityKey, type ChannelIdentity, type Customer, type Interaction } from './interaction.js';
import type { CustomerExport, EraseResult, IdentityRecord, MergeRecord } from './ledger.js';
import { randomId } from './_utils.js';
export { erasedSend } from './_ledger-rules.js';

/**
 * Everything that identifies one person, collected from their records before they are erased.
 * Hand it to caches that hold the person's data (`insights.erase`), never store it.
 */
export interface ErasureSubject {
  /** The customer and every customer merged into it. */
  customerIds: string[];
  /** Their channel identities (`<channel>:<nativeId>`). */
  identityKeys: string[];
  /** Their interactions, and the brand's in their private conversations. */
  interactionIds: string[];
  /** The conversations those interactions belong to, as stored before the erase. */
  conversationIds: string[];
  /**
   * Identifiers that mark a free-form record (a webhook body, an event, a cursor) as theirs: ids,
   * native ids, handles, phone numbers, emails. Matched as whole words, case-insensitively.
   */
  identifiers: string[];
  /** What must be gone afterwards: the identifiers plus names and message texts. */
  terms: string[];
}

/** The person's records a ledger loaded, to build the {@link ErasureSubject} from. */
export interface PersonRecords {
  customers: Customer[];
  identities: IdentityRecord[];
  interactions: Interaction[];
  merges: MergeRecord[];
}

/** Shorter identifiers match too much free text to decide what is the person's. */
const MIN_IDENTIFIER_LENGTH = 4;
/** Numbers shorter than this (a CRM contact id `1234`, a year) occur in unrelated payloads. */
const MIN_NUMERIC_IDENTIFIER_LENGTH = 6;

function isDistinctive(value: string): boolean {
  return value.length >= (/^\+?\d+$/.test(value) ? MIN_NUMERIC_IDENTIFIER_LENGTH : MIN_IDENTIFIER_LENGTH);
}
/** Shorter texts (`ok`, `👍`) say nothing about who wrote them. */
const MIN_TERM_LENGTH = 3;

function identityValues(identity: Partial<ChannelIdentity> | undefined): { identifiers: string[]; names: string[] } {
  if (!identity) return { identifiers: [], names: [] };
  const phone = identity.phone?.trim();
  return {
    identifiers: [identity.nativeId, identity.handle, identity.handle ? `@${identity.handle}` : undefined, identity.email, phone, phone?.replace(/\D/g, ''), identity.profileUrl, identity.avatarUrl].filter(
      (value): value is string => typeof value === 'string',
    ),
    names: identity.displayName ? [identity.displayName] : [],
  };
}

/** True when `author` is a person's identity (not the brand's account, not an erased placeholder). */
function isPersonAuthor(author: ChannelIdentity): boolean {
  return !author.isBrand && !author.nativeId.startsWith(ERASED_AUTHOR_PREFIX);
}

/**
 * The subject of an erase. `owned` are the person's interactions (by customer or identity);
 * `records.interactions` may also hold the brand's rows in their private conversations, whose
 * author is the brand and is therefore not collected.
 */
export function erasureSubjectOf(records: PersonRecords, owned: ReadonlySet<string>): ErasureSubject {
  const customerIds = new Set(records.customers.map((customer) => customer.id));
  const identityKeys = new Set<string>();
  const identifiers = new Set<string>();
  const terms = new Set<string>();
  const addIdentity = (identity: ChannelIdentity) => {
    identityKeys.add(identityKey(identity));
    const values = identityValues(identity);
    for (const value of values.identifiers) identifiers.add(value);
    for (const value of values.names) terms.add(value);
  };
  for (const customer of records.customers) {
    for (const key of customer.identityKeys) identityKeys.add(key);
    if (customer.displayName) terms.add(customer.displayName);
    if (customer.crmContactId) identifiers.add(customer.crmContactId);
  }
  for (const record of records.identities) addIdentity(record.identity);
  // A snapshot of a merge still in force holds the person's earlier state; one that was undone holds
  // another person's, who is not erased.
  for (const merge of records.merges) {
    if (merge.undoneAt) continue;
    for (const customer of merge.snapshot.customers) {
      if (!customerIds.has(customer.id)) continue;
      if (customer.displayName) terms.add(customer.displayName);
      for (const key of customer.identityKeys) identityKeys.add(key);
    }
    for (const entry of merge.snapshot.identities) if (customerIds.has(entry.customerId)) identityKeys.add(entry.key);
  }
  const interactionIds = new Set<string>();
  const conversationIds = new Set<string>();
  for (const interaction of records.interactions) {
    interactionIds.add(interaction.id);
    conversationIds.add(interaction.conversationId);
    if (owned.has(interaction.id) && isPersonAuthor(interaction.author)) addIdentity(interaction.author);
    // The brand's outbound message names its recipient.
    if (interaction.direction === 'outbound' && interaction.recipientId) identifiers.add(interaction.recipientId);
    const text = interaction.text.trim();
    if (text) terms.add(text);
  }
  for (const key of identityKeys) {
    identifiers.add(key);
    identifiers.add(key.slice(key.indexOf(':') + 1));
  }
  for (const id of customerIds) identifiers.add(id);
  const usable = [...identifiers].map((value) => value.trim()).filter(isDistinctive);
  return {
    customerIds: [...customerIds],
    identityKeys: [...identityKeys],
    interactionIds: [...interactionIds],
    conversationIds: [...conversationIds],
    identifiers: [...new Set(usable)],
    terms: [...new Set([...usable, ...[...terms].map((term) => term.trim()).filter((term) => term.length >= MIN_TERM_LENGTH)])],
  };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A test for free-form data: true when its JSON text holds one of the subject's identifiers,
 * interaction ids or conversation ids as a whole word (case-insensitive).
 */
export function subjectMatcher(subject: ErasureSubject): (value: unknown) => boolean {
  const needles = matchNeedles(subject);
  if (needles.length === 0) return () => false;
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${needles.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}_])`, 'iu');
  return (value) => {
    if (value === undefined || value === null) return false;
    return pattern.test(typeof value === 'string' ? value : JSON.stringify(value));
  };
}

function matchNeedles(subject: ErasureSubject): string[] {
  return [...new Set([...subject.identifiers, ...subject.interactionIds, ...subject.conversationIds])].filter(isDistinctive);
}

/**
 * `ILIKE` patterns (`%needle%`, with `\`, `%` and `_` escaped) that every record the matcher accepts
 * also matches: a database narrows candidates with them, then {@link subjectMatcher} decides.
 */
export function likePatterns(subject: ErasureSubject): string[] {
  return matchNeedles(subject).map((needle) => `%${needle.replace(/[\\%_]/g, '\\$&')}%`);
}

/** Outbox ordering keys that name the subject (see `orderingKeyOf`). */
export function subjectOrderingKeys(subject: ErasureSubject): string[] {
  return [
    ...subject.customerIds.map((id) => `customer:${id}`),
    ...subject.identityKeys.map((key) => `identity:${key}`),
    ...subject.conversationIds.map((id) => `conversation:${id}`),
  ];
}

/** Author ids of erased interactions start with this. */
export const ERASED_AUTHOR_PREFIX = 'erased:';

/**
 * A fresh, random id for an erased person's private conversation (`<channel>:erased-<random>`):
 * its rows still thread together, and nothing (not even a key derived from their phone number)
 * links them to the person any more.
 */
export function erasedConversationId(channel: string): string {
  return `${channel}:${randomId('erased')}`;
}

/**
 * An interaction without personal data. The row stays so that counts, timings and labels remain:
 * ids, kind, direction, visibility, state, dates, delivery status, engagement counts, the
 * customer id and the sentiment and intent labels. Text, raw payload, attachments, metadata,
 * mentions, hashtags, reaction, url, the recipient, and the classifier's cues go; the author
 * becomes `erased:<customer id>` (the brand's own account stays). `conversationId` takes the given
 * replacement (a private conversation's new random id).
 */
export function erasedInteraction(interaction: Interaction, conversationId = interaction.conversationId): Interaction {
  const keep: Interaction = {
    id: interaction.id,
    channel: interaction.channel,
    nativeId: interaction.nativeId,
    kind: interaction.kind,
    direction: interaction.direction,
    visibility: interaction.visibility,
    author: interaction.author.isBrand
      ? { channel: interaction.author.channel, nativeId: interaction.author.nativeId, isBrand: true }
      : { channel: interaction.author.channel, nativeId: `${ERASED_AUTHOR_PREFIX}${interaction.customerId ?? 'unknown'}` },
    conversationId,
    text: '',
    createdAt: interaction.createdAt,
    receivedAt: interaction.receivedAt,
    attachments: [],
    state: interaction.state,
    channelMetadata: {},
  };
  const optional: Partial<Interaction> = {
    ...(interaction.parentId !== undefined ? { parentId: interaction.parentId } : {}),
    // Inbound: the brand's account. Outbound: the person's; it goes.
    ...(interaction.recipientId !== undefined && interaction.direction !== 'outbound' ? { recipientId: interaction.recipientId } : {}),
    ...(interaction.language !== undefined ? { language: interaction.language } : {}),
    ...(interaction.metrics !== undefined ? { metrics: interaction.metrics } : {}),
    ...(interaction.editedAt !== undefined ? { editedAt: interaction.editedAt } : {}),
    ...(interaction.deletedAt !== undefined ? { deletedAt: interaction.deletedAt } : {}),
    ...(interaction.deliveryStatus !== undefined ? { deliveryStatus: interaction.deliveryStatus } : {}),
    ...(interaction.customerId !== undefined ? { customerId: interaction.customerId } : {}),
    ...(interaction.classification !== undefined ? { classification: { ...interaction.classification, explanation: [] } } : {}),
  };
  return { ...keep, ...optional };
}

/** A customer without personal data: id, dates and the merge link stay, `attributes` says `erased`. */
export function erasedCustomer(customer: Customer): Customer {
  return {
    id: customer.id,
    identityKeys: [],
    attributes: { erased: true },
    createdAt: customer.createdAt,
    updatedAt: customer.updatedAt,
    ...(customer.mergedInto ? { mergedInto: customer.mergedInto } : {}),
  };
}

/** A merge record without personal data: who merged whom, when and by what decision; no evidence, no snapshot. */
export function erasedMerge(merge: MergeRecord): MergeRecord {
  return { ...merge, evidence: null, snapshot: { customers: [], identities: [] } };
}

/**
 * Which interactions an erase covers, given every candidate row: the person's own (by customer or
 * author identity), every row of their private conversations, and the brand's messages addressed
 * to one of their identities. Returns those rows, the owned ids, and the new id of each private
 * conversation (re-keyed so that nothing derived from a phone number or handle stays).
 */
export function interactionsToErase(
  candidates: Interaction[],
  customerIds: ReadonlySet<string>,
  identityKeys: ReadonlySet<string>,
): { rows: Interaction[]; owned: Set<string>; renamed: Map<string, string> } {
  const isOwned = (interaction: Interaction) =>
    (interaction.customerId !== undefined && customerIds.has(interaction.customerId)) || identityKeys.has(identityKey(interaction.author));
  const addressedToPerson = (interaction: Interaction) =>
    interaction.direction === 'outbound' && interaction.recipientId !== undefined && identityKeys.has(`${interaction.channel}:${interaction.recipientId}`);
  const owned = new Set<string>();
  const privateConversations = new Set<string>();
  for (const interaction of candidates) {
    if (!isOwned(interaction)) continue;
    owned.add(interaction.id);
    if (interaction.visibility === 'private') privateConversations.add(interaction.conversationId);
  }
  const renamed = new Map<string, string>();
  for (const id of privateConversations) {
    const channel = candidates.find((interaction) => interaction.conversationId === id)!.channel;
    renamed.set(id, erasedConversationId(channel));
  }
  const rows = candidates.filter((interaction) => owned.has(interaction.id) || privateConversations.has(interaction.conversationId) || addressedToPerson(interaction));
  return { rows, owned, renamed };
}

/** The customer and, transitively, every customer merged into it. */
export function relatedCustomerIds(customerId: string, mergedIntoOf: Iterable<{ id: string; mergedInto?: string }>): Set<string> {
  const children = new Map<string, string[]>();
  for (const customer of mergedIntoOf) {
    if (!customer.mergedInto) continue;
    const list = children.get(customer.mergedInto) ?? [];
    list.push(customer.id);
    children.set(customer.mergedInto, list);
  }
  const related = new Set([customerId]);
  const queue = [customerId];
  while (queue.length) for (const child of children.get(queue.pop()!) ?? []) if (!related.has(child)) related.add(child), queue.push(child);
  return related;
}

/** What a ledger found to erase, by kind: the counts of an {@link EraseResult}. */
export interface ErasedRecords {
  interactions: unknown[];
  identities: unknown[];
  merges: unknown[];
  consents: unknown[];
  suggestions: unknown[];
  deadLetters: unknown[];
  outbox: unknown[];
  sends: unknown[];
  cursors: unknown[];
  renamed: ReadonlyMap<string, string>;
}

export function eraseResultOf(customerId: string, found: ErasedRecords): EraseResult {
  return {
    customerId,
    interactionsErased: found.interactions.length,
    identitiesErased: found.identities.length,
    mergesErased: found.merges.length,
    consentsErased: found.consents.length,
    suggestionsErased: found.suggestions.length,
    deadLettersErased: found.deadLetters.length,
    outboxErased: found.outbox.length,
    sendsErased: found.sends.length,
    cursorsErased: found.cursors.length,
    conversationsRenamed: found.renamed.size,
  };
}

/** The result of erasing a customer the ledger does not know. */
export function emptyErase(customerId: string): EraseResult {
  return eraseResultOf(customerId, { interactions: [], identities: [], merges: [], consents: [], suggestions: [], deadLetters: [], outbox: [], sends: [], cursors: [], renamed: new Map() });
}

/**
 * The {@link ErasureSubject} of an export taken just before the erase (`crm.eraseCustomer` does
 * this): what in-process caches (the insights, the identity merger) need to forget the person.
 */
export function erasureSubjectOfExport(exported: CustomerExport): ErasureSubject {
  const customers = [exported.customer, ...(exported.mergedCustomers ?? [])];
  const customerIds = new Set(customers.map((customer) => customer.id));
  const keys = new Set([...exported.identities.map((record) => record.key), ...customers.flatMap((customer) => customer.identityKeys)]);
  const { owned } = interactionsToErase(exported.interactions, customerIds, keys);
  return erasureSubjectOf({ customers, identities: exported.identities, interactions: exported.interactions, merges: exported.merges }, owned);
}

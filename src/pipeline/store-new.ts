/**
 * New interactions: prepared outside the unit of work (thread, author, classification, hooks),
 * then written together inside it.
 *
 * @internal
 * @module
 */
import { afterPendingIo } from '../_utils.js';
import type { InteractionSource } from '../events.js';
import type { ResolveResult } from '../identity-resolver.js';
import { identityKey, interactionId, type Classification, type Customer, type Interaction } from '../interaction.js';
import { hasBatchStore, hasReceiveStore, type AppendResult, type IdentityRecord, type InteractionLedger, type ReceiveStore } from '../ledger.js';
import type { Outcome } from './apply-changes.js';
import type { ChangeLog, DurableEventName } from './change-log.js';
import { classifyAll, noteParticipant } from './classify.js';
import type { PipelineContext } from './context.js';
import { resolveAuthors, type AuthorsReadAhead } from './resolve-authors.js';

/** A new interaction ready to be written, or the error that stopped it. */
export interface PreparedNew {
  interaction: Interaction;
  resolved?: ResolveResult;
  classification?: Classification;
  error?: unknown;
}

/** Reads records by key: one call when the ledger has batch reads, else one per distinct key. */
async function readMany<Row>(keys: string[], keyOf: (row: Row) => string, batch: ((keys: string[]) => Promise<Row[]>) | undefined, single: (key: string) => Promise<Row | null>): Promise<Map<string, Row>> {
  const unique = [...new Set(keys)];
  const found = new Map<string, Row>();
  if (unique.length === 0) return found;
  const rows = batch ? await batch(unique) : (await Promise.all(unique.map(single))).filter((row): row is Awaited<Row> => row !== null);
  for (const row of rows) found.set(keyOf(row), row);
  return found;
}

/** Interactions by id (tombstones too). */
export function readInteractions(ledger: InteractionLedger, ids: string[]): Promise<Map<string, Interaction>> {
  const batch = hasBatchStore(ledger) ? (keys: string[]) => ledger.getInteractions(keys) : undefined;
  return readMany(ids, (row) => row.id, batch, (id) => ledger.getInteraction(id));
}

function readIdentities(ledger: InteractionLedger, keys: string[]): Promise<Map<string, IdentityRecord>> {
  const batch = hasBatchStore(ledger) ? (list: string[]) => ledger.getIdentities(list) : undefined;
  return readMany(keys, (row) => row.key, batch, (key) => ledger.getIdentity(key));
}

function readCustomers(ledger: InteractionLedger, ids: string[]): Promise<Map<string, Customer>> {
  const batch = hasBatchStore(ledger) ? (list: string[]) => ledger.getCustomers(list) : undefined;
  return readMany(ids, (row) => row.id, batch, (id) => ledger.getCustomer(id));
}

const threadParent = (interaction: Interaction) =>
  interaction.direction === 'inbound' && interaction.parentId && interaction.visibility === 'public' ? interactionId(interaction.channel, interaction.parentId) : undefined;
const brandParent = (interaction: Interaction) => (interaction.author.isBrand && interaction.parentId ? interactionId(interaction.channel, interaction.parentId) : undefined);

/** The stored rows a new interaction's thread placement reads: its parent's. */
export function parentIdsOf(interaction: Interaction): string[] {
  return [threadParent(interaction), brandParent(interaction)].filter((id): id is string => id !== undefined);
}

/**
 * Places replies in their parent's thread; a public reply between customers is customer-to-customer
 * talk. `stored` holds the parents already read ({@link parentIdsOf}).
 */
function placeInThreads(interactions: Interaction[], stored: ReadonlyMap<string, Interaction>): Interaction[] {
  const inBatch = new Map(interactions.map((interaction) => [interaction.id, interaction]));
  return interactions.map((interaction) => {
    const parentId = threadParent(interaction);
    const parent = parentId ? (inBatch.get(parentId) ?? stored.get(parentId)) : undefined;
    if (!parent) return interaction;
    const placed: Interaction =
      parent.direction !== 'outbound' && identityKey(parent.author) !== identityKey(interaction.author)
        ? { ...interaction, direction: 'peer', conversationId: parent.conversationId }
        : { ...interaction, conversationId: parent.conversationId };
    inBatch.set(placed.id, placed);
    return placed;
  }).map((interaction) => {
    // The brand's own posts in a thread belong to the customer it answers.
    const parentId = brandParent(interaction);
    const customerId = parentId ? stored.get(parentId)?.customerId : undefined;
    return customerId ? { ...interaction, customerId } : interaction;
  });
}

/**
 * Thread, author, classification and hooks for the new interactions of one round; `stored` holds
 * their parents, `authorsAhead` their authors' identity records when read already ({@link readAuthorsAhead}).
 */
export async function prepareNew(
  context: PipelineContext,
  inputs: Interaction[],
  source: InteractionSource,
  stored: ReadonlyMap<string, Interaction>,
  authorsAhead?: AuthorsReadAhead,
): Promise<PreparedNew[]> {
  const placed = placeInThreads(inputs, stored);
  const prepared: PreparedNew[] = placed.map((interaction) => ({ interaction }));
  const customers = prepared.filter((item) => !item.interaction.author.isBrand);
  for (const item of prepared) noteParticipant(context, item.interaction);
  // The classifier does not need the customer: it runs while the ledger answers the authors' lookups.
  const [resolved, classified] = await Promise.all([
    resolveAuthors(context, customers.map((item) => item.interaction.author), authorsAhead),
    afterPendingIo(() => classifyAll(context, prepared.map((item) => item.interaction))),
  ]);
  customers.forEach((item, index) => {
    const result = resolved[index]!;
    if (result instanceof Error) item.error = result;
    else {
      item.resolved = result;
      item.interaction = { ...item.interaction, customerId: result.customerId };
    }
  });
  // A brand reply to a customer's message of this same batch gets that customer.
  const byId = new Map(prepared.map((item) => [item.interaction.id, item.interaction]));
  for (const item of prepared) {
    const { interaction } = item;
    if (interaction.author.isBrand && !interaction.customerId && interaction.parentId) {
      const customerId = byId.get(interactionId(interaction.channel, interaction.parentId))?.customerId;
      if (customerId) item.interaction = { ...interaction, customerId };
    }
  }
  prepared.forEach((item, index) => {
    const result = classified[index];
    if (item.error !== undefined) return;
    if (result instanceof Error) item.error = result;
    else if (result) {
      item.classification = result;
      item.interaction = { ...item.interaction, classification: result };
    }
  });
  for (const item of prepared) {
    if (item.error !== undefined) continue;
    try {
      for (const hook of context.hooks.afterReceive) {
        const replaced = await hook({ interaction: item.interaction, source });
        if (replaced) item.interaction = replaced;
      }
    } catch (error) {
      item.error = error;
    }
  }
  return prepared;
}

/** Appends many: one call when the ledger has batch writes. */
async function appendAll(ledger: InteractionLedger, interactions: Interaction[]): Promise<AppendResult[]> {
  if (interactions.length === 0) return [];
  if (hasBatchStore(ledger) && interactions.length > 1) return ledger.appendInteractions(interactions);
  const results: AppendResult[] = [];
  for (const interaction of interactions) results.push(await ledger.appendInteraction(interaction));
  return results;
}

/**
 * Appends the prepared interactions; an author's row follows a merge (or split) that moved the
 * author's identity between the resolution and the append, which re-pointed the author's stored
 * interactions but not these, written just after. One call with {@link ReceiveStore}; else the
 * append, one read of the identity records and a move of each row that must follow.
 */
async function appendFollowingAuthors(ledger: InteractionLedger, ready: PreparedNew[]): Promise<AppendResult[]> {
  if (ready.length === 0) return [];
  if (hasReceiveStore(ledger)) {
    const received = await ledger.appendReceived(ready.map((item) => ({ interaction: item.interaction, followAuthor: item.resolved !== undefined })));
    // A row another writer stored first (a race: the round read it as absent) is read back.
    const duplicates = await readInteractions(ledger, ready.filter((_, index) => !received[index]!.inserted).map((item) => item.interaction.id));
    return ready.map((item, index) => {
      const result = received[index]!;
      if (!result.inserted) return { inserted: false, interaction: duplicates.get(item.interaction.id) ?? item.interaction };
      if (result.customerId === item.interaction.customerId) return { inserted: true, interaction: item.interaction };
      return { inserted: true, interaction: { ...item.interaction, customerId: result.customerId } as Interaction };
    });
  }
  const appended = await appendAll(ledger, ready.map((item) => item.interaction));
  const owners = await readIdentities(ledger, ready.filter((item, index) => item.resolved && appended[index]!.inserted).map((item) => identityKey(item.interaction.author)));
  const results: AppendResult[] = [];
  for (const [index, result] of appended.entries()) {
    const item = ready[index]!;
    const owner = item.resolved ? owners.get(identityKey(item.interaction.author))?.customerId : undefined;
    if (!result.inserted || !owner || owner === result.interaction.customerId) results.push(result);
    else results.push({ inserted: true, interaction: (await ledger.updateInteraction(result.interaction.id, { customerId: owner })) ?? result.interaction });
  }
  return results;
}

/** The durable events {@link writeNew} may record. */
export const NEW_INTERACTION_EVENTS = ['customer-created', 'customer-merged', 'customer-match-suggested', 'interaction-received', 'interaction-classified'] as const satisfies readonly DurableEventName[];

/**
 * Writes the prepared interactions (those without an error) and records what they announce.
 * Returns one outcome per prepared item, `undefined` for the ones with an error.
 */
export async function writeNew(ledger: InteractionLedger, changes: ChangeLog, prepared: PreparedNew[], source: InteractionSource): Promise<Array<Outcome | undefined>> {
  const ready = prepared.filter((item) => item.error === undefined);
  const appended = await appendFollowingAuthors(ledger, ready);
  // Created customers are announced as stored: as the resolver saved them, else read back.
  const announced = ready.filter((item, index) => item.resolved?.created && appended[index]!.inserted).map((item) => item.resolved!);
  const created = await readCustomers(ledger, announced.filter((resolved) => resolved.customer?.id !== resolved.customerId).map((resolved) => resolved.customerId));
  for (const resolved of announced) if (resolved.customer?.id === resolved.customerId) created.set(resolved.customerId, resolved.customer);
  const outcomes = new Map<PreparedNew, Outcome>();
  for (const [index, item] of ready.entries()) {
    const result = appended[index]!;
    if (!result.inserted) {
      changes.record('interaction-skipped', { id: item.interaction.id, reason: 'duplicate', source });
      outcomes.set(item, { kind: 'duplicate', interaction: result.interaction });
      continue;
    }
    const stored = result.interaction;
    const { resolved } = item;
    if (resolved?.created) {
      const customer = created.get(resolved.customerId);
      if (customer) changes.record('customer-created', { customer });
    }
    for (const merge of resolved?.merges ?? []) changes.record('customer-merged', { merge });
    if (resolved?.suggestions.length) {
      changes.record('customer-match-suggested', { identityKey: identityKey(item.interaction.author), customerId: resolved.customerId, candidates: resolved.suggestions });
    }
    changes.record('interaction-received', { interaction: stored, source });
    if (item.classification) changes.record('interaction-classified', { interaction: stored, classification: item.classification });
    outcomes.set(item, { kind: 'stored', interaction: stored });
  }
  return prepared.map((item) => outcomes.get(item));
}

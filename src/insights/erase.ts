/**
 * Erasure for the insights: removes one person from a primitive's (or the whole) JSON snapshot, by
 * the same {@link ErasureSubject} a ledger erases with. Every primitive keeps its state as plain
 * JSON (`toJSON()`), so one walk serves them all, live (`insights.erase`) or stored (`eraseInsightsState`).
 *
 * @module
 */
import type { ErasureSubject } from '../erasure.js';
import type { InteractionLedger } from '../ledger.js';
import { hasBatchStore } from '../ledger.js';
import { ERASED_AUTHOR_PREFIX } from '../erasure.js';

/** What identifies the person in a snapshot: exact ids, and texts to find inside strings. */
interface Needles {
  ids: ReadonlySet<string>;
  /** Lower-cased, whitespace-collapsed terms. */
  terms: string[];
}

const collapse = (text: string) => text.replace(/\s+/g, ' ').trim().toLocaleLowerCase('tr');

function needlesOf(subject: Partial<ErasureSubject>): Needles {
  const ids = new Set([...(subject.customerIds ?? []), ...(subject.identityKeys ?? []), ...(subject.interactionIds ?? []), ...(subject.conversationIds ?? [])]);
  const terms = [...new Set([...(subject.terms ?? []), ...(subject.identifiers ?? [])].map(collapse).filter((term) => term.length >= 3))];
  return { ids, terms };
}

/** A string that holds one of the terms, or is an excerpt (`…`-truncated) of one. */
function holdsTerm(value: string, needles: Needles): boolean {
  if (needles.terms.length === 0 || value.length === 0) return false;
  const text = collapse(value);
  if (needles.terms.some((term) => text.includes(term))) return true;
  if (!text.endsWith('…')) return false;
  const prefix = text.slice(0, -1).trimEnd();
  return prefix.length >= 12 && needles.terms.some((term) => term.startsWith(prefix));
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A record about the person: one of its own string fields is one of their ids, or one of its
 * nested records (not inside a list) is about them (a watched post's `post`, say).
 */
function isOwned(value: Record<string, unknown>, needles: Needles): boolean {
  for (const field of Object.values(value)) {
    if (typeof field === 'string' && needles.ids.has(field)) return true;
    if (isPlainObject(field) && isOwned(field, needles)) return true;
  }
  return false;
}

/** A list entry about the person: their id, a record about them, or a tuple naming them (`[customerId, time]`). */
function isOwnedEntry(value: unknown, needles: Needles): boolean {
  if (typeof value === 'string') return needles.ids.has(value) || holdsTerm(value, needles);
  if (Array.isArray(value)) return value.some((item) => typeof item === 'string' && needles.ids.has(item));
  return isPlainObject(value) && isOwned(value, needles);
}

function scrub(value: unknown, needles: Needles): unknown {
  if (typeof value === 'string') return holdsTerm(value, needles) ? '' : value;
  if (Array.isArray(value)) return value.filter((item) => !isOwnedEntry(item, needles)).map((item) => scrub(item, needles));
  if (!isPlainObject(value)) return value;
  const result: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    // A map keyed by the person's id (router assignments, say), or a record about them.
    if (needles.ids.has(key) || holdsTerm(key, needles)) continue;
    if (isPlainObject(field) && isOwned(field, needles)) continue;
    result[key] = scrub(field, needles);
  }
  return result;
}

/**
 * The snapshot without the person: records about them (by customer, identity, interaction or
 * conversation id) are dropped from lists and maps, and any other string that holds their name,
 * a handle, an address or a message text is blanked. Counts and baselines stay. Works on a whole
 * `insights.toJSON()` and on one primitive's `toJSON()`; pass the result back as `state`.
 *
 * @example
 * const exported = await crm.ledger.exportCustomer(id); // before the erase
 * const subject = erasureSubjectOf(...); // or take it from the `customer-erased` event
 * await store.put('insights', eraseInsightsState(await store.get('insights'), subject));
 */
export function eraseInsightsState<State>(state: State, subject: Partial<ErasureSubject>): State {
  const needles = needlesOf(subject);
  if (needles.ids.size === 0 && needles.terms.length === 0) return state;
  return scrub(state, needles) as State;
}

/** Fields whose string value names a customer or an identity in the primitives' snapshots. */
const CUSTOMER_FIELDS = new Set(['customerId', 'key', 'authorKey']);
/** Fields whose string value names an interaction. */
const INTERACTION_FIELDS = new Set(['id', 'interactionId']);

function collectReferences(value: unknown, customers: Set<string>, interactions: Set<string>, depth = 0): void {
  if (depth > 64) return;
  if (Array.isArray(value)) {
    // Tuples such as `[customerId, time]` name a customer first.
    if (typeof value[0] === 'string' && value.length === 2 && typeof value[1] !== 'string') customers.add(value[0]);
    for (const item of value) collectReferences(item, customers, interactions, depth + 1);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [key, field] of Object.entries(value)) {
    if (typeof field === 'string') {
      if (CUSTOMER_FIELDS.has(key)) customers.add(field);
      if (INTERACTION_FIELDS.has(key)) interactions.add(field);
    } else collectReferences(field, customers, interactions, depth + 1);
  }
}

/** Most references one sweep looks up; a larger snapshot is swept by its first ones. */
const MAX_SWEPT = 50_000;

/**
 * The part of an {@link ErasureSubject} a restored snapshot needs: the customers it names that the
 * ledger has erased since (`attributes.erased`), and the interactions it names that were erased
 * (their author is `erased:…`). Identities the snapshot names by key only (interactions not yet
 * attributed to a customer) cannot be recognised after the erase deleted them.
 */
export async function erasedReferences(state: unknown, ledger: InteractionLedger): Promise<Pick<ErasureSubject, 'customerIds' | 'interactionIds'>> {
  const customers = new Set<string>();
  const interactions = new Set<string>();
  collectReferences(state, customers, interactions);
  const customerIds = [...customers].slice(0, MAX_SWEPT);
  const interactionIds = [...interactions].slice(0, MAX_SWEPT);
  const found = hasBatchStore(ledger)
    ? { customers: await ledger.getCustomers(customerIds), interactions: await ledger.getInteractions(interactionIds) }
    : {
        customers: (await Promise.all(customerIds.map((id) => ledger.getCustomer(id)))).filter((row) => row !== null),
        interactions: (await Promise.all(interactionIds.map((id) => ledger.getInteraction(id)))).filter((row) => row !== null),
      };
  return {
    customerIds: found.customers.filter((customer) => customer.attributes.erased === true).map((customer) => customer.id),
    interactionIds: found.interactions.filter((interaction) => interaction.author.nativeId.startsWith(ERASED_AUTHOR_PREFIX)).map((interaction) => interaction.id),
  };
}

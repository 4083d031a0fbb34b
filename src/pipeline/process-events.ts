/**
 * The batch stage: a webhook delivery, a poll page or a queue batch goes through the pipeline
 * together. Events are cut into rounds in which no two touch the same record; each round is
 * prepared outside the unit of work (existing rows read in one call, authors resolved together,
 * the classifier run over the round) and written as one unit with its outbox records.
 *
 * @internal
 * @module
 */
import type { ChannelEvent, RejectedItem } from '../adapter.js';
import type { InteractionSource } from '../events.js';
import { canonicalInteraction, identityKey, interactionId, type ChannelIdentity, type Classification, type Interaction } from '../interaction.js';
import { hasReceiveStore, type InteractionLedger } from '../ledger.js';
import { applyDeliveryStatus, applyWatermark, editOf, recordConsent, skipped, tombstone, writeEdit, type Outcome } from './apply-changes.js';
import type { ChangeLog, DurableEventName } from './change-log.js';
import { classifyAll } from './classify.js';
import { commitUnit, type PipelineContext } from './context.js';
import { addDeadLetter, stageOf, type DeadLetterPayload } from './dead-letters.js';
import { reconcileEchoes } from './reply.js';
import { readAuthorsAhead } from './resolve-authors.js';
import { NEW_INTERACTION_EVENTS, parentIdsOf, prepareNew, readInteractions, writeNew, type PreparedNew } from './store-new.js';

/** What {@link SocialCrm.ingest} and the webhook/poll paths did. */
export interface IngestResult {
  /** New interactions stored. */
  stored: number;
  /** Edits, deletions and delivery updates applied to stored interactions. */
  updated: number;
  /** Redelivered or re-polled items skipped. */
  duplicates: number;
  /** Inputs that failed and went to the dead-letter store. */
  deadLettered: number;
  /** The stored or updated interactions, in input order. */
  interactions: Interaction[];
}

export interface ProcessOptions {
  source: InteractionSource;
  adapterId?: string;
  rejected?: RejectedItem[];
  /** Throw an event's error instead of dead-lettering it (replays of dead letters). */
  throwOnFailure?: boolean;
}

export function emptyResult(): IngestResult {
  return { stored: 0, updated: 0, duplicates: 0, deadLettered: 0, interactions: [] };
}

/** One event of a round, with what preparing it found. */
interface Item {
  event: ChannelEvent;
  /** The parsed interaction of an `interaction` event. */
  interaction?: Interaction;
  /** Set when the event already failed (it is dead-lettered with the round). */
  error?: unknown;
  /** The records it touches, or `null` when it must run in a round of its own. */
  keys: string[] | null;
}

const NO_KEYS: string[] = [];

/** The records an event touches, or `null` when it must run in a round of its own. */
function touches(event: ChannelEvent, interaction: Interaction | undefined): string[] | null {
  switch (event.type) {
    case 'interaction':
      return interaction ? [`interaction:${interaction.id}`] : NO_KEYS;
    case 'deletion':
    case 'delivery-status':
      return [`interaction:${interactionId(event.channel, event.nativeId)}`];
    case 'consent':
      return [`consent:${identityKey(event.identity)}`];
    default:
      return null;
  }
}

/** Cuts the items into rounds, in order, so that no two items of a round touch one record. */
function intoRounds(items: Item[]): Item[][] {
  const rounds: Item[][] = [];
  let current: Item[] = [];
  let keys = new Set<string>();
  const flush = () => {
    if (current.length) rounds.push(current);
    current = [];
    keys = new Set();
  };
  for (const item of items) {
    const touched = item.keys;
    if (touched === null) {
      flush();
      rounds.push([item]);
      continue;
    }
    if (touched.some((key) => keys.has(key))) flush();
    current.push(item);
    for (const key of touched) keys.add(key);
  }
  flush();
  return rounds;
}

/** What preparing a round decided for each item. */
type Plan =
  | { type: 'failed'; error: unknown }
  | { type: 'skip'; interaction: Interaction }
  | { type: 'new'; prepared: PreparedNew }
  | { type: 'edit'; edited: Interaction; classification?: Classification }
  | { type: 'tombstone'; channel: string; nativeId: string; deletedAt: string }
  | { type: 'other' };

const OTHER: Plan = { type: 'other' };

async function prepareRound(context: PipelineContext, items: Item[], source: InteractionSource): Promise<Plan[]> {
  const plans: Plan[] = new Array(items.length);
  // The round's parsed interactions, by position, the ids of their rows and parents, and their authors.
  const parsed: number[] = [];
  const ids: string[] = [];
  const authors: ChannelIdentity[] = [];
  for (const [index, item] of items.entries()) {
    plans[index] = item.error !== undefined && item.event.type === 'interaction' ? { type: 'failed', error: item.error } : OTHER;
    const { interaction } = item;
    if (!interaction) continue;
    parsed.push(index);
    ids.push(interaction.id);
    for (const parent of parentIdsOf(interaction)) ids.push(parent);
    if (!interaction.author.isBrand) authors.push(interaction.author);
  }
  // The authors' identity records are read beside the round's rows (two connections on a pool).
  const authorsAhead = readAuthorsAhead(context, authors);
  let existing: Map<string, Interaction>;
  try {
    // The round's own rows and their parents, in one read.
    existing = await readInteractions(context.ledger, ids);
  } catch (error) {
    for (const index of parsed) plans[index] = { type: 'failed', error };
    return plans;
  }
  const fresh: Interaction[] = [];
  const freshAt: number[] = [];
  const edits: Interaction[] = [];
  const editsAt: number[] = [];
  for (const index of parsed) {
    const interaction = items[index]!.interaction!;
    const stored = existing.get(interaction.id);
    if (stored) {
      const edited = stored.state === 'deleted' ? null : editOf(stored, interaction, context.now);
      if (edited) {
        edits.push(edited);
        editsAt.push(index);
      } else plans[index] = { type: 'skip', interaction: stored };
    } else if (interaction.state === 'deleted') {
      plans[index] = { type: 'tombstone', channel: interaction.channel, nativeId: interaction.nativeId, deletedAt: interaction.deletedAt ?? context.now().toISOString() };
    } else {
      fresh.push(interaction);
      freshAt.push(index);
    }
  }
  const prepared = await prepareNew(context, fresh, source, existing, authorsAhead);
  for (const [position, index] of freshAt.entries()) plans[index] = { type: 'new', prepared: prepared[position]! };
  if (edits.length === 0) return plans;
  const classified = await classifyAll(context, edits);
  for (const [position, index] of editsAt.entries()) {
    const result = classified[position];
    const edited = edits[position]!;
    plans[index] = result instanceof Error ? { type: 'failed', error: result } : { type: 'edit', edited, ...(result ? { classification: result } : {}) };
  }
  return plans;
}

/** Writes one prepared round as one unit; returns each item's outcome (`null`: dead-lettered). */
async function writeRound(
  context: PipelineContext,
  ledger: InteractionLedger,
  changes: ChangeLog,
  items: Item[],
  plans: Plan[],
  options: ProcessOptions,
): Promise<Array<Outcome | null>> {
  const outcomes: Array<Outcome | null> = items.map(() => null);
  const at = context.now().toISOString();
  const deadLetter = async (item: Item, error: unknown) => {
    if (options.throwOnFailure) throw error;
    await addDeadLetter(ledger, changes, stageOf(error), { type: 'event', ...(options.adapterId ? { adapterId: options.adapterId } : {}), source: options.source, event: item.event }, error, at);
  };
  const fresh: PreparedNew[] = [];
  const freshAt: number[] = [];
  for (const [index, plan] of plans.entries()) {
    if (plan.type !== 'new') continue;
    fresh.push(plan.prepared);
    freshAt.push(index);
  }
  const written = await writeNew(ledger, changes, fresh, options.source);
  for (const [position, index] of freshAt.entries()) {
    const outcome = written[position];
    if (outcome) outcomes[index] = outcome;
  }
  for (const [index, item] of items.entries()) {
    const plan = plans[index]!;
    const { event } = item;
    switch (plan.type) {
      case 'failed':
        await deadLetter(item, plan.error);
        break;
      case 'new':
        if (plan.prepared.error !== undefined) await deadLetter(item, plan.prepared.error);
        break;
      case 'skip':
        outcomes[index] = skipped(changes, plan.interaction, options.source);
        break;
      case 'edit':
        outcomes[index] = await writeEdit(ledger, changes, plan.edited, plan.classification);
        break;
      case 'tombstone':
        outcomes[index] = await tombstone(context, ledger, changes, plan.channel, plan.nativeId, plan.deletedAt);
        break;
      default:
        if (event.type === 'deletion') outcomes[index] = await tombstone(context, ledger, changes, event.channel, event.nativeId, event.deletedAt);
        else if (event.type === 'delivery-status') outcomes[index] = await applyDeliveryStatus(context, ledger, changes, interactionId(event.channel, event.nativeId), event);
        else if (event.type === 'delivery-watermark') outcomes[index] = await applyWatermark(context, ledger, changes, event);
        else if (event.type === 'consent') {
          outcomes[index] = await recordConsent(context, ledger, changes, {
            identityKey: identityKey(event.identity),
            status: event.status,
            purpose: event.purpose ?? 'all',
            source: event.source,
            updatedAt: event.at,
            ...(event.channelMetadata ? { channelMetadata: event.channelMetadata } : {}),
          });
        }
    }
  }
  return outcomes;
}

function tally(result: IngestResult, outcome: Outcome | null): void {
  if (outcome === null) {
    result.deadLettered++;
    return;
  }
  if (outcome.kind === 'stored') result.stored++;
  else if (outcome.kind === 'updated') result.updated++;
  else result.duplicates++;
  if (outcome.interaction && outcome.kind !== 'duplicate') result.interactions.push(outcome.interaction);
}

/** A round of new interactions only, stored by one ledger call: the durable events it may record. */
function newOnlyEvents(ledger: InteractionLedger, plans: Plan[]): readonly DurableEventName[] | undefined {
  return hasReceiveStore(ledger) && plans.every((plan) => plan.type === 'new' && plan.prepared.error === undefined) ? NEW_INTERACTION_EVENTS : undefined;
}

/** Runs one round: prepared, then written as one unit; a unit that fails is retried an item at a time. */
async function runRound(context: PipelineContext, items: Item[], options: ProcessOptions, result: IngestResult): Promise<void> {
  const lockKeys = items.length === 1 ? (items[0]!.keys ?? NO_KEYS) : items.flatMap((item) => item.keys ?? NO_KEYS);
  const outcomes = await context.locks.withLocks(lockKeys, async () => {
    const plans = await prepareRound(context, items, options.source);
    try {
      return await commitUnit(context, (ledger, changes) => writeRound(context, ledger, changes, items, plans, options), newOnlyEvents(context.ledger, plans));
    } catch (error) {
      if (items.length > 1) return undefined;
      if (options.throwOnFailure) throw error;
      // One event that cannot be written: keep it for replay in a unit of its own. If even that
      // fails, the caller sees the error and the network delivers again.
      const [item] = items as [Item];
      await commitUnit(context, (ledger, changes) =>
        addDeadLetter(ledger, changes, stageOf(error), { type: 'event', ...(options.adapterId ? { adapterId: options.adapterId } : {}), source: options.source, event: item.event }, error, context.now().toISOString()),
      );
      return [null];
    }
  });
  if (outcomes) {
    for (const outcome of outcomes) tally(result, outcome);
    return;
  }
  // Isolate what broke the unit: each event again, alone.
  for (const item of items) await runRound(context, [item], options, result);
}

/** Parses an `interaction` event's input; a failure is kept on the item. */
function toItem(event: ChannelEvent, receivedAt: () => string): Item {
  if (event.type !== 'interaction') return { event, keys: touches(event, undefined) };
  try {
    const interaction = canonicalInteraction(event.interaction, receivedAt);
    return { event, interaction, keys: touches(event, interaction) };
  } catch (error) {
    return { event, error, keys: NO_KEYS };
  }
}

/** Runs a list of channel events (and the items an adapter rejected) through the pipeline. */
export async function processEvents(context: PipelineContext, events: ChannelEvent[], options: ProcessOptions): Promise<IngestResult> {
  const result = emptyResult();
  await reconcileEchoes(context, events);
  // One receiving time for the batch: it arrived at once.
  let receivedAt: string | undefined;
  const received = () => (receivedAt ??= context.now().toISOString());
  for (const round of intoRounds(events.map((event) => toItem(event, received)))) await runRound(context, round, options, result);
  const rejected = options.rejected ?? [];
  if (rejected.length > 0) {
    const at = context.now().toISOString();
    await commitUnit(context, async (ledger, changes) => {
      for (const item of rejected) {
        const payload: DeadLetterPayload = { type: 'rejected', ...(options.adapterId ? { adapterId: options.adapterId } : {}), item: item.payload };
        await addDeadLetter(ledger, changes, 'validate', payload, item.error, at);
      }
    });
    for (const item of rejected) {
      context.warn(options.adapterId, { type: 'malformed', message: item.error.message });
      result.deadLettered++;
    }
  }
  return result;
}

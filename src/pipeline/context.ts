/**
 * What every stage of the pipeline shares. `createSocialCrm` builds one and hands it to each
 * stage; a stage never reaches for anything else.
 *
 * @internal
 * @module
 */
import type { AdapterContext, AdapterWarning, ChannelAdapter, ChannelEvent, Logger } from '../adapter.js';
import type { IngestResult, ProcessOptions } from './process-events.js';
import type { Classifier } from '../classifier-port.js';
import type { EventBus, InteractionSource, SocialCrmEvents } from '../events.js';
import type { IdentityResolver } from '../identity-resolver.js';
import type { Interaction, OutboundReply } from '../interaction.js';
import { hasOutbox, type InteractionLedger, type OutboxRecord } from '../ledger.js';
import type { KeyedLock } from '../_locks.js';
import { ChangeLog, type DurableEventName } from './change-log.js';

/** A hook that may replace the interaction before it is stored. */
export type AfterReceiveHook = (state: { interaction: Interaction; source: InteractionSource }) => Interaction | void | Promise<Interaction | void>;
/** A hook that may replace a reply before it is sent. */
export type BeforeSendHook = (state: { reply: OutboundReply }) => OutboundReply | void | Promise<OutboundReply | void>;

export interface PipelineContext {
  /** The tenant this pipeline serves (`default` for the crm's own ledger). */
  readonly tenant: string;
  /** The host's ledger, wrapped so that failures surface as `LedgerError`. */
  readonly ledger: InteractionLedger;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly generateId: (prefix: string) => string;
  readonly events: EventBus<SocialCrmEvents>;
  /** In-process locks: interactions (`interaction:<id>`) and identities. */
  readonly locks: KeyedLock;
  readonly hooks: { afterReceive: AfterReceiveHook[]; beforeSend: BeforeSendHook[] };
  readonly adapters: ReadonlyMap<string, ChannelAdapter>;
  /** The adapter's context (HTTP client, logger, clock); throws `UnknownAdapterError` for an unknown id. */
  adapter(id: string): { adapter: ChannelAdapter; context: AdapterContext };
  loadClassifier(): Promise<Classifier | undefined>;
  loadIdentity(): Promise<IdentityResolver>;
  /** Distinct authors per conversation, for the classifier's urgency (bounded). */
  readonly participants: Map<string, Set<string>>;
  /** Whether some durable handler subscribes to the event, so that it goes to the outbox. */
  subscribed(name: DurableEventName): boolean;
  /** Called after a unit that wrote outbox records committed: the dispatcher may run. */
  outboxWritten(): void;
  warn(adapterId: string | undefined, warning: AdapterWarning): void;
  /**
   * Runs a batch in the tenants its events name (this one for events that name none). Stages that
   * take events from an adapter (polling) use it; without it they process here.
   */
  routeEvents?(events: readonly ChannelEvent[], options: ProcessOptions): Promise<IngestResult>;
}

/**
 * Runs `task` as one unit of work: atomically with its outbox records when the ledger keeps an
 * outbox, plainly otherwise. The changes it recorded are emitted in process after it committed.
 * A task that fails emits nothing, so a retry starts from a clean log.
 *
 * `durable` names every durable event the task may record, for a task that makes one write (atomic
 * on its own): when no durable handler subscribes to any of them there is nothing to write beside
 * it, and it runs without a transaction (two round trips fewer on PostgreSQL).
 */
export async function commitUnit<T>(
  context: PipelineContext,
  task: (ledger: InteractionLedger, changes: ChangeLog) => Promise<T>,
  durable?: readonly DurableEventName[],
): Promise<T> {
  const { ledger } = context;
  let changes = new ChangeLog();
  let written: OutboxRecord[] = [];
  const result = hasOutbox(ledger) && !(durable && !durable.some((name) => context.subscribed(name)))
    ? await ledger.transaction(async (scoped) => {
        changes = new ChangeLog();
        const value = await task(scoped, changes);
        written = changes.toOutbox((name) => context.subscribed(name), context.generateId, context.now().toISOString());
        if (written.length > 0) await scoped.appendOutbox!(written);
        return value;
      })
    : await task(ledger, changes);
  changes.emit(context.events);
  if (written.length > 0) context.outboxWritten();
  return result;
}

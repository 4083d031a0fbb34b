/**
 * The outbox dispatcher: delivers the records of the transactional outbox to the host's durable
 * handlers, at least once, in order per ordering key, awaiting each handler, retrying with
 * backoff, and dead-lettering a handler that keeps failing.
 *
 * @internal
 * @module
 */
import { InvalidOptionsError } from '../errors.js';
import type { SocialCrmEvents } from '../events.js';
import { hasOutbox, type OutboxRecord, type OutboxStore, type InteractionLedger } from '../ledger.js';
import { DURABLE_EVENT_NAMES, isDurableEventName, type DurableEventName } from './change-log.js';
import type { PipelineContext } from './context.js';
import { describeError } from './dead-letters.js';

/** Payloads as durable handlers get them: stored JSON, so a failed reply's error is a plain object. */
export type DurableEventPayloads = Omit<Pick<SocialCrmEvents, DurableEventName>, 'reply-failed' | 'post-failed' | 'customer-erased'> & {
  'customer-erased': Omit<SocialCrmEvents['customer-erased'], 'subject'>;
  'reply-failed': Omit<SocialCrmEvents['reply-failed'], 'error'> & { error: StoredError };
  'post-failed': Omit<SocialCrmEvents['post-failed'], 'error'> & { error: StoredError };
};

/** An error as the outbox stores it. */
type StoredError = { name: string; code: string; message: string; isRetryable?: boolean };

/** One delivery of an outbox record to a durable handler. */
export interface DurableEvent<Name extends DurableEventName = DurableEventName> {
  /** Stable across deliveries: use it to make the handler idempotent. */
  id: string;
  name: Name;
  payload: DurableEventPayloads[Name];
  /** When the change was stored. */
  createdAt: string;
  /** 1 on the first delivery of this record, then 2, 3 ... */
  attempt: number;
  /** The tenant whose ledger stored the change (`default` for the crm's own ledger). */
  tenant: string;
}

/** A durable handler: see {@link SocialCrm.subscribe}. */
export interface DurableSubscription<Name extends DurableEventName = DurableEventName> {
  /** Stable name, the same in every process and across restarts (`ticketing`, `auto-reply`). */
  id: string;
  /** The events it handles. */
  events: readonly Name[];
  /** Resolve when handled; throw to have the record delivered again later. */
  handle(event: { [N in Name]: DurableEvent<N> }[Name]): void | Promise<void>;
  /** Failed deliveries before the record is dead-lettered for this handler. @default the crm's `outbox.maxAttempts` */
  maxAttempts?: number;
}

/** What one {@link SocialCrm.dispatch} pass did. */
export interface DispatchResult {
  /** Records every handler is done with. */
  delivered: number;
  /** Records a handler failed on, offered again after a backoff. */
  retried: number;
  /** Handler deliveries given up on and stored as dead letters (`crm.retryDeadLetters()` replays them). */
  deadLettered: number;
}

export interface DispatcherSettings {
  /** How long a claimed record is reserved for this process. */
  leaseMs: number;
  /** Records claimed at a time. */
  batchSize: number;
  maxAttempts: number;
  /** First retry delay; doubles per attempt up to `backoffMaxMs`. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** How often a running dispatcher looks for records that became due (retries, crashed peers). */
  pollIntervalMs: number;
  /** `auto`: dispatch after every write and on a timer; `manual`: only when `dispatch()` is called. */
  mode: 'auto' | 'manual';
}

export interface Dispatcher {
  subscribe(subscription: DurableSubscription): () => void;
  subscribed(name: DurableEventName): boolean;
  dispatch(): Promise<DispatchResult>;
  /** A write added records: dispatch soon (auto mode). */
  kick(): void;
  /** Runs one dead-lettered handler delivery again; throws when the handler fails again. */
  replay(handlerId: string, record: OutboxRecord): Promise<void>;
  stop(): Promise<void>;
}

export function createDispatcher(context: PipelineContext, settings: DispatcherSettings): Dispatcher {
  const handlers = new Map<string, DurableSubscription>();
  const owner = context.generateId('dispatcher');
  let running: Promise<DispatchResult> | undefined;
  let again = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopped = false;

  function outbox(): (InteractionLedger & OutboxStore) | undefined {
    return hasOutbox(context.ledger) ? context.ledger : undefined;
  }

  function backoff(attempts: number): number {
    return Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** Math.max(0, attempts - 1));
  }

  async function deadLetterHandler(handler: DurableSubscription, record: OutboxRecord, error: unknown, attempts: number): Promise<void> {
    const at = context.now().toISOString();
    // Announced in process only: a failing handler of `dead-lettered` must not feed itself.
    const stored = await context.ledger.addDeadLetter({
      stage: 'events',
      payload: { type: 'handler', handler: handler.id, record },
      error: describeError(error),
      attempts,
      createdAt: at,
      lastAttemptAt: at,
    });
    context.logger.error(`[social-crm] The durable handler \`${handler.id}\` failed ${attempts} times on \`${record.name}\` ${record.id}; it was dead-lettered.`, { error: describeError(error) });
    context.events.emit('dead-lettered', { deadLetter: stored });
  }

  /** Runs the handlers still owed the record; settles it. Returns whether it is done. */
  async function deliver(ledger: OutboxStore, record: OutboxRecord, result: DispatchResult): Promise<boolean> {
    const completed = [...(record.completedHandlers ?? [])];
    let attempts = record.attempts ?? 0;
    for (const handler of handlers.values()) {
      if (!(handler.events as readonly string[]).includes(record.name) || completed.includes(handler.id)) continue;
      try {
        await handler.handle({ id: record.id, name: record.name, payload: record.payload, createdAt: record.createdAt, attempt: attempts + 1, tenant: context.tenant } as never);
        completed.push(handler.id);
      } catch (error) {
        attempts++;
        if (attempts >= (handler.maxAttempts ?? settings.maxAttempts)) {
          await deadLetterHandler(handler, record, error, attempts);
          result.deadLettered++;
          completed.push(handler.id);
          attempts = 0;
          continue;
        }
        const described = describeError(error);
        const settled = await ledger.settleOutbox(record.id, owner, {
          type: 'retry',
          availableAt: new Date(context.now().getTime() + backoff(attempts)).toISOString(),
          attempts,
          completedHandlers: completed,
          lastError: { handler: handler.id, ...described },
        });
        if (!settled) context.logger.warn(`[social-crm] The lease on outbox record ${record.id} expired while its handlers ran; another dispatcher delivers it again.`);
        result.retried++;
        return false;
      }
    }
    if (await ledger.settleOutbox(record.id, owner, { type: 'delivered' })) result.delivered++;
    else context.logger.warn(`[social-crm] The lease on outbox record ${record.id} expired while its handlers ran; another dispatcher delivers it again.`);
    return true;
  }

  async function pass(): Promise<DispatchResult> {
    const result: DispatchResult = { delivered: 0, retried: 0, deadLettered: 0 };
    const ledger = outbox();
    if (!ledger || handlers.size === 0) return result;
    for (;;) {
      const records = await ledger.claimOutbox({ owner, limit: settings.batchSize, leaseMs: settings.leaseMs, now: context.now().toISOString() });
      if (records.length === 0) return result;
      const byKey = new Map<string, OutboxRecord[]>();
      for (const record of records) {
        const list = byKey.get(record.orderingKey);
        if (list) list.push(record);
        else byKey.set(record.orderingKey, [record]);
      }
      await Promise.all(
        [...byKey.values()].map(async (list) => {
          for (const [index, record] of list.entries()) {
            if (await deliver(ledger, record, result)) continue;
            // Later records of the key wait for this one.
            for (const later of list.slice(index + 1)) await ledger.settleOutbox(later.id, owner, { type: 'release' });
            return;
          }
        }),
      );
      if (stopped) return result;
    }
  }

  function dispatch(): Promise<DispatchResult> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      const total: DispatchResult = { delivered: 0, retried: 0, deadLettered: 0 };
      do {
        again = false;
        const result = await pass();
        total.delivered += result.delivered;
        total.retried += result.retried;
        total.deadLettered += result.deadLettered;
      } while (again && !stopped);
      return total;
    })().finally(() => {
      running = undefined;
    });
    return running;
  }

  function kick(): void {
    if (settings.mode !== 'auto' || stopped || handlers.size === 0) return;
    dispatch().catch((error: unknown) => context.logger.error('[social-crm] Outbox dispatch failed; it runs again on the next write or tick.', { error: describeError(error) }));
  }

  function startTimer(): void {
    if (timer || settings.mode !== 'auto' || stopped || !outbox()) return;
    timer = setInterval(kick, settings.pollIntervalMs);
    (timer as { unref?: () => void }).unref?.();
  }

  return {
    subscribe(subscription) {
      if (!subscription || typeof subscription.id !== 'string' || subscription.id === '' || typeof subscription.handle !== 'function') {
        throw new InvalidOptionsError('subscribe() needs `{ id, events, handle }`: a stable id, the events, and a function.');
      }
      const unknown = (subscription.events ?? []).filter((name) => !isDurableEventName(name));
      if (!Array.isArray(subscription.events) || subscription.events.length === 0 || unknown.length) {
        throw new InvalidOptionsError(
          `subscribe() \`events\` must list durable events (${DURABLE_EVENT_NAMES.join(', ')})${unknown.length ? `; not ${unknown.map((name) => `\`${String(name)}\``).join(', ')}` : ''}. Use crm.on() for the others.`,
        );
      }
      if (handlers.has(subscription.id)) throw new InvalidOptionsError(`A durable handler with id \`${subscription.id}\` is already subscribed.`);
      if (!outbox()) {
        throw new InvalidOptionsError('subscribe() needs a ledger that keeps the outbox (OutboxStore): memoryLedger(), postgresLedger(), or your own with its outbox methods. Use crm.on() otherwise.');
      }
      handlers.set(subscription.id, subscription as DurableSubscription);
      startTimer();
      kick();
      return () => {
        if (handlers.get(subscription.id) === subscription) handlers.delete(subscription.id);
      };
    },
    subscribed(name) {
      for (const handler of handlers.values()) if ((handler.events as readonly string[]).includes(name)) return true;
      return false;
    },
    dispatch,
    kick,
    async replay(handlerId, record) {
      const handler = handlers.get(handlerId);
      if (!handler) throw new InvalidOptionsError(`No durable handler \`${handlerId}\` is subscribed in this process; subscribe it before replaying its dead letters.`);
      await handler.handle({ id: record.id, name: record.name, payload: record.payload, createdAt: record.createdAt, attempt: (record.attempts ?? 0) + 1, tenant: context.tenant } as never);
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}

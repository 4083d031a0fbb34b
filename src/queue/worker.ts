import { loggerFrom, parseOptions } from '../_options.js';
import type { LoggerLike } from '../logger.js';
import * as z from 'zod';
import type { ChannelEvent, Logger, RejectedItem } from '../adapter.js';
import type { SocialCrm } from '../crm.js';
import { QueueError } from '../errors.js';
import type { InteractionSource } from '../events.js';
import type { DeadLetterStage } from '../ledger.js';
import type { WorkItem } from './work-item.js';
import { BATCH_DEFAULTS, type WorkMessage, type WorkQueue, type WorkSubscription } from './work-queue.js';

/** Options of {@link createWorker}. */
export interface WorkerOptions {
  /**
   * Batches handled at once. With `maxBatch` it bounds the messages this worker holds in the
   * pipeline at `concurrency × maxBatch`, however large a burst is. A queue without batches
   * handles this many single messages at once. @default 4
   */
  concurrency?: number;
  /** Most messages in one batch, run through one `crm.processEvents()` call. @default 100 */
  maxBatch?: number;
  /** How long a batch that is not full waits for more messages after its first one. @default 10 */
  maxWaitMs?: number;
  /** Deliveries before a failing item is stored as a dead letter and acknowledged. @default 5 */
  maxAttempts?: number;
  /** The SDK's logger shape, or pino, winston or the console as they are. @default warnings and errors to the console */
  logger?: LoggerLike;
  /** @default () => new Date() */
  now?: () => Date;
}

/** Counters of a running worker, in messages unless named otherwise. */
export interface WorkerStats {
  /** Items run through the pipeline and acknowledged. */
  processed: number;
  /** Deliveries that failed and were handed back to the queue. */
  retried: number;
  /** Items given up on after `maxAttempts`, stored as dead letters. */
  deadLettered: number;
  /** Batches acknowledged (each message is one when the queue has no batches). */
  batches: number;
}

/** A pipeline worker; run as many as you need, in as many processes. */
export interface Worker {
  /** Start consuming. Resolves once the worker is subscribed. */
  start(): Promise<void>;
  /** Stop consuming and wait for the batches in flight. */
  stop(): Promise<void>;
  readonly stats: Readonly<WorkerStats>;
}

const optionsSchema = z
  .object({
    concurrency: z.number().int().min(1).max(1024).default(BATCH_DEFAULTS.concurrency),
    maxBatch: z.number().int().min(1).max(10_000).default(BATCH_DEFAULTS.maxBatch),
    maxWaitMs: z.number().int().min(0).max(60_000).default(BATCH_DEFAULTS.maxWaitMs),
    maxAttempts: z.number().int().min(1).default(5),
    logger: z.custom<LoggerLike>((value) => typeof value === 'object' && value !== null).optional(),
    now: z.custom<() => Date>((value) => typeof value === 'function').optional(),
  })
  .strict();

/** The arguments of one `crm.processEvents()` call. */
interface PipelineCall {
  adapterId: string;
  source: InteractionSource;
  events: ChannelEvent[];
  rejected: RejectedItem[];
}

/** The queued item a message carries; throws for kinds this worker does not know. */
function toItem(message: WorkMessage): WorkItem {
  const item = message.payload as WorkItem;
  const type = (item as { type?: unknown } | null)?.type;
  if (type === 'event' || type === 'rejected') return item;
  // An intake of another version of social-crm may enqueue kinds this worker does not know.
  throw new QueueError(`A queued item has the unknown type ${JSON.stringify(type)}; upgrade this worker.`);
}

/**
 * One call per adapter and source, each keeping the batch's order. When one key's items
 * would land in two calls (two adapters sharing a conversation), the calls follow the batch
 * instead, one per run of items with the same adapter and source, so per-key order holds.
 */
function planCalls(messages: WorkMessage[]): PipelineCall[] {
  const items = messages.map(toItem);
  const groups = items.map((item) => `${item.adapterId}\u0000${item.type === 'event' ? item.source : 'webhook'}`);
  const groupOfKey = new Map<string, string>();
  let split = false;
  messages.forEach((message, index) => {
    const seen = groupOfKey.get(message.key);
    if (seen !== undefined && seen !== groups[index]) split = true;
    groupOfKey.set(message.key, groups[index]!);
  });
  const calls = new Map<string, PipelineCall>();
  let run = 0;
  items.forEach((item, index) => {
    if (split && index > 0 && groups[index] !== groups[index - 1]) run++;
    const name = split ? String(run) : groups[index]!;
    let call = calls.get(name);
    if (!call) {
      call = { adapterId: item.adapterId, source: item.type === 'event' ? item.source : 'webhook', events: [], rejected: [] };
      calls.set(name, call);
    }
    if (item.type === 'event') call.events.push(item.event);
    else call.rejected.push({ payload: item.item, error: Object.assign(new Error(item.error.message), { name: item.error.name }), ...(item.tenant === undefined ? {} : { tenant: item.tenant }) });
  });
  return [...calls.values()];
}

/**
 * The processing half of a scaled-out deployment: takes what {@link createWebhookIntake}
 * enqueued and runs the pipeline on it, a batch per `crm.processEvents()` call. A batch is
 * acknowledged only after the pipeline has committed it; a batch that fails is handed back
 * whole. Delivery is at least once and appends are idempotent, so every verified interaction
 * is stored exactly once, even when a worker dies mid-batch. Once a batch holds an item at its
 * `maxAttempts`th delivery, the worker runs that batch one item at a time, so the item that
 * keeps failing is stored as a dead letter (`crm.retryDeadLetters()` replays it) and the
 * others are stored.
 *
 * @example
 * const worker = createWorker(crm, natsQueue({ servers: process.env.NATS_URL! }));
 * await worker.start();
 * process.on('SIGTERM', () => worker.stop());
 */
export function createWorker(crm: SocialCrm, queue: WorkQueue, options: WorkerOptions = {}): Worker {
  const settings = parseOptions('createWorker', optionsSchema, options);
  const logger: Logger = loggerFrom(options.logger);
  const now = options.now ?? (() => new Date());
  const stats: WorkerStats = { processed: 0, retried: 0, deadLettered: 0, batches: 0 };
  let subscription: WorkSubscription | undefined;

  async function run(messages: WorkMessage[]): Promise<void> {
    for (const call of planCalls(messages)) {
      await crm.processEvents(call.events, { adapterId: call.adapterId, source: call.source, rejected: call.rejected });
    }
  }

  /** Keep a given-up item where hosts already look for failed input. */
  async function deadLetter(message: WorkMessage, error: unknown): Promise<void> {
    const item = message.payload as Partial<WorkItem> | null;
    const adapterId = typeof item === 'object' && item !== null && typeof item.adapterId === 'string' ? item.adapterId : undefined;
    const stage: DeadLetterStage = item?.type === 'rejected' ? 'validate' : 'ingest';
    const at = now().toISOString();
    // In the item's tenant: a tenant's dead letters never hold another tenant's data.
    const named = item?.type === 'event' ? (item.event as Partial<ChannelEvent> | undefined)?.tenant : item?.type === 'rejected' ? item.tenant : undefined;
    const tenant = typeof named === 'string' ? named : undefined;
    const ledger = tenant === undefined ? crm.ledger : (await crm.tenant(tenant)).ledger;
    await ledger.addDeadLetter({
      stage,
      ...(adapterId ? { adapterId } : {}),
      payload: message.payload,
      error: { name: (error as Error)?.name ?? 'Error', message: (error as Error)?.message ?? String(error) },
      attempts: message.attempt,
      createdAt: at,
      lastAttemptAt: at,
    });
  }

  /** One item at a time: only the items at their last delivery that still fail become dead letters. */
  async function runEach(messages: WorkMessage[]): Promise<{ processed: number; deadLettered: number }> {
    const counts = { processed: 0, deadLettered: 0 };
    for (const message of messages) {
      try {
        await run([message]);
        counts.processed++;
      } catch (error) {
        if (message.attempt < settings.maxAttempts) throw error;
        // If even this fails, the throw hands the batch back to the queue, so nothing is lost.
        await deadLetter(message, error);
        counts.deadLettered++;
      }
    }
    return counts;
  }

  async function handleBatch(messages: WorkMessage[]): Promise<void> {
    const lastDelivery = messages.some((message) => message.attempt >= settings.maxAttempts);
    try {
      let counts = { processed: messages.length, deadLettered: 0 };
      if (lastDelivery) counts = await runEach(messages);
      else await run(messages);
      stats.processed += counts.processed;
      stats.deadLettered += counts.deadLettered;
      stats.batches++;
    } catch (error) {
      stats.retried += messages.length;
      const attempt = Math.max(...messages.map((message) => message.attempt));
      logger.warn(`[social-crm] A batch of ${messages.length} queued item(s) failed (delivery ${attempt} of ${settings.maxAttempts}); it will be delivered again.`, {
        keys: [...new Set(messages.map((message) => message.key))].slice(0, 10),
        error: (error as Error)?.message ?? String(error),
      });
      throw error;
    }
  }

  return {
    stats,
    async start() {
      if (subscription) return;
      const { concurrency, maxBatch, maxWaitMs } = settings;
      subscription = queue.consumeBatches
        ? await queue.consumeBatches(handleBatch, { concurrency, maxBatch, maxWaitMs })
        : await queue.consume((message) => handleBatch([message]), { concurrency });
    },
    async stop() {
      const running = subscription;
      subscription = undefined;
      await running?.stop();
    },
  };
}

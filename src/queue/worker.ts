import { z } from 'zod';
import type { Logger } from '../adapter.js';
import type { SocialCrm } from '../crm.js';
import { InvalidOptionsError, QueueError, formatIssues, toValidationIssues } from '../errors.js';
import type { DeadLetterStage } from '../ledger.js';
import type { WorkItem } from './work-item.js';
import type { WorkMessage, WorkQueue, WorkSubscription } from './work-queue.js';

/** Options of {@link createWorker}. */
export interface WorkerOptions {
  /** Messages of different conversations handled at once (the JetStream queue uses one per partition). @default 4 */
  concurrency?: number;
  /** Deliveries before a failing item is stored as a dead letter and acknowledged. @default 5 */
  maxAttempts?: number;
  /** @default warnings and errors to the console */
  logger?: Logger;
  /** @default () => new Date() */
  now?: () => Date;
}

/** Counters of a running worker. */
export interface WorkerStats {
  /** Items run through the pipeline and acknowledged. */
  processed: number;
  /** Deliveries that failed and were handed back to the queue. */
  retried: number;
  /** Items given up on after `maxAttempts`, stored as dead letters. */
  deadLettered: number;
}

/** A pipeline worker; run as many as you need, in as many processes. */
export interface Worker {
  /** Start consuming. Resolves once the worker is subscribed. */
  start(): Promise<void>;
  /** Stop consuming and wait for the items in flight. */
  stop(): Promise<void>;
  readonly stats: Readonly<WorkerStats>;
}

const optionsSchema = z
  .object({
    concurrency: z.number().int().min(1).max(1024).default(4),
    maxAttempts: z.number().int().min(1).default(5),
    logger: z.custom<Logger>((value) => typeof value === 'object' && value !== null).optional(),
    now: z.custom<() => Date>((value) => typeof value === 'function').optional(),
  })
  .strict();

/**
 * The processing half of a scaled-out deployment: takes what {@link createWebhookIntake}
 * enqueued and runs the pipeline on it. Delivery is at least once and appends are idempotent,
 * so every verified interaction is stored exactly once, even when a worker dies mid-batch.
 * An item that keeps failing is stored as a dead letter (`crm.retryDeadLetters()` replays it)
 * after `maxAttempts` deliveries.
 *
 * @example
 * const worker = createWorker(crm, natsQueue({ servers: process.env.NATS_URL! }));
 * await worker.start();
 * process.on('SIGTERM', () => worker.stop());
 */
export function createWorker(crm: SocialCrm, queue: WorkQueue, options: WorkerOptions = {}): Worker {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issues = toValidationIssues(parsed.error.issues);
    throw new InvalidOptionsError(`createWorker() options are invalid:\n${formatIssues(issues)}`, issues);
  }
  const settings = parsed.data;
  const logger: Logger = options.logger ?? {
    debug() {},
    info() {},
    warn: (message, details) => console.warn(message, details ?? ''),
    error: (message, details) => console.error(message, details ?? ''),
  };
  const now = options.now ?? (() => new Date());
  const stats: WorkerStats = { processed: 0, retried: 0, deadLettered: 0 };
  let subscription: WorkSubscription | undefined;

  async function run(item: WorkItem): Promise<void> {
    switch (item.type) {
      case 'event':
        await crm.processEvents([item.event], { adapterId: item.adapterId, source: item.source });
        return;
      case 'rejected': {
        const error = Object.assign(new Error(item.error.message), { name: item.error.name });
        await crm.processEvents([], { adapterId: item.adapterId, source: 'webhook', rejected: [{ payload: item.item, error }] });
        return;
      }
      default:
        // An intake of another version of social-crm may enqueue kinds this worker does not know.
        throw new QueueError(`A queued item has the unknown type ${JSON.stringify((item as { type?: unknown }).type)}; upgrade this worker.`);
    }
  }

  async function handle(message: WorkMessage): Promise<void> {
    const item = message.payload as WorkItem;
    try {
      await run(item);
      stats.processed++;
    } catch (error) {
      if (message.attempt < settings.maxAttempts) {
        stats.retried++;
        logger.warn(`[social-crm] A queued item failed (delivery ${message.attempt} of ${settings.maxAttempts}); it will be delivered again.`, {
          key: message.key,
          error: (error as Error)?.message ?? String(error),
        });
        throw error;
      }
      // Given up: keep it where hosts already look for failed input. If even that fails, the
      // throw hands the message back to the queue, so nothing is lost.
      const at = now().toISOString();
      const stage: DeadLetterStage = item.type === 'rejected' ? 'validate' : 'ingest';
      await crm.ledger.addDeadLetter({
        stage,
        adapterId: item.adapterId,
        payload: item,
        error: { name: (error as Error)?.name ?? 'Error', message: (error as Error)?.message ?? String(error) },
        attempts: message.attempt,
        createdAt: at,
        lastAttemptAt: at,
      });
      stats.deadLettered++;
    }
  }

  return {
    stats,
    async start() {
      if (subscription) return;
      subscription = await queue.consume(handle, { concurrency: settings.concurrency });
    },
    async stop() {
      const running = subscription;
      subscription = undefined;
      await running?.stop();
    },
  };
}

import { parseOptions } from '../_options.js';
import * as z from 'zod';
import { BATCH_DEFAULTS, type ConsumeBatchesOptions, type ConsumeOptions, type WorkBatchHandler, type WorkHandler, type WorkMessage, type WorkQueue, type WorkSubscription } from './work-queue.js';

/** Options of {@link memoryQueue}. */
export interface MemoryQueueOptions {
  /** Wait before a failed message is delivered again. @default 100 */
  retryDelayMs?: number;
  /** How many recent message ids are remembered to drop duplicates. @default 10000 */
  deduplicationSize?: number;
}

/** The in-process queue, with a way to wait until it has nothing left. */
export interface MemoryQueue extends WorkQueue {
  consumeBatches(handler: WorkBatchHandler, options?: ConsumeBatchesOptions): Promise<WorkSubscription>;
  /** Resolves when no message is waiting or in flight. */
  idle(): Promise<void>;
  /** Messages waiting or in flight. */
  size(): number;
}

const optionsSchema = z
  .object({
    retryDelayMs: z.number().min(0).default(100),
    deduplicationSize: z.number().int().min(0).default(10_000),
  })
  .strict();

/**
 * A {@link WorkQueue} in process memory: per-key ordering, batches, redelivery of failed
 * messages, nothing durable. It is the default for a single process, and the test double for
 * the JetStream queue. A batch takes the waiting messages of the keys that waited longest
 * (several of one key, in order); while it is in flight its keys are handed to nobody else.
 *
 * @example
 * const queue = memoryQueue();
 * const intake = createWebhookIntake(crm, queue);
 * await createWorker(crm, queue).start();
 */
export function memoryQueue(options: MemoryQueueOptions = {}): MemoryQueue {
  const settings = parseOptions('memoryQueue', optionsSchema, options);
  /** Waiting messages per key; the head is the one delivered next (or in flight). */
  const lanes = new Map<string, WorkMessage[]>();
  /** Keys whose lane may be handed out now, oldest first, with the time they became ready. */
  const ready: Array<{ key: string; since: number }> = [];
  const seen = new Set<string>();
  const pumps = new Set<() => void>();
  let pending = 0;
  let idleWaiters: Array<() => void> = [];

  function settleIdle() {
    if (pending > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  function wake() {
    for (const pump of pumps) pump();
  }

  function markReady(key: string) {
    ready.push({ key, since: Date.now() });
  }

  function remember(id: string): boolean {
    if (settings.deduplicationSize === 0) return true;
    if (seen.has(id)) return false;
    seen.add(id);
    if (seen.size > settings.deduplicationSize) seen.delete(seen.values().next().value as string);
    return true;
  }

  /** Messages waiting in ready lanes, counted up to `limit`. */
  function readyCount(limit: number): number {
    let count = 0;
    for (const { key } of ready) {
      count += lanes.get(key)!.length;
      if (count >= limit) break;
    }
    return count;
  }

  async function consumeBatches(handler: WorkBatchHandler, batchOptions: ConsumeBatchesOptions = {}): Promise<WorkSubscription> {
    const maxBatch = Math.max(1, batchOptions.maxBatch ?? BATCH_DEFAULTS.maxBatch);
    const maxWaitMs = Math.max(0, batchOptions.maxWaitMs ?? BATCH_DEFAULTS.maxWaitMs);
    const concurrency = Math.max(1, batchOptions.concurrency ?? BATCH_DEFAULTS.concurrency);
    const inFlight = new Set<Promise<void>>();
    let stopped = false;
    let fillTimer: ReturnType<typeof setTimeout> | undefined;

    /** Whole lanes (or their first part) from the oldest ready keys; their keys stay out of `ready` until settled. */
    function take() {
      const messages: WorkMessage[] = [];
      const taken: Array<{ key: string; count: number }> = [];
      while (messages.length < maxBatch && ready.length) {
        const { key } = ready.shift()!;
        const lane = lanes.get(key)!;
        const count = Math.min(lane.length, maxBatch - messages.length);
        messages.push(...lane.slice(0, count));
        taken.push({ key, count });
      }
      return { messages, taken };
    }

    async function run(messages: WorkMessage[], taken: Array<{ key: string; count: number }>) {
      try {
        await handler(messages.map((message) => ({ ...message, payload: structuredClone(message.payload) })));
        for (const { key, count } of taken) {
          const lane = lanes.get(key)!;
          lane.splice(0, count);
          pending -= count;
          if (lane.length) markReady(key);
          else lanes.delete(key);
        }
        settleIdle();
      } catch {
        for (const message of messages) message.attempt++;
        // The lanes keep their failed heads, so nothing later of these keys goes first.
        setTimeout(() => {
          for (const { key } of taken) markReady(key);
          wake();
        }, settings.retryDelayMs);
      }
    }

    const pump = () => {
      while (!stopped && inFlight.size < concurrency && ready.length) {
        const waitedMs = Date.now() - ready[0]!.since;
        if (waitedMs < maxWaitMs && readyCount(maxBatch) < maxBatch) {
          fillTimer ??= setTimeout(() => {
            fillTimer = undefined;
            pump();
          }, maxWaitMs - waitedMs);
          return;
        }
        const { messages, taken } = take();
        const task = run(messages, taken).finally(() => {
          inFlight.delete(task);
          pump();
        });
        inFlight.add(task);
      }
    };
    pumps.add(pump);
    pump();
    return {
      async stop() {
        stopped = true;
        pumps.delete(pump);
        clearTimeout(fillTimer);
        await Promise.all(inFlight);
      },
    };
  }

  return {
    async enqueue(messages) {
      for (const input of messages) {
        if (!remember(input.id)) continue;
        const message: WorkMessage = { id: input.id, key: input.key, payload: structuredClone(input.payload), attempt: 1 };
        const lane = lanes.get(message.key);
        pending++;
        if (lane) lane.push(message);
        else {
          lanes.set(message.key, [message]);
          markReady(message.key);
        }
      }
      wake();
    },

    consumeBatches,

    consume(handler: WorkHandler, consumeOptions: ConsumeOptions = {}): Promise<WorkSubscription> {
      return consumeBatches(([message]) => handler(message!), { maxBatch: 1, maxWaitMs: 0, concurrency: consumeOptions.concurrency ?? BATCH_DEFAULTS.concurrency });
    },

    async close() {
      pumps.clear();
    },

    idle() {
      return pending === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));
    },

    size() {
      return pending;
    },
  };
}

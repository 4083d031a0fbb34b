import { z } from 'zod';
import { InvalidOptionsError, formatIssues, toValidationIssues } from '../errors.js';
import type { ConsumeOptions, WorkHandler, WorkMessage, WorkQueue, WorkSubscription } from './work-queue.js';

/** Options of {@link memoryQueue}. */
export interface MemoryQueueOptions {
  /** Wait before a failed message is delivered again. @default 100 */
  retryDelayMs?: number;
  /** How many recent message ids are remembered to drop duplicates. @default 10000 */
  deduplicationSize?: number;
}

/** The in-process queue, with a way to wait until it has nothing left. */
export interface MemoryQueue extends WorkQueue {
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
 * A {@link WorkQueue} in process memory: per-key ordering, redelivery of failed messages,
 * nothing durable. It is the default for a single process, and the test double for the
 * JetStream queue.
 *
 * @example
 * const queue = memoryQueue();
 * const intake = createWebhookIntake(crm, queue);
 * await createWorker(crm, queue).start();
 */
export function memoryQueue(options: MemoryQueueOptions = {}): MemoryQueue {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issues = toValidationIssues(parsed.error.issues);
    throw new InvalidOptionsError(`memoryQueue() options are invalid:\n${formatIssues(issues)}`, issues);
  }
  const settings = parsed.data;
  /** Waiting messages per key; the head is the one delivered next (or in flight). */
  const lanes = new Map<string, WorkMessage[]>();
  /** Keys whose head may be delivered now. */
  const ready: string[] = [];
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

  function remember(id: string): boolean {
    if (settings.deduplicationSize === 0) return true;
    if (seen.has(id)) return false;
    seen.add(id);
    if (seen.size > settings.deduplicationSize) seen.delete(seen.values().next().value as string);
    return true;
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
          ready.push(message.key);
        }
      }
      wake();
    },

    async consume(handler: WorkHandler, consumeOptions: ConsumeOptions = {}): Promise<WorkSubscription> {
      const concurrency = Math.max(1, consumeOptions.concurrency ?? 4);
      const inFlight = new Set<Promise<void>>();
      let stopped = false;

      const run = async (key: string) => {
        const lane = lanes.get(key)!;
        const message = lane[0]!;
        try {
          await handler({ ...message, payload: structuredClone(message.payload) });
          lane.shift();
          pending--;
          if (lane.length) ready.push(key);
          else lanes.delete(key);
          settleIdle();
        } catch {
          message.attempt++;
          setTimeout(() => {
            ready.push(key);
            wake();
          }, settings.retryDelayMs);
        }
      };

      const pump = () => {
        while (!stopped && inFlight.size < concurrency && ready.length) {
          const task = run(ready.shift()!).finally(() => {
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
          await Promise.all(inFlight);
        },
      };
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

import { parseOptions } from '../_options.js';
import * as z from 'zod';
import { optionalPeer } from '../_peers.js';
import { isSocialCrmError, QueueError } from '../errors.js';
import { BATCH_DEFAULTS, type ConsumeBatchesOptions, type ConsumeOptions, type WorkBatchHandler, type WorkHandler, type WorkMessage, type WorkMessageInput, type WorkQueue, type WorkSubscription } from './work-queue.js';

/** Options of {@link natsQueue}. */
export interface NatsQueueOptions {
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  /** JetStream stream name; created when missing. @default 'SOCIAL_CRM_WORK' */
  stream?: string;
  /** Subject prefix; partition `n` publishes to `<subject>.<n>`. @default 'social-crm.work' */
  subject?: string;
  /**
   * Number of partitions. Keys are hashed onto partitions, and each partition is handled one
   * batch at a time, so this caps parallelism across all workers. Fix it when the stream is
   * created: changing it later moves keys to other partitions. @default 16
   */
  partitions?: number;
  /**
   * Largest batch taken from one partition: the partition consumers' `max_ack_pending`, so
   * also the most messages of one partition that all workers together hold at once. Give
   * every worker the same value (the last one to start sets it on the server). @default 100
   */
  maxBatch?: number;
  /** How long a delivered message may stay unacknowledged before it goes to another worker. @default 30000 */
  ackWaitMs?: number;
  /** Wait before a failed message is delivered again. @default 1000 */
  retryDelayMs?: number;
  /** JetStream drops a message whose id it saw within this window. @default 120000 */
  duplicateWindowMs?: number;
  /** Connection name shown by the server. */
  name?: string;
}

const NAME = /^[A-Za-z0-9_-]+$/;
const optionsSchema = z
  .object({
    servers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    stream: z.string().regex(NAME, 'Use letters, digits, `_` and `-`.').default('SOCIAL_CRM_WORK'),
    subject: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'Use dot-separated tokens without wildcards.').default('social-crm.work'),
    partitions: z.number().int().min(1).max(1024).default(16),
    maxBatch: z.number().int().min(1).max(10_000).default(BATCH_DEFAULTS.maxBatch),
    ackWaitMs: z.number().int().min(1000).default(30_000),
    retryDelayMs: z.number().int().min(0).default(1000),
    duplicateWindowMs: z.number().int().min(1000).default(120_000),
    name: z.string().optional(),
  })
  .strict();

const NANOSECONDS_PER_MILLISECOND = 1_000_000;
/** How long one pull waits for messages before asking again (the server's minimum is 1 s). */
const PULL_EXPIRES_MS = 1000;
/** Bounds of the wait before a partition blocked behind another worker's batch looks again. */
const BLOCKED_WAIT_MS = { first: 10, most: 100 };

/** The part of the NATS client the queue uses (structural, so the published types need no NATS types). */
interface NatsConnection {
  drain(): Promise<void>;
  isClosed(): boolean;
}
interface JetStreamMessage {
  data: Uint8Array;
  /** Stream sequence. */
  seq: number;
  info: { deliveryCount: number; deliverySequence: number };
  ackAck(): Promise<boolean>;
  nak(millis?: number): void;
  working(): void;
}
interface PullConsumer {
  fetch(options: { max_messages: number; expires: number }): Promise<AsyncIterable<JetStreamMessage>>;
}
interface ConsumerState {
  config: { filter_subject?: string; max_ack_pending?: number; ack_wait?: number };
  num_ack_pending: number;
}
interface JetStreamManager {
  streams: {
    info(name: string): Promise<unknown>;
    add(config: Record<string, unknown>): Promise<unknown>;
    getMessage(stream: string, query: { seq: number; next_by_subj: string }): Promise<{ seq: number } | null>;
  };
  consumers: {
    info(stream: string, name: string): Promise<ConsumerState>;
    add(stream: string, config: Record<string, unknown>): Promise<unknown>;
    update(stream: string, name: string, config: Record<string, unknown>): Promise<unknown>;
  };
}
interface NatsModules {
  connect(options: { servers: string | string[]; name?: string; maxReconnectAttempts?: number }): Promise<NatsConnection>;
  jetstream(connection: NatsConnection): {
    publish(subject: string, data: Uint8Array, options?: { msgID?: string }): Promise<unknown>;
    consumers: { get(stream: string, name: string): Promise<PullConsumer> };
  };
  jetstreamManager(connection: NatsConnection): Promise<JetStreamManager>;
}

/** FNV-1a: a stable, well-spread hash of the key onto a partition. */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

/**
 * A {@link WorkQueue} on NATS JetStream. Messages go to a work-queue stream, hashed by key
 * onto partitions, and each partition has a durable pull consumer whose `max_ack_pending` is
 * `maxBatch`. Every worker pulls from every partition; a worker hands a partition's messages
 * to its handler only when they are the oldest unacknowledged ones of the partition and no
 * other worker holds any between them, so a partition is handled one batch at a time, in
 * order, however many workers run. A failed batch is handed back (`nak`) and comes again
 * before anything later of its partition. A worker that dies leaves its messages
 * unacknowledged, and after `ackWaitMs` they go to another worker. `@nats-io/transport-node`
 * and `@nats-io/jetstream` are optional peer dependencies, loaded on first use.
 *
 * @example
 * const queue = natsQueue({ servers: 'nats://127.0.0.1:4222' });
 */
export function natsQueue(options: NatsQueueOptions): WorkQueue {
  const settings = parseOptions('natsQueue', optionsSchema, options);
  // The peers start loading now: a missing one is known before the first call needs it.
  void loadNats();
  const consumerName = (partition: number) => `${settings.stream}_p${partition}`;
  const subjectOf = (partition: number) => `${settings.subject}.${partition}`;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let setup: Promise<{ connection: NatsConnection; client: ReturnType<NatsModules['jetstream']>; manager: JetStreamManager }> | undefined;

  /**
   * Creates the partition's consumer, or brings an existing one to this queue's settings:
   * consumers made by earlier versions had `max_ack_pending: 1`, and the server refuses to add
   * a consumer that exists with another configuration.
   */
  async function ensureConsumer(manager: JetStreamManager, partition: number): Promise<void> {
    const name = consumerName(partition);
    const wanted = { max_ack_pending: settings.maxBatch, ack_wait: settings.ackWaitMs * NANOSECONDS_PER_MILLISECOND };
    let existing = await manager.consumers.info(settings.stream, name).catch(() => undefined);
    if (!existing) {
      try {
        await manager.consumers.add(settings.stream, { durable_name: name, filter_subject: subjectOf(partition), ack_policy: 'explicit', deliver_policy: 'all', ...wanted });
        return;
      } catch (error) {
        // Another worker may have added it meanwhile, with other settings.
        existing = await manager.consumers.info(settings.stream, name).catch(() => undefined);
        if (!existing) throw error;
      }
    }
    if (existing.config.filter_subject !== subjectOf(partition)) {
      throw new QueueError(
        `The consumer \`${name}\` of stream \`${settings.stream}\` reads \`${existing.config.filter_subject}\`, not \`${subjectOf(partition)}\`; delete it or choose another stream.`,
      );
    }
    if (existing.config.max_ack_pending !== wanted.max_ack_pending || existing.config.ack_wait !== wanted.ack_wait) {
      await manager.consumers.update(settings.stream, name, wanted);
    }
  }

  function connect() {
    setup ??= (async () => {
      const modules = await loadNats();
      const connection = await modules.connect({ servers: settings.servers, maxReconnectAttempts: -1, ...(settings.name ? { name: settings.name } : {}) });
      const manager = await modules.jetstreamManager(connection);
      try {
        await manager.streams.info(settings.stream);
      } catch {
        await manager.streams.add({
          name: settings.stream,
          subjects: [`${settings.subject}.*`],
          retention: 'workqueue',
          storage: 'file',
          duplicate_window: settings.duplicateWindowMs * NANOSECONDS_PER_MILLISECOND,
        });
      }
      await Promise.all(Array.from({ length: settings.partitions }, (_, partition) => ensureConsumer(manager, partition)));
      return { connection, client: modules.jetstream(connection), manager };
    })().catch((error: unknown) => {
      setup = undefined;
      if (isSocialCrmError(error, 'MISSING_DEPENDENCY')) throw error;
      throw new QueueError(`Could not set up the JetStream queue \`${settings.stream}\` on ${String(settings.servers)}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    });
    return setup;
  }

  /** The work message a delivery carries; one that is not ours is handed on as text, so the worker can dead-letter it. */
  function toWorkMessage(message: JetStreamMessage, partition: number): WorkMessage {
    const text = decoder.decode(message.data);
    const attempt = message.info.deliveryCount;
    try {
      const body = JSON.parse(text) as Partial<WorkMessageInput>;
      if (typeof body.id === 'string' && typeof body.key === 'string') return { id: body.id, key: body.key, payload: body.payload, attempt };
    } catch {
      // not JSON: handed on below
    }
    return { id: `${settings.stream}:${message.seq}`, key: subjectOf(partition), payload: text, attempt };
  }

  async function consumeBatches(handler: WorkBatchHandler, batchOptions: ConsumeBatchesOptions = {}): Promise<WorkSubscription> {
    const { client, manager } = await connect();
    const limits = {
      maxBatch: Math.min(settings.maxBatch, Math.max(1, batchOptions.maxBatch ?? BATCH_DEFAULTS.maxBatch)),
      maxWaitMs: Math.max(0, batchOptions.maxWaitMs ?? BATCH_DEFAULTS.maxWaitMs),
    };
    const slots = createSlots(Math.max(1, batchOptions.concurrency ?? BATCH_DEFAULTS.concurrency));
    const consumers = await Promise.all(Array.from({ length: settings.partitions }, (_, partition) => client.consumers.get(settings.stream, consumerName(partition))));
    const state = { stopped: false };
    const signals: Array<ReturnType<typeof createSignal>> = [];
    const stopping = createSignal();

    /** Pulls a partition's messages and hands them out in batches, while this worker may. */
    async function runPartition(partition: number, consumer: PullConsumer): Promise<void> {
      const subject = subjectOf(partition);
      /** Messages this worker holds (delivered, not settled), in stream order. */
      let held: JetStreamMessage[] = [];
      let firstHeldAt = 0;
      const changed = createSignal();
      signals.push(changed);
      const heartbeat = setInterval(() => held.forEach((message) => message.working()), Math.max(500, settings.ackWaitMs / 3));

      function hold(message: JetStreamMessage) {
        const index = held.findIndex((existing) => existing.seq >= message.seq);
        if (index === -1) held.push(message);
        else if (held[index]!.seq === message.seq) held[index] = message;
        else held.splice(index, 0, message);
        if (held.length === 1) firstHeldAt = Date.now();
        changed.notify();
      }

      /**
       * How many of the held messages, from the first, may be handled now: none unless the first
       * is the oldest unacknowledged message of the partition; then those no other worker's
       * messages lie between. Consecutive first deliveries prove that locally; otherwise all
       * held messages qualify when this worker holds everything outstanding.
       */
      async function handOutCount(): Promise<number> {
        const head = await manager.streams.getMessage(settings.stream, { seq: 1, next_by_subj: subject });
        // Anything held below the head was acknowledged by another worker after our ack wait ran out.
        const current = held.filter((message) => head !== null && message.seq >= head.seq);
        if (current.length !== held.length) held = current;
        if (!head || held[0]?.seq !== head.seq) return 0;
        const limit = Math.min(held.length, limits.maxBatch);
        let count = 1;
        while (count < limit && consecutive(held[count - 1]!, held[count]!)) count++;
        if (count < limit) {
          const info = await manager.consumers.info(settings.stream, consumerName(partition));
          if (info.num_ack_pending === held.length) count = limit;
        }
        return count;
      }

      const pump = (async () => {
        while (!state.stopped) {
          // The consumer's own limit, not the batch size: with the partition's head awaiting
          // redelivery, there is always room for it, so a lone worker never blocks itself.
          const room = settings.maxBatch - held.length;
          if (room <= 0) {
            await changed.wait(PULL_EXPIRES_MS);
            continue;
          }
          try {
            for await (const message of await consumer.fetch({ max_messages: room, expires: PULL_EXPIRES_MS })) hold(message);
          } catch {
            // Disconnected: the client reconnects by itself; do not spin meanwhile.
            await changed.wait(500);
          }
        }
      })();

      let blockedWaitMs = BLOCKED_WAIT_MS.first;
      while (!state.stopped) {
        if (held.length === 0) {
          await changed.wait();
          continue;
        }
        const fillLeftMs = firstHeldAt + limits.maxWaitMs - Date.now();
        if (held.length < limits.maxBatch && fillLeftMs > 0) {
          await changed.wait(fillLeftMs);
          continue;
        }
        const count = await handOutCount().catch(() => 0);
        if (state.stopped) break;
        if (count === 0) {
          // Not woken by arrivals: a burst would otherwise ask the server once per message.
          await stopping.wait(blockedWaitMs);
          blockedWaitMs = Math.min(blockedWaitMs * 2, BLOCKED_WAIT_MS.most);
          continue;
        }
        blockedWaitMs = BLOCKED_WAIT_MS.first;
        const batch = held.slice(0, count);
        await slots.acquire();
        try {
          await handler(batch.map((message) => toWorkMessage(message, partition)));
          // Failed acknowledgements are harmless: the messages come again and the ledger is idempotent.
          await Promise.all(batch.map((message) => message.ackAck().catch(() => false)));
        } catch {
          for (const message of batch) message.nak(settings.retryDelayMs);
        } finally {
          slots.release();
        }
        const settled = new Set(batch.map((message) => message.seq));
        held = held.filter((message) => !settled.has(message.seq));
        changed.notify();
      }

      await pump;
      clearInterval(heartbeat);
      // Hand back at once what was never handed out, so other workers need not wait for the ack wait.
      for (const message of held) message.nak();
    }

    const partitions = consumers.map((consumer, partition) => runPartition(partition, consumer));
    return {
      async stop() {
        state.stopped = true;
        stopping.notify();
        for (const signal of signals) signal.notify();
        await Promise.allSettled(partitions);
      },
    };
  }

  return {
    async enqueue(messages: ReadonlyArray<WorkMessageInput>) {
      const { client } = await connect();
      try {
        // Issued in order on one connection, so the server stores one key's messages in order.
        await Promise.all(
          messages.map((message) =>
            client.publish(
              `${settings.subject}.${partitionOf(message.key, settings.partitions)}`,
              encoder.encode(JSON.stringify({ id: message.id, key: message.key, payload: message.payload })),
              { msgID: message.id },
            ),
          ),
        );
      } catch (error) {
        throw new QueueError(`Publishing to JetStream stream \`${settings.stream}\` failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
      }
    },

    consumeBatches,

    consume(handler: WorkHandler, consumeOptions: ConsumeOptions = {}): Promise<WorkSubscription> {
      return consumeBatches(([message]) => handler(message!), { maxBatch: 1, maxWaitMs: 0, concurrency: consumeOptions.concurrency ?? settings.partitions });
    },

    async close() {
      const opened = setup;
      setup = undefined;
      const connection = await opened?.then((value) => value.connection).catch(() => undefined);
      if (connection && !connection.isClosed()) await connection.drain();
    },
  };
}

/** Two first deliveries, one right after the other: nothing of the partition lies between them. */
function consecutive(earlier: JetStreamMessage, later: JetStreamMessage): boolean {
  return earlier.info.deliveryCount === 1 && later.info.deliveryCount === 1 && later.info.deliverySequence === earlier.info.deliverySequence + 1;
}

/** A counting semaphore. */
function createSlots(size: number) {
  let free = size;
  const waiting: Array<() => void> = [];
  return {
    async acquire(): Promise<void> {
      if (free > 0) free--;
      else await new Promise<void>((resolve) => waiting.push(resolve));
    },
    release() {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
}

/** Wakes whoever waits (optionally at most `timeoutMs`) when something changed. */
function createSignal() {
  let waiters: Array<() => void> = [];
  return {
    wait(timeoutMs?: number): Promise<void> {
      return new Promise((resolve) => {
        const timer = timeoutMs === undefined ? undefined : setTimeout(done, timeoutMs);
        function done() {
          clearTimeout(timer);
          waiters = waiters.filter((waiter) => waiter !== done);
          resolve();
        }
        waiters.push(done);
      });
    },
    notify() {
      const woken = waiters;
      waiters = [];
      for (const resolve of woken) resolve();
    },
  };
}

/** The NATS client and JetStream, by literal specifiers (bundlers and file tracers see them), loaded once. */
const loadNats = optionalPeer('The JetStream queue (`natsQueue`)', ['@nats-io/transport-node', '@nats-io/jetstream'], async () => {
  const [transport, jetstream] = await Promise.all([import('@nats-io/transport-node'), import('@nats-io/jetstream')]);
  return { ...transport, ...jetstream } as unknown as NatsModules;
});

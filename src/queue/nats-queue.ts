import { z } from 'zod';
import { InvalidOptionsError, QueueError, formatIssues, toValidationIssues } from '../errors.js';
import type { WorkHandler, WorkMessageInput, WorkQueue, WorkSubscription } from './work-queue.js';

/** Options of {@link natsQueue}. */
export interface NatsQueueOptions {
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  /** JetStream stream name; created when missing. @default 'SOCIAL_CRM_WORK' */
  stream?: string;
  /** Subject prefix; partition `n` publishes to `<subject>.<n>`. @default 'social-crm.work' */
  subject?: string;
  /**
   * Number of partitions. Keys are hashed onto partitions, and each partition is delivered one
   * message at a time, so this caps parallelism across all workers. Fix it when the stream is
   * created: changing it later moves keys to other partitions. @default 16
   */
  partitions?: number;
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
    ackWaitMs: z.number().int().min(1000).default(30_000),
    retryDelayMs: z.number().int().min(0).default(1000),
    duplicateWindowMs: z.number().int().min(1000).default(120_000),
    name: z.string().optional(),
  })
  .strict();

const NANOSECONDS_PER_MILLISECOND = 1_000_000;
/** How long one pull waits for a message before asking again (the server's minimum is 1 s). */
const PULL_EXPIRES_MS = 1000;

/** The part of the NATS client the queue uses (structural, so the published types need no NATS types). */
interface NatsConnection {
  drain(): Promise<void>;
  isClosed(): boolean;
}
interface JetStreamMessage {
  data: Uint8Array;
  info: { deliveryCount: number };
  ackAck(): Promise<boolean>;
  nak(millis?: number): void;
  working(): void;
}
interface NatsModules {
  connect(options: { servers: string | string[]; name?: string; maxReconnectAttempts?: number }): Promise<NatsConnection>;
  jetstream(connection: NatsConnection): {
    publish(subject: string, data: Uint8Array, options?: { msgID?: string }): Promise<unknown>;
    consumers: { get(stream: string, name: string): Promise<{ next(options?: { expires?: number }): Promise<JetStreamMessage | null> }> };
  };
  jetstreamManager(connection: NatsConnection): Promise<{
    streams: { info(name: string): Promise<unknown>; add(config: Record<string, unknown>): Promise<unknown> };
    consumers: { add(stream: string, config: Record<string, unknown>): Promise<unknown> };
  }>;
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
 * onto partitions. Each partition has a durable pull consumer with `max_ack_pending: 1`, so
 * any number of workers can pull from it while the server still hands out one message per
 * partition at a time, in order. A worker that dies leaves its message unacknowledged, and
 * after `ackWaitMs` the message goes to another worker. `@nats-io/transport-node` and
 * `@nats-io/jetstream` are optional peer dependencies, loaded on first use.
 *
 * @example
 * const queue = natsQueue({ servers: 'nats://127.0.0.1:4222' });
 */
export function natsQueue(options: NatsQueueOptions): WorkQueue {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issues = toValidationIssues(parsed.error.issues);
    throw new InvalidOptionsError(`natsQueue() options are invalid:\n${formatIssues(issues)}`, issues);
  }
  const settings = parsed.data;
  const consumerName = (partition: number) => `${settings.stream}_p${partition}`;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let setup: Promise<{ connection: NatsConnection; client: ReturnType<NatsModules['jetstream']> }> | undefined;

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
      for (let partition = 0; partition < settings.partitions; partition++) {
        // Adding a consumer with an identical configuration is a no-op, so racing workers agree.
        await manager.consumers.add(settings.stream, {
          durable_name: consumerName(partition),
          filter_subject: `${settings.subject}.${partition}`,
          ack_policy: 'explicit',
          deliver_policy: 'all',
          max_ack_pending: 1,
          ack_wait: settings.ackWaitMs * NANOSECONDS_PER_MILLISECOND,
        });
      }
      return { connection, client: modules.jetstream(connection) };
    })().catch((error: unknown) => {
      setup = undefined;
      throw new QueueError(`Could not set up the JetStream queue \`${settings.stream}\` on ${String(settings.servers)}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    });
    return setup;
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

    async consume(handler: WorkHandler): Promise<WorkSubscription> {
      const { client } = await connect();
      let stopped = false;
      // One pull loop per partition: a worker handles at most `partitions` messages at once.
      const loops = Array.from({ length: settings.partitions }, async (_, partition) => {
        const consumer = await client.consumers.get(settings.stream, consumerName(partition));
        while (!stopped) {
          let message: JetStreamMessage | null = null;
          try {
            message = await consumer.next({ expires: PULL_EXPIRES_MS });
          } catch {
            // Disconnected: the client reconnects by itself; do not spin meanwhile.
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
          if (message) await deliver(message);
        }
      });

      async function deliver(message: JetStreamMessage) {
        const heartbeat = setInterval(() => message.working(), Math.max(500, settings.ackWaitMs / 3));
        try {
          const body = JSON.parse(decoder.decode(message.data)) as WorkMessageInput;
          await handler({ ...body, attempt: message.info.deliveryCount });
          await message.ackAck();
        } catch {
          message.nak(settings.retryDelayMs);
        } finally {
          clearInterval(heartbeat);
        }
      }

      return {
        async stop() {
          stopped = true;
          await Promise.allSettled(loops);
        },
      };
    },

    async close() {
      const opened = setup;
      setup = undefined;
      const connection = await opened?.then((value) => value.connection).catch(() => undefined);
      if (connection && !connection.isClosed()) await connection.drain();
    },
  };
}

async function loadNats(): Promise<NatsModules> {
  const names = ['@nats-io/transport-node', '@nats-io/jetstream'] as const;
  try {
    const [transport, jetstream] = await Promise.all(names.map((name) => import(name) as Promise<Record<string, unknown>>));
    return { ...transport, ...jetstream } as unknown as NatsModules;
  } catch (error) {
    throw new QueueError(`The JetStream queue needs the optional peer dependencies ${names.map((name) => `\`${name}\``).join(' and ')}. Install them: npm install ${names.join(' ')}`, {
      cause: error,
    });
  }
}

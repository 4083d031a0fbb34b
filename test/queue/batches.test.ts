import { afterAll, describe, expect, it } from 'vitest';
import { createSocialCrm, memoryLedger, type InteractionLedger } from 'social-crm';
import { canonicalWebhookAdapter } from 'social-crm/adapters/canonical';
import { CANONICAL_SECRET, canonicalRequest, post } from '../helpers/canonical.js';
import { createWebhookIntake, createWorker, memoryQueue, natsQueue, type WorkBatchHandler, type WorkItem, type WorkMessage, type WorkQueue } from '../../src/queue/index.js';
import { partitionOf } from '../../src/queue/nats-queue.js';
import { toMessage } from '../../src/queue/work-item.js';
import { NATS_URL, RUN, deleteStreams, natsStreamOptions, quiet, sleep, until } from './support.js';

/** A queue under test, and a second handle on the same queue (another worker, for JetStream). */
interface OpenQueue {
  queue: WorkQueue;
  peer(): WorkQueue;
  close(): Promise<void>;
}

const range = (length: number) => Array.from({ length }, (_, index) => index);
const numberOf = (message: WorkMessage) => (message.payload as { n: number }).n;
const event = (adapterId: string, nativeId: string, conversation: string): WorkItem => ({
  type: 'event',
  adapterId,
  source: 'webhook',
  event: {
    type: 'interaction',
    interaction: { channel: adapterId, nativeId, kind: 'direct_message', conversationId: conversation, author: { channel: adapterId, nativeId: 'ayse' }, text: `hello ${nativeId}`, createdAt: '2026-11-20T10:00:00Z' },
  } as never,
});

/** Batches: formed from a burst, acknowledged after the handler, in order per key, bounded. */
function batchContract(name: string, open: () => OpenQueue) {
  describe(`WorkQueue batches: ${name}`, () => {
    it('hands a burst of 250 messages out in batches of at most maxBatch, each key in order', async () => {
      const { queue, close } = open();
      const sizes: number[] = [];
      const seen = new Map<string, number[]>();
      await queue.enqueue(range(250).map((n) => ({ id: `${RUN}-burst-${n}`, key: `k${n % 25}`, payload: { n } })));
      const subscription = await queue.consumeBatches!(
        async (messages) => {
          sizes.push(messages.length);
          for (const message of messages) seen.set(message.key, [...(seen.get(message.key) ?? []), numberOf(message)]);
        },
        { maxBatch: 40, maxWaitMs: 20, concurrency: 2 },
      );
      try {
        await until(() => sizes.reduce((sum, size) => sum + size, 0) >= 250, 20_000, 'all 250 messages');
        expect(Math.max(...sizes)).toBeLessThanOrEqual(40);
        expect(sizes.length).toBeLessThan(25);
        for (let key = 0; key < 25; key++) expect(seen.get(`k${key}`)).toEqual(range(10).map((index) => key + index * 25));
      } finally {
        await subscription.stop();
        await close();
      }
    });

    it('hands a whole batch back when the handler throws, so nothing is lost', async () => {
      const { queue, close } = open();
      const handled = new Map<string, number>();
      let failed: string[] | undefined;
      await queue.enqueue(range(100).map((n) => ({ id: `${RUN}-fail-${n}`, key: `k${n % 10}`, payload: { n } })));
      const subscription = await queue.consumeBatches!(
        async (messages) => {
          if (!failed && messages.length > 1) {
            failed = messages.map((message) => message.id);
            throw new Error('the database went away');
          }
          for (const message of messages) handled.set(message.id, message.attempt);
        },
        { maxBatch: 30, maxWaitMs: 20 },
      );
      try {
        await until(() => handled.size === 100, 20_000, 'all 100 messages');
        expect(failed!.length).toBeGreaterThan(1);
        for (const id of failed!) expect(handled.get(id)).toBe(2);
        expect([...handled.values()].filter((attempt) => attempt === 1)).toHaveLength(100 - failed!.length);
      } finally {
        await subscription.stop();
        await close();
      }
    });

    it('keeps each key in order across batches and consumers, a failed batch first, no key in two batches at once', async () => {
      const { queue, peer, close } = open();
      const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
      const handled = new Map<string, number[]>();
      const inFlight = new Set<string>();
      let overlaps = 0;
      let failures = 0;
      const handler: WorkBatchHandler = async (messages) => {
        const batchKeys = new Set(messages.map((message) => message.key));
        for (const key of batchKeys) {
          if (inFlight.has(key)) overlaps++;
          inFlight.add(key);
        }
        try {
          await sleep(Math.random() * 4);
          if (failures === 0 && batchKeys.has('c')) {
            failures++;
            throw new Error('transient');
          }
          for (const message of messages) handled.set(message.key, [...(handled.get(message.key) ?? []), numberOf(message)]);
        } finally {
          for (const key of batchKeys) inFlight.delete(key);
        }
      };
      const options = { maxBatch: 7, maxWaitMs: 5, concurrency: 3 };
      const second = peer();
      const subscriptions = [await queue.consumeBatches!(handler, options), await second.consumeBatches!(handler, options)];
      try {
        // Enqueued while the consumers run, so batches form from partial arrivals too.
        for (let chunk = 0; chunk < 6; chunk++) {
          await queue.enqueue(keys.flatMap((key) => range(5).map((index) => ({ id: `${RUN}-order-${key}-${chunk * 5 + index}`, key, payload: { n: chunk * 5 + index } }))));
          await sleep(5);
        }
        await until(() => [...handled.values()].reduce((sum, list) => sum + list.length, 0) === 180, 30_000, 'all 180 messages');
        for (const key of keys) expect(handled.get(key)).toEqual(range(30));
        expect(failures).toBe(1);
        expect(overlaps).toBe(0);
      } finally {
        for (const subscription of subscriptions) await subscription.stop();
        if (second !== queue) await second.close();
        await close();
      }
    });

    it('holds at most concurrency × maxBatch messages in handlers under a burst', async () => {
      const { queue, close } = open();
      let held = 0;
      let mostHeld = 0;
      let handled = 0;
      await queue.enqueue(range(250).map((n) => ({ id: `${RUN}-bound-${n}`, key: `k${n % 50}`, payload: { n } })));
      const subscription = await queue.consumeBatches!(
        async (messages) => {
          held += messages.length;
          mostHeld = Math.max(mostHeld, held);
          await sleep(2);
          held -= messages.length;
          handled += messages.length;
        },
        { maxBatch: 10, maxWaitMs: 5, concurrency: 2 },
      );
      try {
        await until(() => handled === 250, 20_000, 'all 250 messages');
        expect(mostHeld).toBeGreaterThan(1);
        expect(mostHeld).toBeLessThanOrEqual(20);
      } finally {
        await subscription.stop();
        await close();
      }
    });

    it('stop() waits for the batch in flight and acknowledges it', async () => {
      const { queue, peer, close } = open();
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let first: string[] | undefined;
      await queue.enqueue(range(20).map((n) => ({ id: `${RUN}-stop-${n}`, key: 'k', payload: { n } })));
      const subscription = await queue.consumeBatches!(
        async (messages) => {
          first ??= messages.map((message) => message.id);
          await released;
        },
        { maxBatch: 5, maxWaitMs: 0 },
      );
      const second = peer();
      const later: string[] = [];
      try {
        await until(() => first !== undefined, 20_000, 'the first batch');
        let stopped = false;
        const stopping = subscription.stop().then(() => (stopped = true));
        await sleep(20);
        expect(stopped).toBe(false);
        release();
        await stopping;
        const again = await second.consumeBatches!(async (messages) => void later.push(...messages.map((message) => message.id)), { maxBatch: 5, maxWaitMs: 0 });
        await until(() => later.length >= 20 - first!.length, 20_000, 'the remaining messages');
        await again.stop();
        expect(later.filter((id) => first!.includes(id))).toEqual([]);
        expect(later).toEqual(range(20).slice(first!.length).map((n) => `${RUN}-stop-${n}`));
      } finally {
        release();
        if (second !== queue) await second.close();
        await close();
      }
    });
  });
}

batchContract('memoryQueue', () => {
  const queue = memoryQueue({ retryDelayMs: 5 });
  return { queue, peer: () => queue, close: () => queue.close() };
});

describe.skipIf(!NATS_URL)('NATS JetStream batches', () => {
  const streams: string[] = [];
  afterAll(async () => {
    await deleteStreams(streams);
  });

  batchContract('natsQueue', () => {
    const options = { ...natsStreamOptions(streams, 'batch'), maxBatch: 50 };
    const queue = natsQueue(options);
    return { queue, peer: () => natsQueue(options), close: () => queue.close() };
  });

  it('updates consumers created with max_ack_pending 1 and delivers what they held', async () => {
    const options = { ...natsStreamOptions(streams, 'migrate'), maxBatch: 25 };
    const { connect } = await import('@nats-io/transport-node');
    const { jetstream, jetstreamManager } = await import('@nats-io/jetstream');
    const connection = await connect({ servers: NATS_URL! });
    const manager = await jetstreamManager(connection);
    // The stream and consumers exactly as the earlier version created them.
    await manager.streams.add({ name: options.stream, subjects: [`${options.subject}.*`], retention: 'workqueue', storage: 'file' });
    for (let partition = 0; partition < options.partitions; partition++) {
      await manager.consumers.add(options.stream, {
        durable_name: `${options.stream}_p${partition}`,
        filter_subject: `${options.subject}.${partition}`,
        ack_policy: 'explicit',
        deliver_policy: 'all',
        max_ack_pending: 1,
        ack_wait: 30_000 * 1_000_000,
      } as never);
    }
    const client = jetstream(connection);
    for (let n = 0; n < 40; n++) {
      const key = `k${n % 8}`;
      await client.publish(`${options.subject}.${partitionOf(key, options.partitions)}`, JSON.stringify({ id: `old-${n}`, key, payload: { n } }), { msgID: `old-${n}` });
    }
    const queue = natsQueue(options);
    const handled = new Map<string, number[]>();
    let largest = 0;
    const subscription = await queue.consumeBatches!(async (messages) => {
      largest = Math.max(largest, messages.length);
      for (const message of messages) handled.set(message.key, [...(handled.get(message.key) ?? []), numberOf(message)]);
    });
    try {
      await until(() => [...handled.values()].reduce((sum, list) => sum + list.length, 0) === 40, 20_000, 'the 40 queued messages');
      for (let key = 0; key < 8; key++) expect(handled.get(`k${key}`)).toEqual(range(5).map((index) => key + index * 8));
      expect(largest).toBeGreaterThan(1);
      for (let partition = 0; partition < options.partitions; partition++) {
        const info = await manager.consumers.info(options.stream, `${options.stream}_p${partition}`);
        expect(info.config).toMatchObject({ max_ack_pending: 25, ack_wait: options.ackWaitMs * 1_000_000 });
      }
    } finally {
      await subscription.stop();
      await queue.close();
      await connection.drain();
    }
  });

  it('hands a message that is not ours to the worker, which dead-letters it and stores the rest', async () => {
    const options = natsStreamOptions(streams, 'garbage');
    const queue = natsQueue(options);
    const ledger = memoryLedger();
    const crm = createSocialCrm({ ledger, adapters: [canonicalWebhookAdapter({ secret: CANONICAL_SECRET })], classifier: false, logger: quiet });
    const { connect } = await import('@nats-io/transport-node');
    const { jetstream } = await import('@nats-io/jetstream');
    const connection = await connect({ servers: NATS_URL! });
    const worker = createWorker(crm, queue, { maxAttempts: 2, logger: quiet });
    try {
      await queue.enqueue([toMessage(event('canonical', 'before', 'c'), 'canonical:c')]);
      await jetstream(connection).publish(`${options.subject}.${partitionOf('canonical:c', options.partitions)}`, 'not json at all');
      await queue.enqueue([toMessage(event('canonical', 'after', 'c'), 'canonical:c')]);
      await worker.start();
      await until(async () => (await ledger.listDeadLetters()).items.length === 1 && worker.stats.processed === 2, 20_000, 'the dead letter and both events');
      expect((await ledger.listDeadLetters()).items[0]).toMatchObject({ stage: 'ingest', payload: 'not json at all', attempts: 2, error: { name: 'QueueError' } });
      expect((await ledger.queryInteractions({ channel: 'canonical', limit: 10 })).items.map((item) => item.nativeId).sort()).toEqual(['after', 'before']);
    } finally {
      await worker.stop();
      await queue.close();
      await connection.drain();
    }
  });

  it('refuses a stream whose consumer reads another subject, with a QueueError', async () => {
    const options = natsStreamOptions(streams, 'foreign');
    const { connect } = await import('@nats-io/transport-node');
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const connection = await connect({ servers: NATS_URL! });
    const manager = await jetstreamManager(connection);
    await manager.streams.add({ name: options.stream, subjects: [`${options.subject}.*`], retention: 'workqueue', storage: 'file' });
    await manager.consumers.add(options.stream, { durable_name: `${options.stream}_p0`, filter_subject: `${options.subject}.9`, ack_policy: 'explicit' } as never);
    await connection.drain();
    const queue = natsQueue(options);
    try {
      await expect(queue.consumeBatches!(async () => {})).rejects.toMatchObject({ name: 'QueueError', message: expect.stringContaining(`reads \`${options.subject}.9\``) });
    } finally {
      await queue.close();
    }
  });
});

describe('worker batches (in process)', () => {
  function makeCrm(ledger: InteractionLedger, hooks?: Parameters<typeof createSocialCrm>[0]['hooks']) {
    return createSocialCrm({
      ledger,
      adapters: [canonicalWebhookAdapter({ secret: CANONICAL_SECRET }), canonicalWebhookAdapter({ secret: CANONICAL_SECRET, id: 'web-form' })],
      classifier: false,
      logger: quiet,
      ...(hooks ? { hooks } : {}),
    });
  }

  it('runs a burst from the intake through the pipeline in batches and stores each interaction once', async () => {
    const ledger = memoryLedger();
    const crm = makeCrm(ledger);
    const queue = memoryQueue({ retryDelayMs: 5 });
    const intake = createWebhookIntake(crm, queue, { logger: quiet });
    const response = await intake.handle(await canonicalRequest(range(250).map((n) => post(`b${n}`, `burst ${n}`, { conversationId: `c${n % 25}` }))));
    expect(response.status).toBe(200);
    expect(queue.size()).toBe(250);
    const worker = createWorker(crm, queue, { maxBatch: 50, logger: quiet });
    await worker.start();
    await queue.idle();
    await worker.stop();
    expect(worker.stats).toMatchObject({ processed: 250, retried: 0, deadLettered: 0 });
    expect(worker.stats.batches).toBeLessThanOrEqual(10);
    expect((await ledger.queryInteractions({ channel: 'canonical', limit: 1000 })).items).toHaveLength(250);
  });

  it('dead-letters only the poison item of a batch at its last delivery and stores the rest', async () => {
    const ledger = memoryLedger();
    const crm = makeCrm(ledger);
    const queue = memoryQueue({ retryDelayMs: 1 });
    const good = range(9).map((n) => toMessage(event('canonical', `p${n}`, `c${n % 3}`), `canonical:c${n % 3}`));
    await queue.enqueue([...good.slice(0, 4), { id: 'poison', key: 'canonical:c1', payload: { type: 'from-a-newer-intake', adapterId: 'canonical' } }, ...good.slice(4)]);
    const worker = createWorker(crm, queue, { maxAttempts: 3, logger: quiet });
    await worker.start();
    await queue.idle();
    await worker.stop();
    expect(worker.stats).toMatchObject({ processed: 9, retried: 20, deadLettered: 1, batches: 1 });
    expect((await ledger.queryInteractions({ channel: 'canonical', limit: 100 })).items).toHaveLength(9);
    const letters = (await ledger.listDeadLetters()).items;
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ stage: 'ingest', attempts: 3, adapterId: 'canonical', payload: { type: 'from-a-newer-intake' } });
  });

  it('runs one batch of two adapters and rejected items', async () => {
    const ledger = memoryLedger();
    const crm = makeCrm(ledger);
    const queue = memoryQueue({ retryDelayMs: 1 });
    const rejected: WorkItem = { type: 'rejected', adapterId: 'web-form', item: { nativeId: 'broken' }, error: { name: 'InvalidPayloadError', message: 'no text' } };
    await queue.enqueue([
      toMessage(event('canonical', 'm1', 'shared'), 'shared'),
      toMessage(event('web-form', 'f1', 'form'), 'web-form:form'),
      toMessage(rejected, 'web-form:broken'),
      // One key in two adapters' items: the calls follow the batch's order.
      toMessage(event('web-form', 'f2', 'shared'), 'shared'),
      toMessage(event('canonical', 'm2', 'shared'), 'shared'),
    ]);
    const worker = createWorker(crm, queue, { logger: quiet });
    await worker.start();
    await queue.idle();
    await worker.stop();
    expect(worker.stats).toMatchObject({ processed: 5, retried: 0, batches: 1 });
    expect((await ledger.queryInteractions({ channel: 'canonical', limit: 10 })).items.map((item) => item.nativeId).sort()).toEqual(['m1', 'm2']);
    expect((await ledger.queryInteractions({ channel: 'web-form', limit: 10 })).items.map((item) => item.nativeId).sort()).toEqual(['f1', 'f2']);
    expect((await ledger.listDeadLetters()).items).toMatchObject([{ stage: 'validate', adapterId: 'web-form', payload: { type: 'rejected', item: { nativeId: 'broken' } } }]);
  });

  it('consumes a queue without batches one message at a time', async () => {
    const ledger = memoryLedger();
    const crm = makeCrm(ledger);
    const inner = memoryQueue({ retryDelayMs: 1 });
    const singles: WorkQueue = { enqueue: (messages) => inner.enqueue(messages), consume: (handler, options) => inner.consume(handler, options), close: () => inner.close() };
    await singles.enqueue(range(12).map((n) => toMessage(event('canonical', `s${n}`, `c${n % 4}`), `canonical:c${n % 4}`)));
    const worker = createWorker(crm, singles, { logger: quiet });
    await worker.start();
    await inner.idle();
    await worker.stop();
    expect(worker.stats).toMatchObject({ processed: 12, batches: 12 });
    expect((await ledger.queryInteractions({ channel: 'canonical', limit: 100 })).items).toHaveLength(12);
  });

  it('holds at most concurrency × maxBatch items, and stop() lets them finish', async () => {
    const ledger = memoryLedger();
    const crm = makeCrm(ledger, { afterReceive: [async () => void (await sleep(1))] });
    const queue = memoryQueue({ retryDelayMs: 1 });
    const counted: WorkQueue = {
      ...queue,
      consumeBatches: (handler, options) =>
        queue.consumeBatches(async (messages) => {
          held += messages.length;
          mostHeld = Math.max(mostHeld, held);
          try {
            await handler(messages);
          } finally {
            held -= messages.length;
          }
        }, options),
    };
    let held = 0;
    let mostHeld = 0;
    await queue.enqueue(range(300).map((n) => toMessage(event('canonical', `h${n}`, `c${n % 30}`), `canonical:c${n % 30}`)));
    const worker = createWorker(crm, counted, { concurrency: 2, maxBatch: 10, logger: quiet });
    await worker.start();
    await until(() => worker.stats.processed >= 50, 20_000, 'the first 50 items');
    await worker.stop();
    expect(held).toBe(0);
    expect(mostHeld).toBeGreaterThan(10);
    expect(mostHeld).toBeLessThanOrEqual(20);
    expect(queue.size()).toBe(300 - worker.stats.processed);
    expect((await ledger.queryInteractions({ channel: 'canonical', limit: 1000 })).items).toHaveLength(worker.stats.processed);
  });
});

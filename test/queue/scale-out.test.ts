import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createSocialCrm, memoryLedger, type InteractionLedger } from 'social-crm';
import { canonicalWebhookAdapter } from 'social-crm/adapters/canonical';
import { CANONICAL_SECRET, canonicalRequest, post } from '../helpers/canonical.js';
import { postgresLedger } from '../../src/ledgers/postgres/index.js';
import { createWebhookIntake, createWorker, memoryQueue, natsQueue, type WorkMessage, type WorkQueue } from '../../src/queue/index.js';
import { NATS_URL, POSTGRES_URL, RUN, deleteStreams, natsStreamOptions, quiet, sleep, until } from './support.js';
if (!NATS_URL) console.info('[queue] SOCIAL_CRM_TEST_NATS_URL is not set: the JetStream tests are skipped; the in-process queue tests still run.');
if (!NATS_URL || !POSTGRES_URL) {
  console.info('[queue] The SIGKILL test needs SOCIAL_CRM_TEST_NATS_URL and SOCIAL_CRM_TEST_POSTGRES_URL; it is skipped.');
}

function makeCrm(ledger: InteractionLedger) {
  return createSocialCrm({ ledger, adapters: [canonicalWebhookAdapter({ secret: CANONICAL_SECRET })], classifier: false, logger: quiet });
}

/** Per-key order and at-least-once, for any WorkQueue. */
function queueContract(name: string, create: () => WorkQueue | Promise<WorkQueue>, destroy: (queue: WorkQueue) => Promise<void>) {
  describe(`WorkQueue contract: ${name}`, () => {
    it('delivers each key in order, keys in parallel, across two consumers', async () => {
      const queue = await create();
      const seen = new Map<string, number[]>();
      let active = 0;
      let maxActive = 0;
      const handler = async (message: WorkMessage) => {
        active++;
        maxActive = Math.max(maxActive, active);
        await sleep(Math.random() * 4);
        const list = seen.get(message.key) ?? [];
        list.push((message.payload as { n: number }).n);
        seen.set(message.key, list);
        active--;
      };
      const consumers = [await queue.consume(handler, { concurrency: 4 }), await queue.consume(handler, { concurrency: 4 })];
      const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
      await queue.enqueue(keys.flatMap((key) => Array.from({ length: 15 }, (_, n) => ({ id: `${RUN}-${key}-${n}`, key, payload: { n } }))));
      try {
        await until(() => [...seen.values()].reduce((sum, list) => sum + list.length, 0) === 90, 20_000, 'all messages');
        for (const key of keys) expect(seen.get(key)).toEqual(Array.from({ length: 15 }, (_, n) => n));
        expect(maxActive).toBeGreaterThan(1);
      } finally {
        for (const consumer of consumers) await consumer.stop();
        await destroy(queue);
      }
    });

    it('delivers a failed message again before the next one of its key', async () => {
      const queue = await create();
      const log: string[] = [];
      const consumer = await queue.consume(async (message) => {
        log.push(`${(message.payload as { n: number }).n}@${message.attempt}`);
        if ((message.payload as { n: number }).n === 0 && message.attempt === 1) throw new Error('transient');
      });
      try {
        await queue.enqueue([0, 1].map((n) => ({ id: `${RUN}-retry-${n}`, key: 'k', payload: { n } })));
        await until(() => log.length >= 3, 20_000, 'the redelivery');
        expect(log).toEqual(['0@1', '0@2', '1@1']);
      } finally {
        await consumer.stop();
        await destroy(queue);
      }
    });
  });
}

queueContract('memoryQueue', () => memoryQueue({ retryDelayMs: 5 }), async (queue) => queue.close());

describe('intake and workers (in process)', () => {
  it('acknowledges verified webhooks, rejects forged ones, and workers store each interaction once, edits after originals', async () => {
    const ledger = memoryLedger();
    const crm = makeCrm(ledger);
    const queue = memoryQueue({ retryDelayMs: 5 });
    const intake = createWebhookIntake(crm, queue, { logger: quiet });

    const forged = await canonicalRequest([post('x', 'forged')], { secret: 'not-the-secret-0123456789' });
    expect((await intake.handle(forged)).status).toBe(401);
    expect(queue.size()).toBe(0);

    for (let index = 0; index < 40; index++) {
      const response = await intake.handle(await canonicalRequest([post(`m${index}`, `original ${index}`, { conversationId: `c${index % 5}` })]));
      expect(response.status).toBe(200);
      if (index % 4 === 0) {
        await intake.handle(await canonicalRequest([post(`m${index}`, `edited ${index}`, { conversationId: `c${index % 5}`, state: 'edited', editedAt: '2026-11-20T11:00:00Z' })]));
      }
    }
    // a redelivery, a deletion, and an item the adapter rejects (dead-lettered by the worker)
    await intake.handle(await canonicalRequest([post('m1', 'original 1', { conversationId: 'c1' })]));
    await intake.handle(await canonicalRequest([{ type: 'deletion', nativeId: 'm2', deletedAt: '2026-11-20T12:00:00Z' }]));
    expect((await intake.handle(await canonicalRequest([{ nativeId: 'broken' }]))).status).toBe(200);

    const workers = [createWorker(crm, queue, { logger: quiet }), createWorker(crm, queue, { logger: quiet })];
    for (const worker of workers) await worker.start();
    await queue.idle();
    for (const worker of workers) await worker.stop();

    const stored = await ledger.queryInteractions({ channel: 'canonical', includeDeleted: true, limit: 1000 });
    expect(stored.items).toHaveLength(40);
    for (let index = 0; index < 40; index += 4) {
      expect((await ledger.getInteraction(`canonical:m${index}`))?.text).toBe(`edited ${index}`);
    }
    expect((await ledger.getInteraction('canonical:m2'))?.state).toBe('deleted');
    const letters = (await ledger.listDeadLetters()).items;
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ stage: 'validate', adapterId: 'canonical', payload: { type: 'rejected', item: { nativeId: 'broken' } } });
  });

  it('keeps redelivering while the ledger is down, then stores once', async () => {
    const ledger = memoryLedger();
    let failures = 3;
    const flaky = (target: InteractionLedger): InteractionLedger => ({
      ...target,
      async appendInteraction(interaction) {
        if (failures-- > 0) throw new Error('database unavailable');
        return target.appendInteraction(interaction);
      },
      async addDeadLetter() {
        throw new Error('database unavailable');
      },
      // The ledger a transaction gives its task fails the same way.
      transaction: (task) => target.transaction!((scoped) => task(flaky(scoped))),
    });
    const crm = makeCrm(flaky(ledger));
    const queue = memoryQueue({ retryDelayMs: 1 });
    await createWebhookIntake(crm, queue, { logger: quiet }).handle(await canonicalRequest([post('f1', 'eventually')]));
    const worker = createWorker(crm, queue, { maxAttempts: 10, logger: quiet });
    await worker.start();
    await queue.idle();
    await worker.stop();
    expect(worker.stats).toMatchObject({ processed: 1, retried: 3, deadLettered: 0 });
    expect((await ledger.getInteraction('canonical:f1'))?.text).toBe('eventually');
  });

  it('answers 503 when the queue refuses the work, so the network redelivers', async () => {
    const crm = makeCrm(memoryLedger());
    const broken: WorkQueue = {
      enqueue: async () => {
        throw new Error('queue down');
      },
      consume: async () => ({ stop: async () => {} }),
      close: async () => {},
    };
    const response = await createWebhookIntake(crm, broken, { logger: quiet }).handle(await canonicalRequest([post('q1', 'hello')]));
    expect(response.status).toBe(503);
  });

  it('keeps acknowledging while the database is down', async () => {
    const down: InteractionLedger = {
      ...memoryLedger(),
      async getInteraction() {
        throw new Error('database unavailable');
      },
    };
    const queue = memoryQueue();
    const intake = createWebhookIntake(makeCrm(down), queue, { logger: quiet });
    expect((await intake.handle(await canonicalRequest([post('d1', 'hello')]))).status).toBe(200);
    expect((await intake.handle(await canonicalRequest([{ type: 'deletion', nativeId: 'd0', deletedAt: '2026-11-20T12:00:00Z' }]))).status).toBe(200);
    expect(queue.size()).toBe(2);
  });

  it('stores an item as a dead letter after maxAttempts and acknowledges it', async () => {
    const ledger = memoryLedger();
    const crm = makeCrm(ledger);
    const queue = memoryQueue({ retryDelayMs: 1 });
    await queue.enqueue([{ id: 'poison', key: 'k', payload: { type: 'from-a-newer-intake', adapterId: 'canonical' } }]);
    const worker = createWorker(crm, queue, { maxAttempts: 3, logger: quiet });
    await worker.start();
    await queue.idle();
    await worker.stop();
    expect(worker.stats).toMatchObject({ processed: 0, retried: 2, deadLettered: 1 });
    const [letter] = (await ledger.listDeadLetters()).items;
    expect(letter).toMatchObject({ stage: 'ingest', attempts: 3, adapterId: 'canonical' });
  });
});

describe.skipIf(!NATS_URL)('NATS JetStream', () => {
  const streams: string[] = [];
  const natsOptions = () => natsStreamOptions(streams, 'so');
  afterAll(async () => {
    await deleteStreams(streams);
  });

  queueContract('natsQueue', () => natsQueue(natsOptions()), async (queue) => queue.close());

  it('drops a message whose id it saw within the duplicate window', async () => {
    const queue = natsQueue(natsOptions());
    const seen: string[] = [];
    const consumer = await queue.consume(async (message) => {
      seen.push(message.id);
    });
    try {
      await queue.enqueue([{ id: 'same', key: 'k', payload: 1 }]);
      await queue.enqueue([{ id: 'same', key: 'k', payload: 1 }, { id: 'other', key: 'k', payload: 2 }]);
      // One key is one partition, handled in order: once a later message of the key arrives, a
      // duplicate sent before it would have arrived too. No fixed wait needed.
      await queue.enqueue([{ id: 'after', key: 'k', payload: 3 }]);
      await until(() => seen.includes('after'), 30_000, 'the message sent after the duplicate');
      expect(seen).toEqual(['same', 'other', 'after']);
    } finally {
      await consumer.stop();
      await queue.close();
    }
  });

  describe.skipIf(!POSTGRES_URL)('with PostgreSQL', () => {
    it('stores every verified interaction exactly once when a worker process is killed with SIGKILL mid-batch', async () => {
      const options = natsOptions();
      const schema = `scrm_${RUN}_kill`;
      const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
      admin.on('error', () => undefined);
      const ledger = postgresLedger({ connectionString: POSTGRES_URL!, schema });
      const crm = makeCrm(ledger);
      const queue = natsQueue(options);
      const intake = createWebhookIntake(crm, queue, { logger: quiet });
      const children: ChildProcess[] = [];
      try {
        const total = 240;
        for (let index = 0; index < total; index++) {
          const response = await intake.handle(await canonicalRequest([post(`k${index}`, `original ${index}`, { conversationId: `conv${index % 12}` })]));
          expect(response.status).toBe(200);
          if (index % 6 === 0) {
            await intake.handle(await canonicalRequest([post(`k${index}`, `edited ${index}`, { conversationId: `conv${index % 12}`, state: 'edited', editedAt: '2026-11-20T11:00:00Z' })]));
          }
        }
        const environment = { ...process.env, WORKER_POSTGRES_URL: POSTGRES_URL!, WORKER_SCHEMA: schema, WORKER_NATS: JSON.stringify(options), WORKER_DELAY_MS: '15' };
        const count = async () => (await admin.query(`SELECT count(*)::int AS count FROM "${schema}".interactions`).catch(() => ({ rows: [{ count: 0 }] }))).rows[0].count as number;

        const victim = startWorker(environment);
        children.push(victim);
        await until(async () => (await count()) >= 40, 30_000, 'the first worker to store 40 interactions');
        victim.kill('SIGKILL');
        await new Promise((resolve) => victim.once('exit', resolve));
        const killedAt = await count();
        expect(killedAt).toBeLessThan(total);

        children.push(startWorker(environment));
        await until(async () => (await count()) === total, 40_000, 'the second worker to finish');
        await until(async () => {
          const { rows } = await admin.query(`SELECT count(*)::int AS count FROM "${schema}".interactions WHERE text LIKE 'edited %'`);
          return rows[0].count === total / 6;
        }, 20_000, 'every edit');

        const { rows } = await admin.query(`SELECT id, text FROM "${schema}".interactions ORDER BY id`);
        expect(rows).toHaveLength(total);
        expect(new Set(rows.map((row) => row.id)).size).toBe(total);
        for (let index = 0; index < total; index++) {
          const row = rows.find((candidate) => candidate.id === `canonical:k${index}`);
          expect(row?.text).toBe(index % 6 === 0 ? `edited ${index}` : `original ${index}`);
        }
        expect((await ledger.listDeadLetters()).items).toEqual([]);
      } finally {
        for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
        await queue.close();
        await ledger.close();
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await admin.end();
      }
    }, 120_000);

    it('runs examples/scale-out: an HTTP intake and two worker processes', async () => {
      const schema = `scrm_${RUN}_example`;
      const stream = `SCRM_${RUN}_EXAMPLE`;
      streams.push(stream);
      const script = fileURLToPath(new URL('../../examples/scale-out/index.ts', import.meta.url));
      const environment = { ...process.env, NATS_URL, DATABASE_URL: POSTGRES_URL, SCHEMA: schema, STREAM: stream, PORT: String(20_000 + Math.floor(Math.random() * 20_000)) };
      const output = await new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script], { env: environment, stdio: ['ignore', 'pipe', 'inherit'] });
        let text = '';
        child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
        child.once('exit', (code) => {
          clearTimeout(timer);
          if (code === 0) resolve(text);
          else reject(new Error(`the example exited with ${code}:\n${text}`));
        });
      });
      const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
      try {
        expect(output).toContain('all 200 interactions stored');
        const { rows } = await admin.query(`SELECT count(*)::int AS count FROM "${schema}".interactions`);
        expect(rows[0].count).toBe(200);
      } finally {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await admin.end();
      }
    }, 120_000);
  });
});

function startWorker(environment: NodeJS.ProcessEnv): ChildProcess {
  const script = fileURLToPath(new URL('./fixtures/worker-process.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env: environment, stdio: ['ignore', 'ignore', 'inherit'] });
  return child;
}

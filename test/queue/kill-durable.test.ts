import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createSocialCrm, memoryLedger } from 'social-crm';
import { canonicalWebhookAdapter } from 'social-crm/adapters/canonical';
import { seededRandom } from '../../src/_utils.js';
import { createWebhookIntake, natsQueue } from '../../src/queue/index.js';
import { CANONICAL_SECRET, canonicalRequest, post } from '../helpers/canonical.js';
import { NATS_URL, POSTGRES_URL, RUN, deleteStreams, natsStreamOptions, quiet, until } from './support.js';

if (!NATS_URL) console.info('[queue] The durable-handler SIGKILL test needs SOCIAL_CRM_TEST_NATS_URL (and SOCIAL_CRM_TEST_POSTGRES_URL for its server case); it is skipped.');
else if (!POSTGRES_URL) console.info('[queue] SOCIAL_CRM_TEST_POSTGRES_URL is not set: the durable-handler SIGKILL test runs on PGlite only.');

const DELIVERIES = 60;
const PER_DELIVERY = 5;
const TOTAL = DELIVERIES * PER_DELIVERY;
/** Every 30th interaction makes the `fragile` handler throw. */
const isPoison = (index: number) => index % 30 === 7;
const POISON = Array.from({ length: TOTAL }, (_, index) => index).filter(isPoison).map((index) => `canonical:k${index}`);

interface Status {
  stored: number;
  deadLetters: Array<{ stage: string; payload: unknown }>;
}

const streams: string[] = [];
afterAll(() => deleteStreams(streams));

const ledgers = [
  { name: 'PGlite directory', server: false },
  { name: 'PostgreSQL server', server: true },
].filter((ledger) => NATS_URL && (!ledger.server || POSTGRES_URL));

describe.skipIf(ledgers.length === 0).each(ledgers.length ? ledgers : [{ name: 'none', server: false }])('SIGKILL at random points, durable handlers: $name', ({ server }) => {
  it('stores every acknowledged delivery exactly once, announces each to a durable handler at least once, and dead-letters a handler that keeps throwing', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'scrm-kill-'));
    const schema = `scrm_${RUN}_durable`;
    const options = natsStreamOptions(streams, server ? 'durable_pg' : 'durable_pglite');
    const queue = natsQueue(options);
    const intake = createWebhookIntake(createSocialCrm({ ledger: memoryLedger(), adapters: [canonicalWebhookAdapter({ secret: CANONICAL_SECRET })], classifier: false, logger: quiet }), queue, { logger: quiet });
    const announceFile = join(folder, 'announced.log');
    const statusFile = join(folder, 'status.json');
    const environment = {
      ...process.env,
      WORKER_NATS: JSON.stringify(options),
      WORKER_ANNOUNCE_FILE: announceFile,
      WORKER_STATUS_FILE: statusFile,
      ...(server ? { WORKER_POSTGRES_URL: POSTGRES_URL!, WORKER_SCHEMA: schema } : { WORKER_PGLITE_DIR: join(folder, 'pglite') }),
    };
    const children: ChildProcess[] = [];
    const announced = () => (existsSync(announceFile) ? readFileSync(announceFile, 'utf8').split('\n').filter(Boolean) : []);
    const status = (): Status => (existsSync(statusFile) ? (JSON.parse(readFileSync(statusFile, 'utf8')) as Status) : { stored: 0, deadLetters: [] });
    const stop = async (child: ChildProcess, signal: NodeJS.Signals) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    };
    try {
      for (let delivery = 0; delivery < DELIVERIES; delivery++) {
        const events = Array.from({ length: PER_DELIVERY }, (_, offset) => {
          const index = delivery * PER_DELIVERY + offset;
          return post(`k${index}`, isPoison(index) ? `poison ${index}` : `message ${index}`, {
            author: { channel: 'canonical', nativeId: `u${index % 17}`, handle: `user${index % 17}` },
            conversationId: `conv${index % 9}`,
          });
        });
        const response = await intake.handle(await canonicalRequest(events));
        expect(response.status, 'the intake acknowledges each signed delivery').toBe(200);
      }

      // Kill three workers at random points: while storing, and while dispatching to the handlers.
      const random = seededRandom(Date.now() % 100_000);
      const kills = [0.1, 0.35, 0.6].map((base) => Math.floor(TOTAL * (base + random() * 0.2)));
      for (const [round, threshold] of kills.entries()) {
        const worker = startWorker(environment);
        children.push(worker);
        const progress = round % 2 === 0 ? () => status().stored : () => new Set(announced()).size;
        await until(() => progress() >= threshold || worker.exitCode !== null, 60_000, `worker ${round + 1} to reach ${threshold}`);
        expect(worker.exitCode, `worker ${round + 1} ran until it was killed`).toBeNull();
        await stop(worker, 'SIGKILL');
      }

      const last = startWorker(environment);
      children.push(last);
      await until(
        () => {
          const now = status();
          const handlerLetters = now.deadLetters.filter((entry) => (entry.payload as { type?: string }).type === 'handler');
          return now.stored === TOTAL && new Set(announced()).size === TOTAL && POISON.every((id) => handlerLetters.some((entry) => JSON.stringify(entry.payload).includes(`"${id}"`)));
        },
        90_000,
        'the last worker to store, announce and dead-letter everything',
      );
      await stop(last, 'SIGTERM');

      const ids = announced();
      expect(new Set(ids).size, 'every stored interaction was announced to the durable handler').toBe(TOTAL);
      for (let index = 0; index < TOTAL; index++) expect(ids).toContain(`canonical:k${index}`);
      const final = status();
      expect(final.stored, 'every acknowledged delivery stored exactly once').toBe(TOTAL);
      const handlerLetters = final.deadLetters.filter((entry) => (entry.payload as { type?: string }).type === 'handler');
      expect(handlerLetters.every((entry) => (entry.payload as { handler: string }).handler === 'fragile'), 'only the throwing handler is dead-lettered').toBe(true);
      for (const id of POISON) expect(handlerLetters.some((entry) => JSON.stringify(entry.payload).includes(`"${id}"`)), `${id} dead-lettered for the fragile handler`).toBe(true);
      expect(final.deadLetters.filter((entry) => (entry.payload as { type?: string }).type !== 'handler'), 'no delivery was dead-lettered').toEqual([]);

      if (server) {
        const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
        try {
          const { rows } = await admin.query(`SELECT count(*)::int AS count, count(DISTINCT native_id)::int AS distinct FROM "${schema}".interactions`);
          expect(rows[0]).toEqual({ count: TOTAL, distinct: TOTAL });
        } finally {
          await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await admin.end();
        }
      }
    } finally {
      for (const child of children) await stop(child, 'SIGKILL');
      await queue.close();
      rmSync(folder, { recursive: true, force: true });
    }
  }, 240_000);
});

function startWorker(environment: NodeJS.ProcessEnv): ChildProcess {
  const script = fileURLToPath(new URL('./fixtures/durable-worker.ts', import.meta.url));
  return spawn(process.execPath, ['--import', 'tsx', script], { env: environment, stdio: ['ignore', 'ignore', 'inherit'] });
}

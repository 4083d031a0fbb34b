/**
 * Scale-out: one intake process acknowledges webhooks, worker processes run the pipeline.
 *
 *   npx tsx examples/scale-out/index.ts            # intake + WORKERS workers (default 2), then 200 signed webhooks
 *   npx tsx examples/scale-out/index.ts intake     # only the HTTP intake (PORT, default 8787)
 *   npx tsx examples/scale-out/index.ts worker     # only a worker; start as many as you like
 *
 * Needs NATS with JetStream (NATS_URL, default nats://127.0.0.1:4222) and PostgreSQL
 * (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres). All workers share the one
 * database; each takes batches from the queue and acknowledges a batch after it is committed.
 *
 * In your application, import from 'social-crm/queue', 'social-crm/identity' and 'social-crm/ledgers/postgres'.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createSocialCrm, type SocialCrm } from '../../src/index.js';
import { canonicalWebhookAdapter, CANONICAL_SIGNATURE_HEADER, CANONICAL_TIMESTAMP_HEADER } from '../../adapters/canonical/index.js';
import { createIdentityMerger } from '../../src/identity/index.js';
import { postgresLedger } from '../../src/ledgers/postgres/index.js';
import { createWebhookIntake, createWorker, natsQueue, type WorkQueue } from '../../src/queue/index.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SCHEMA = process.env.SCHEMA ?? 'social_crm_example';
const STREAM = process.env.STREAM ?? 'SOCIAL_CRM_EXAMPLE';
const SECRET = process.env.WEBHOOK_SECRET ?? 'scale-out-example-secret';
const PORT = Number(process.env.PORT ?? 8787);
const WORKERS = Number(process.env.WORKERS ?? 2);
const logger = { debug() {}, info() {}, warn: (message: string) => console.warn(message), error: (message: string) => console.error(message) };

/** Intake and workers build the same SocialCrm: same adapters, same ledger. */
function setup(): { crm: SocialCrm; queue: WorkQueue } {
  const crm = createSocialCrm({
    ledger: postgresLedger({ connectionString: DATABASE_URL, schema: SCHEMA }),
    adapters: [canonicalWebhookAdapter({ secret: SECRET })],
    classifier: false,
    // The default, made explicit: the merger takes the PostgreSQL ledger's cross-process locks, so
    // two workers meeting one new author create one customer.
    identity: createIdentityMerger({ defaultRegion: 'TR' }),
    logger,
  });
  // maxBatch is also the partition consumers' max_ack_pending: give every process the same value.
  const queue = natsQueue({ servers: NATS_URL, stream: STREAM, subject: `${STREAM.toLowerCase()}.work`, partitions: 16, maxBatch: 100, ackWaitMs: 10_000 });
  return { crm, queue };
}

/** A worker: consume until SIGTERM, then finish what is in flight. */
async function runWorker(): Promise<void> {
  const { crm, queue } = setup();
  // At most concurrency × maxBatch items in the pipeline at once, however large a burst is.
  const worker = createWorker(crm, queue, { concurrency: 4, maxBatch: 100, maxWaitMs: 10, logger });
  await worker.start();
  console.log(`ready ${process.pid}`);
  process.once('SIGTERM', async () => {
    await worker.stop();
    await queue.close();
    await crm.close();
    console.log(`worker ${process.pid} stopped after ${worker.stats.processed} items in ${worker.stats.batches} batches`);
    process.exit(0);
  });
}

/** The intake behind node:http: Node request in, Web Request to the intake, Web Response out. */
async function runIntake(): Promise<Server> {
  const { crm, queue } = setup();
  const intake = createWebhookIntake(crm, queue, { logger });
  const server = createServer(async (incoming, outgoing) => {
    const response = await intake.handle(await toRequest(incoming));
    outgoing.writeHead(response.status, Object.fromEntries(response.headers));
    outgoing.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(PORT, '127.0.0.1', resolve));
  console.log(`intake listening on http://127.0.0.1:${PORT}/webhooks/canonical`);
  return server;
}

async function toRequest(incoming: IncomingMessage): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) if (typeof value === 'string') headers.set(name, value);
  const hasBody = incoming.method !== 'GET' && incoming.method !== 'HEAD';
  return new Request(`http://127.0.0.1:${PORT}${incoming.url ?? '/'}`, { method: incoming.method, headers, ...(hasBody ? { body: Buffer.concat(chunks) } : {}) });
}

function startWorkerProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'worker'], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      if (text.startsWith('ready')) resolve(child);
      else process.stdout.write(text);
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
  });
}

/** Starts the workers and the intake, posts 200 signed webhooks, waits until all are stored. */
async function runAll(): Promise<void> {
  const workers = await Promise.all(Array.from({ length: WORKERS }, () => startWorkerProcess()));
  const server = await runIntake();
  const run = Date.now().toString(36);
  const started = new Date();
  const latencies: number[] = [];
  for (let index = 0; index < 200; index++) {
    const body = JSON.stringify({
      events: [
        {
          nativeId: `${run}-${index}`,
          kind: 'direct_message',
          conversationId: `${run}-conversation-${index % 20}`,
          author: { channel: 'canonical', nativeId: `customer-${index % 50}` },
          text: `Order ${index} has not arrived yet`,
          createdAt: new Date().toISOString(),
        },
      ],
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex');
    const before = performance.now();
    const response = await fetch(`http://127.0.0.1:${PORT}/webhooks/canonical`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CANONICAL_SIGNATURE_HEADER]: signature, [CANONICAL_TIMESTAMP_HEADER]: timestamp },
      body,
    });
    latencies.push(performance.now() - before);
    if (response.status !== 200) throw new Error(`intake answered ${response.status}: ${await response.text()}`);
  }
  latencies.sort((a, b) => a - b);
  console.log(`200 webhooks acknowledged; p50 ${latencies[100]!.toFixed(1)} ms, p99 ${latencies[198]!.toFixed(1)} ms`);

  const { crm } = setup();
  for (;;) {
    const page = await crm.ledger.queryInteractions({ since: started.toISOString(), channel: 'canonical', limit: 1000 });
    const mine = page.items.filter((interaction) => interaction.nativeId.startsWith(`${run}-`)).length;
    if (mine === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.log(`all 200 interactions stored in ${Date.now() - started.getTime()} ms by ${workers.length} workers`);
  for (const worker of workers) worker.kill('SIGTERM');
  await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('exit', resolve))));
  server.close();
  await crm.close();
  process.exit(0);
}

const role = process.argv[2] ?? 'all';
if (role === 'worker') await runWorker();
else if (role === 'intake') await runIntake();
else await runAll();

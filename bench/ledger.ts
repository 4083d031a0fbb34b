/**
 * `npm run bench -- ledger [--count 5000] [--e2e-count 2000] [--no-e2e] [--write]`
 *
 * - Appends per second into memoryLedger(), the PostgreSQL ledger on PGlite (in memory and
 *   with a data directory) and, when SOCIAL_CRM_TEST_POSTGRES_URL is set, on a server: one
 *   append at a time, and 32 appends in flight.
 * - With SOCIAL_CRM_TEST_NATS_URL and SOCIAL_CRM_TEST_POSTGRES_URL: signed webhooks through the
 *   intake into JetStream (acknowledgement latency p50/p99), then interactions per second
 *   drained by 1, 2 and 4 worker processes (examples/scale-out, role `worker`).
 *
 * The last line printed is one JSON object with every figure. `--write` also writes
 * its section of docs/benchmarks.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createSocialCrm, memoryLedger, type Interaction, type InteractionLedger } from 'social-crm';
import { hmac, toHex } from 'social-crm/adapter-kit';
import { canonicalWebhookAdapter } from 'social-crm/adapters/canonical';
import { postgresLedger, type PostgresLedger } from '../src/ledgers/postgres/index.js';
import { createWebhookIntake, natsQueue } from '../src/queue/index.js';
import { writeBenchmarkSection } from './_report.js';

const POSTGRES_URL = process.env.SOCIAL_CRM_TEST_POSTGRES_URL;
const NATS_URL = process.env.SOCIAL_CRM_TEST_NATS_URL;
const SECRET = 'bench-ledger-secret-0123456789';
const IN_FLIGHT = 32;
const BATCH = 500;
const RUN = Date.now().toString(36);

function interactions(count: number, prefix: string): Interaction[] {
  return Array.from({ length: count }, (_, index) => {
    const createdAt = new Date(Date.UTC(2026, 10, 1) + index * 1000).toISOString();
    return {
      id: `bench:${prefix}-${index}`,
      channel: 'bench',
      nativeId: `${prefix}-${index}`,
      kind: 'comment',
      direction: 'inbound',
      visibility: 'public',
      author: { channel: 'bench', nativeId: `u${index % 500}`, displayName: 'Ayşe Yılmaz' },
      conversationId: `bench:t${index % 200}`,
      text: 'Kargom hâlâ gelmedi, sipariş 12345',
      createdAt,
      receivedAt: createdAt,
      attachments: [],
      state: 'active',
      channelMetadata: { bench: { thread: { depth: 1 } } },
      customerId: `cus_${index % 500}`,
    };
  });
}

/** Appends per second: one at a time, or `inFlight` at once. */
async function appendRate(ledger: InteractionLedger, rows: Interaction[], inFlight: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < rows.length) {
        const result = await ledger.appendInteraction(rows[next++]!);
        if (!result.inserted) throw new Error(`duplicate ${result.interaction.id}`);
      }
    }),
  );
  return Math.round(rows.length / ((performance.now() - started) / 1000));
}

async function measureLedger(label: string, create: () => Promise<{ ledger: InteractionLedger; dispose(): Promise<void> }>, count: number) {
  const { ledger, dispose } = await create();
  try {
    await appendRate(ledger, interactions(200, `warm-${label}`), 8);
    const single = await appendRate(ledger, interactions(count, `single-${label}`), 1);
    const concurrent = await appendRate(ledger, interactions(count, `flight-${label}`), IN_FLIGHT);
    let batched: number | undefined;
    const batchAppend = (ledger as Partial<PostgresLedger>).appendInteractions;
    if (batchAppend) {
      const rows = interactions(count, `batch-${label}`);
      const started = performance.now();
      for (let index = 0; index < rows.length; index += BATCH) await batchAppend(rows.slice(index, index + BATCH));
      batched = Math.round(rows.length / ((performance.now() - started) / 1000));
    }
    console.log(
      `${label.padEnd(30)} single ${String(single).padStart(7)} /s   ${IN_FLIGHT} in flight ${String(concurrent).padStart(7)} /s${batched ? `   batches of ${BATCH} ${String(batched).padStart(7)} /s` : ''}`,
    );
    return { single, concurrent, ...(batched ? { batched } : {}) };
  } finally {
    await dispose();
  }
}

function percentile(sorted: number[], fraction: number): number {
  return Number(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!.toFixed(2));
}

function startWorker(environment: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; readyAt: number }> {
  const script = fileURLToPath(new URL('../examples/scale-out/index.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, 'worker'], { env: environment, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().startsWith('ready')) resolve({ child, readyAt: performance.now() });
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
  });
}

/** Enqueue `count` signed webhooks through the intake, then drain them with `workers` processes. */
async function endToEnd(workers: number, count: number, admin: pg.Pool) {
  const schema = `bench_${RUN}_w${workers}`;
  const stream = `BENCH_${RUN}_W${workers}`;
  const subject = `${stream.toLowerCase()}.work`;
  const crm = createSocialCrm({
    ledger: postgresLedger({ connectionString: POSTGRES_URL!, schema }),
    adapters: [canonicalWebhookAdapter({ secret: SECRET })],
    classifier: false,
    logger: { debug() {}, info() {}, warn() {}, error: console.error },
  });
  const queue = natsQueue({ servers: NATS_URL!, stream, subject, partitions: 16, ackWaitMs: 10_000 });
  const intake = createWebhookIntake(crm, queue);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const requests = await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const body = JSON.stringify({
        events: [
          {
            nativeId: `e${index}`,
            kind: 'direct_message',
            conversationId: `c${index % 400}`,
            author: { channel: 'canonical', nativeId: `customer-${index % 300}` },
            text: `Order ${index} has not arrived yet`,
            createdAt: new Date(Date.UTC(2026, 10, 1) + index * 1000).toISOString(),
          },
        ],
      });
      const signature = toHex(await hmac('SHA-256', SECRET, `${timestamp}.${body}`));
      return new Request('https://crm.example.test/webhooks/canonical', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-social-crm-signature': signature, 'x-social-crm-timestamp': timestamp },
        body,
      });
    }),
  );
  // Migrate and create the stream before the clock starts.
  await crm.ledger.getInteraction('warm-up');
  await queue.enqueue([]);
  const latencies: number[] = [];
  let next = 0;
  const enqueueStarted = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < requests.length) {
        const request = requests[next++]!;
        const before = performance.now();
        const response = await intake.handle(request);
        latencies.push(performance.now() - before);
        if (response.status !== 200) throw new Error(`intake answered ${response.status}: ${await response.text()}`);
      }
    }),
  );
  const intakePerSec = Math.round(count / ((performance.now() - enqueueStarted) / 1000));
  latencies.sort((a, b) => a - b);

  const environment = { ...process.env, NATS_URL, DATABASE_URL: POSTGRES_URL, SCHEMA: schema, STREAM: stream, WEBHOOK_SECRET: SECRET };
  const started = await Promise.all(Array.from({ length: workers }, () => startWorker(environment)));
  const firstReady = Math.min(...started.map((worker) => worker.readyAt));
  const countStored = async () => (await admin.query(`SELECT count(*)::int AS count FROM "${schema}".interactions`)).rows[0].count as number;
  while ((await countStored()) < count) await new Promise((resolve) => setTimeout(resolve, 20));
  const perSec = Math.round(count / ((performance.now() - firstReady) / 1000));
  for (const { child } of started) child.kill('SIGTERM');
  await Promise.all(started.map(({ child }) => new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)))));

  await queue.close();
  await crm.close();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const connection = await connect({ servers: NATS_URL! });
  await (await jetstreamManager(connection)).streams.delete(stream).catch(() => false);
  await connection.drain();

  const result = { workers, perSec, intakePerSec, ackP50Ms: percentile(latencies, 0.5), ackP99Ms: percentile(latencies, 0.99) };
  console.log(
    `end to end, ${workers} worker${workers > 1 ? 's' : ' '}       ${String(perSec).padStart(7)} interactions/s   intake ${intakePerSec}/s, ack p50 ${result.ackP50Ms} ms, p99 ${result.ackP99Ms} ms`,
  );
  return result;
}

export async function run(args: string[]): Promise<void> {
  const option = (name: string, fallback: number) => {
    const index = args.indexOf(name);
    return index >= 0 ? Number(args[index + 1]) : fallback;
  };
  const count = option('--count', 5000);
  const e2eCount = option('--e2e-count', 2000);
  const result: Record<string, unknown> = { benchmark: 'ledger', count, e2eCount, inFlight: IN_FLIGHT, node: process.version, cores: cpus().length };

  result.memory = await measureLedger('memoryLedger', async () => ({ ledger: memoryLedger(), dispose: async () => {} }), count);
  result.pgliteMemory = await measureLedger('postgres on PGlite (memory)', async () => {
    const ledger = postgresLedger({ pglite: 'memory://' });
    return { ledger, dispose: () => ledger.close() };
  }, count);
  result.pgliteDirectory = await measureLedger('postgres on PGlite (dir)', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'social-crm-bench-'));
    const ledger = postgresLedger({ pglite: directory });
    return {
      ledger,
      dispose: async () => {
        await ledger.close();
        await rm(directory, { recursive: true, force: true });
      },
    };
  }, count);

  if (!POSTGRES_URL) {
    console.log('(SOCIAL_CRM_TEST_POSTGRES_URL is not set: no server figures)');
  } else {
    const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
    admin.on('error', () => undefined);
    const onServer = (url: string, schema: string) => async () => {
      const ledger = postgresLedger({ connectionString: url, schema, maxConnections: IN_FLIGHT });
      const dispose = async () => {
        await ledger.close();
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      };
      return { ledger, dispose };
    };
    result.server = await measureLedger('postgres on server (pg)', onServer(POSTGRES_URL, `bench_${RUN}_appends`), count);
    const relaxed = new URL(POSTGRES_URL);
    relaxed.searchParams.set('options', '-c synchronous_commit=off');
    result.serverAsyncCommit = await measureLedger('  same, synchronous_commit=off', onServer(relaxed.toString(), `bench_${RUN}_async`), count);
    if (!NATS_URL || args.includes('--no-e2e')) {
      console.log('(end to end skipped: it needs SOCIAL_CRM_TEST_NATS_URL and no --no-e2e flag)');
    } else {
      const endToEndResults = [];
      for (const workers of [1, 2, 4]) endToEndResults.push(await endToEnd(workers, e2eCount, admin));
      result.endToEnd = endToEndResults;
    }
    await admin.end();
  }

  if (args.includes('--write')) await writeReport(result);
  console.log(JSON.stringify(result));
}

async function writeReport(result: Record<string, unknown>): Promise<void> {
  type Rates = { single: number; concurrent: number; batched?: number } | undefined;
  const row = (label: string, rates: Rates) => (rates ? `| ${label} | ${rates.single} | ${rates.concurrent} | ${rates.batched ?? '–'} |\n` : '');
  const endToEnd = (result.endToEnd ?? []) as Array<{ workers: number; perSec: number; intakePerSec: number; ackP50Ms: number; ackP99Ms: number }>;
  const text = `Command: \`npm run bench -- ledger --write\`. PostgreSQL and NATS (JetStream) ran on the same host. The appended
interactions are complete canonical records, with author, metadata and customer. Each run
appends ${result.count} interactions one at a time, then ${result.count} more with ${result.inFlight} appends in flight, then
(PostgreSQL ledger only) ${result.count} more through \`appendInteractions()\` in batches of ${BATCH}.

### Appends per second

| Ledger | One at a time | ${result.inFlight} in flight | Batches of ${BATCH} |
| --- | ---: | ---: | ---: |
${row('memoryLedger()', result.memory as Rates)}${row('postgresLedger on PGlite, memory://', result.pgliteMemory as Rates)}${row('postgresLedger on PGlite, data directory', result.pgliteDirectory as Rates)}${row('postgresLedger on a PostgreSQL 15 server (pg Pool)', result.server as Rates)}${row('the same, with `synchronous_commit = off`', result.serverAsyncCommit as Rates)}
One append is one \`INSERT … ON CONFLICT DO NOTHING RETURNING\`, so one commit. A batch is
one multi-row statement and one commit. One at a time,
the server is bound by commit latency (the WAL flush to disk), which the
\`synchronous_commit = off\` row removes. With appends in flight, commits share flushes.
PGlite runs on one connection inside the process, so appends in flight queue up behind
each other.

${
  endToEnd.length
    ? `### End to end: intake, JetStream, workers, PostgreSQL

${result.e2eCount} signed canonical webhooks, one interaction each, spread over 400 conversations and
300 customers, with classification off. The intake verifies the HMAC signature and enqueues
to JetStream (16 partitions), with 8 requests in flight. Worker processes
(\`examples/scale-out\`, role \`worker\`) then drain the queue into PostgreSQL. Each
interaction goes through identity resolution and one idempotent append. The default identity
merger resolves identities that share no key side by side (each worker consumes 4 messages at
once); a new identity is resolved in one transaction holding advisory locks on its identity and
blocking keys, so workers never give one author two customers. A new identity costs about eight
statements and one commit, a further message from a known one a look-up and the append (its identity
record is rewritten at most once a minute). The drain rate is measured from the first worker's
subscription to the last row stored.

| Workers | Interactions/s stored | Intake acks/s | Ack p50 | Ack p99 |
| ---: | ---: | ---: | ---: | ---: |
${endToEnd.map((entry) => `| ${entry.workers} | ${entry.perSec} | ${entry.intakePerSec} | ${entry.ackP50Ms} ms | ${entry.ackP99Ms} ms |`).join('\n')}

The machine has two cores, and PostgreSQL, NATS, the intake and the workers all share
them. More workers than cores therefore cannot add throughput here. On separate hosts the
limit is the number of partitions.
`
    : ''
}
Raw figures (the bench's last line):

\`\`\`json
${JSON.stringify(result)}
\`\`\`
`;
  writeBenchmarkSection('ledger', 'PostgreSQL ledger and scale-out', text);
}


/**
 * `npm run bench -- ingest [--count 20000]`: in-memory pipeline throughput on one core.
 * `npm run bench -- ingest --ledger postgres|pglite|memory [--count 10000]`: signed WhatsApp
 * deliveries of 100 through `crm.handleWebhook()` with the default classifier and merger into that
 * ledger (`postgres`: the server at SOCIAL_CRM_TEST_POSTGRES_URL, else PGlite), beside the same
 * ledger's batched appends of the same rows, in one run. Prints `interactionsPerSec`,
 * `newAuthorsPerSec` (the first tenth, all new authors) and `rawAppendsPerSec` last. `--trace`
 * (server only) counts the statements sent per delivery, each a round trip, and lists them.
 * - `ingest`: `crm.ingest()` batches of host-supplied interactions into memoryLedger();
 * - `webhook`: signed canonical webhooks through `crm.handleWebhook()` (body read, HMAC check,
 *   JSON parse, validation, de-duplication, identity, ledger, events).
 * Both run with classification off and, when the default classifier loads, on.
 */
import { createSocialCrm, memoryLedger, type Classifier, type Interaction, type InteractionInput, type InteractionLedger } from 'social-crm';
import { whatsappAdapter } from 'social-crm/adapters/whatsapp';
import { createIdentityMerger } from 'social-crm/identity';
import { canonicalWebhookAdapter } from 'social-crm/adapters/canonical';
import { hmac, toHex } from 'social-crm/adapter-kit';
import type { PostgresPool } from 'social-crm/ledgers/postgres';
import { loadavg } from 'node:os';
import { writeBenchmarkSection } from './_report.js';
import { APP_SECRET, PHONE_NUMBER_ID, signedWhatsappRequest } from './_whatsapp.js';

const SECRET = 'bench-secret-0123456789abcdef';
const texts = ['Kargom hâlâ gelmedi, berbat hizmet!', 'Great service, thank you!', 'What is the baggage allowance?', 'Uygulama sürekli çöküyor', 'Love the new menu 😍'];

function inputs(count: number, offset = 0): InteractionInput[] {
  return Array.from({ length: count }, (_, index) => ({
    channel: 'bench',
    nativeId: `n${offset + index}`,
    kind: 'comment',
    author: { channel: 'bench', nativeId: `u${(offset + index) % 5000}`, followerCount: index % 1000 },
    text: texts[index % texts.length]!,
    createdAt: new Date(Date.UTC(2026, 10, 1) + index * 1000).toISOString(),
    conversationId: `t${(offset + index) % 2000}`,
  }));
}

async function measure(label: string, count: number, classifier: Classifier | false, mode: 'ingest' | 'webhook') {
  const ledger = memoryLedger();
  const identity = createIdentityMerger({ ledger });
  const crm = createSocialCrm({ ledger, identity, adapters: [canonicalWebhookAdapter({ secret: SECRET, id: 'bench' })], classifier, logger: { debug() {}, info() {}, warn() {}, error() {} } });
  const rows = inputs(count);
  const batch = 50;
  let requests: Request[] = [];
  if (mode === 'webhook') {
    const timestamp = Math.floor(Date.now() / 1000);
    for (let index = 0; index < rows.length; index += batch) {
      const body = JSON.stringify({ events: rows.slice(index, index + batch) });
      const signature = toHex(await hmac('SHA-256', SECRET, `${timestamp}.${body}`));
      requests.push(new Request('https://crm.example.test/webhooks/bench', { method: 'POST', headers: { 'content-type': 'application/json', 'x-social-crm-signature': signature, 'x-social-crm-timestamp': String(timestamp) }, body }));
    }
  }
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  if (mode === 'ingest') {
    for (let index = 0; index < rows.length; index += batch) await crm.ingest(rows.slice(index, index + batch));
  } else {
    for (const request of requests) {
      const response = await crm.handleWebhook(request);
      if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
    }
    requests = [];
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const perSecond = Math.round(count / seconds);
  // The process's own CPU time (garbage collection threads included): it moves less than the wall
  // clock when other work shares the machine.
  const perCpuSecond = Math.round(count / ((cpu.user + cpu.system) / 1e6));
  console.log(`${label.padEnd(40)} ${String(count).padStart(7)} interactions  ${seconds.toFixed(2).padStart(6)} s  ${String(perSecond).padStart(7)} /s  ${String(perCpuSecond).padStart(7)} /CPU-s`);
  return { perSecond, perCpuSecond };
}

/** Counts the statements sent to the server (`--trace`): each one is a round trip. */
interface StatementTrace {
  total: number;
  /** Statement shape to [count, milliseconds waited]. */
  byStatement: Map<string, [number, number]>;
}

/** A `pg` Pool whose statements (pooled or on a checked-out client) are counted in `trace`. */
function tracedPool(pool: PostgresPool, trace: StatementTrace): PostgresPool {
  const count = async <T>(sql: string, run: () => Promise<T>): Promise<T> => {
    trace.total++;
    const started = performance.now();
    try {
      return await run();
    } finally {
      const shape = sql.replace(/\s+/g, ' ').replace(/"?bench_ingest_\w+"?\./g, '').slice(0, 90);
      const [times, ms] = trace.byStatement.get(shape) ?? [0, 0];
      trace.byStatement.set(shape, [times + 1, ms + performance.now() - started]);
    }
  };
  return {
    query: (sql, params) => count(sql, () => pool.query(sql, params)),
    async connect() {
      const client = await pool.connect();
      return { query: (sql, params) => count(sql, () => client.query(sql, params)), release: (error) => client.release(error) };
    },
    end: () => pool.end(),
    on: (event, listener) => pool.on(event, listener),
  };
}

async function ledgerFor(kind: string, label: string, trace?: StatementTrace): Promise<{ ledger: InteractionLedger; close(): Promise<void>; name: string }> {
  if (kind === 'memory') return { ledger: memoryLedger(), close: async () => {}, name: 'memoryLedger()' };
  const { postgresLedger } = await import('social-crm/ledgers/postgres');
  const url = process.env.SOCIAL_CRM_TEST_POSTGRES_URL;
  if (kind === 'postgres' && url) {
    const schema = `bench_ingest_${label}_${Date.now().toString(36)}`;
    const pg = (await import('pg')).default;
    const pool = new pg.Pool({ connectionString: url }) as unknown as PostgresPool;
    pool.on('error', () => undefined);
    const ledger = postgresLedger({ pool: trace ? tracedPool(pool, trace) : pool, schema });
    return {
      ledger,
      name: 'PostgreSQL server',
      async close() {
        await ledger.close();
        await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await pool.end();
      },
    };
  }
  if (kind === 'postgres') console.log('(SOCIAL_CRM_TEST_POSTGRES_URL is not set: measuring on embedded PGlite)');
  const ledger = postgresLedger({ pglite: 'memory://' });
  return { ledger, close: () => ledger.close(), name: 'PGlite (memory://)' };
}

/** Deliveries through the pipeline, then the same rows appended raw to a fresh ledger of the same kind. */
async function runLedger(kind: string, count: number, traced: boolean): Promise<void> {
  const size = 100;
  const deliveries = Math.max(10, Math.ceil(count / size));
  const now = Math.floor(Date.now() / 1000);
  const requests = await Promise.all(Array.from({ length: deliveries }, (_, delivery) => signedWhatsappRequest(delivery, size, now)));
  const trace: StatementTrace | undefined = traced ? { total: 0, byStatement: new Map() } : undefined;
  const piped = await ledgerFor(kind, 'pipeline', trace);
  await piped.ledger.getCursor('warm-up', 'default'); // connect and migrate outside the timing and the trace
  if (trace) {
    trace.total = 0;
    trace.byStatement.clear();
  }
  const crm = createSocialCrm({
    ledger: piped.ledger,
    adapters: [whatsappAdapter({ appSecret: APP_SECRET, verifyToken: 'bench', accessToken: 'bench', phoneNumberId: PHONE_NUMBER_ID })],
    logger: { debug() {}, info() {}, warn() {}, error: (message, details) => console.error(message, details) },
  });
  const tenth = Math.max(1, Math.floor(deliveries / 10));
  const started = performance.now();
  let firstTenthSeconds = 0;
  for (const [index, request] of requests.entries()) {
    const response = await crm.handleWebhook(request);
    if (response.status !== 200) throw new Error(`The WhatsApp webhook answered ${response.status}: ${await response.text()}`);
    if (index + 1 === tenth) {
      firstTenthSeconds = (performance.now() - started) / 1000;
      if (trace) console.log(`round trips, first tenth (new authors): ${(trace.total / tenth).toFixed(1)} per delivery`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  if (trace) {
    console.log(`round trips: ${trace.total} in ${deliveries} deliveries, ${(trace.total / deliveries).toFixed(1)} per delivery`);
    for (const [statement, [times, ms]] of [...trace.byStatement].sort((a, b) => b[1][1] - a[1][1])) {
      console.log(`${String(times).padStart(6)} ${(ms / 1000).toFixed(2).padStart(6)} s  ${statement}`);
    }
  }
  const rows: Interaction[] = [];
  let cursor: string | undefined;
  do {
    const page = await piped.ledger.queryInteractions({ limit: 1000, ...(cursor ? { cursor } : {}) });
    rows.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  if (rows.length !== deliveries * size) throw new Error(`Expected ${deliveries * size} interactions, the ledger holds ${rows.length}.`);
  const customers = (await piped.ledger.listCustomers({ limit: 1000 })).items.length;
  await crm.close();
  await piped.close();

  const raw = await ledgerFor(kind, 'raw');
  await raw.ledger.getCursor('warm-up', 'default'); // connect and migrate outside the timing
  const rawStarted = performance.now();
  for (let index = 0; index < rows.length; index += size) await raw.ledger.appendInteractions!(rows.slice(index, index + size));
  const rawSeconds = (performance.now() - rawStarted) / 1000;
  await raw.close();

  const result = {
    benchmark: 'ingest-ledger',
    ledger: piped.name,
    count: rows.length,
    deliverySize: size,
    interactionsPerSec: Math.round(rows.length / seconds),
    newAuthorsPerSec: Math.round((tenth * size) / firstTenthSeconds),
    rawAppendsPerSec: Math.round(rows.length / rawSeconds),
    node: process.version,
  };
  const ratio = (value: number) => `${Math.round((100 * value) / result.rawAppendsPerSec)} %`;
  console.log(`pipeline ${result.interactionsPerSec}/s (first tenth, new authors: ${result.newAuthorsPerSec}/s); raw batched appends ${result.rawAppendsPerSec}/s; ${customers >= 1000 ? '1000+' : customers} customers`);
  writeBenchmarkSection(
    `ingest-ledger-${kind}`,
    `Webhook to ledger against raw appends (${piped.name})`,
    `${rows.length} WhatsApp messages in signed deliveries of ${size} through \`crm.handleWebhook()\` with the default classifier and identity merger (5,000 distinct customers, so the first tenth are all new authors), then the same rows appended with \`appendInteractions\` in batches of ${size} to a fresh ledger of the same kind, in the same run.\n\n| Path | Interactions/s | Of raw appends |\n| --- | ---: | ---: |\n| pipeline, whole run | ${result.interactionsPerSec} | ${ratio(result.interactionsPerSec)} |\n| pipeline, first tenth (new authors) | ${result.newAuthorsPerSec} | ${ratio(result.newAuthorsPerSec)} |\n| raw batched appends | ${result.rawAppendsPerSec} | 100 % |\n\nCommand: \`npm run bench -- ingest --ledger ${kind} --count ${count}\`.`,
  );
  console.log(JSON.stringify(result));
}

export async function run(args: string[]): Promise<void> {
  const ledgerIndex = args.indexOf('--ledger');
  if (ledgerIndex >= 0) {
    const kind = args[ledgerIndex + 1] ?? '';
    if (!['postgres', 'pglite', 'memory'].includes(kind)) throw new Error('`--ledger` takes postgres, pglite or memory.');
    const countAt = args.indexOf('--count');
    return runLedger(kind, countAt >= 0 ? Number(args[countAt + 1]) : 10_000, args.includes('--trace'));
  }
  const countIndex = args.indexOf('--count');
  const count = countIndex >= 0 ? Number(args[countIndex + 1]) : 20_000;
  let classifier: Classifier | undefined;
  try {
    const module = (await import('social-crm/classifier')) as { createClassifier(): Classifier };
    classifier = module.createClassifier();
  } catch {
    console.log('(default classifier not available; measuring without classification only)');
  }
  await measure('warm-up', 2000, false, 'ingest');
  const result: Record<string, unknown> = { benchmark: 'ingest', count, node: process.version };
  const record = async (key: string, label: string, runClassifier: Classifier | false, mode: 'ingest' | 'webhook') => {
    const measured = await measure(label, count, runClassifier, mode);
    result[key] = measured.perSecond;
    result[key.replace(/PerSec$/, 'PerCpuSec')] = measured.perCpuSecond;
  };
  await record('ingestPerSec', 'ingest, no classification', false, 'ingest');
  await record('webhookPerSec', 'signed webhook, no classification', false, 'webhook');
  if (classifier) {
    await record('ingestClassifiedPerSec', 'ingest + default classifier', classifier, 'ingest');
    await record('webhookClassifiedPerSec', 'signed webhook + default classifier', classifier, 'webhook');
  }
  result.peakRssMB = Math.round(process.memoryUsage().rss / 1048576);
  result.loadAverage = Number(loadavg()[0]!.toFixed(2));
  const row = (label: string, key: string) => (result[key] === undefined ? '' : `| ${label} | ${result[key]} | ${result[key.replace(/PerSec$/, 'PerCpuSec')]} |\n`);
  writeBenchmarkSection(
    'ingest',
    'Pipeline ingest throughput (in memory, one core)',
    `${count} interactions in batches of 50 into \`memoryLedger()\`, with the default identity merger; each run starts from an empty ledger. Per CPU-second counts the process's own CPU time (garbage collection included), which moves less than the wall clock when other work shares the machine.\n\n| Path | Interactions/s | Per CPU-second |\n| --- | ---: | ---: |\n${row('`crm.ingest()`, no classification', 'ingestPerSec')}${row('signed webhook → `crm.handleWebhook()`, no classification', 'webhookPerSec')}${row('`crm.ingest()` + default classifier', 'ingestClassifiedPerSec')}${row('signed webhook + default classifier', 'webhookClassifiedPerSec')}\nPeak RSS ${result.peakRssMB} MB; load average ${result.loadAverage} at the end. Command: \`npm run bench -- ingest --count ${count}\`.`,
  );
  console.log(JSON.stringify(result));
}

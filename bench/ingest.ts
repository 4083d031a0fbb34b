/**
 * `npm run bench -- ingest [--count 20000]`: in-memory pipeline throughput on one core.
 * - `ingest`: `crm.ingest()` batches of host-supplied interactions into memoryLedger();
 * - `webhook`: signed canonical webhooks through `crm.handleWebhook()` (body read, HMAC check,
 *   JSON parse, validation, de-duplication, identity, ledger, events).
 * Both run with classification off and, when the default classifier loads, on.
 */
import { createSocialCrm, memoryLedger, type Classifier, type InteractionInput } from 'social-crm';
import { createIdentityMerger } from 'social-crm/identity';
import { canonicalWebhookAdapter } from 'social-crm/adapters/canonical';
import { hmac, toHex } from 'social-crm/adapter-kit';
import { writeBenchmarkSection } from './_report.js';

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
  const perSecond = Math.round(count / seconds);
  console.log(`${label.padEnd(40)} ${String(count).padStart(7)} interactions  ${seconds.toFixed(2).padStart(6)} s  ${String(perSecond).padStart(7)} /s`);
  return perSecond;
}

export async function run(args: string[]): Promise<void> {
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
  result.ingestPerSec = await measure('ingest, no classification', count, false, 'ingest');
  result.webhookPerSec = await measure('signed webhook, no classification', count, false, 'webhook');
  if (classifier) {
    result.ingestClassifiedPerSec = await measure('ingest + default classifier', count, classifier, 'ingest');
    result.webhookClassifiedPerSec = await measure('signed webhook + default classifier', count, classifier, 'webhook');
  }
  result.peakRssMB = Math.round(process.memoryUsage().rss / 1048576);
  const row = (label: string, key: string) => (result[key] === undefined ? '' : `| ${label} | ${result[key]} |\n`);
  writeBenchmarkSection(
    'ingest',
    'Pipeline ingest throughput (in memory, one core)',
    `${count} interactions in batches of 50 into \`memoryLedger()\`, with the default identity merger; each run starts from an empty ledger.\n\n| Path | Interactions/s |\n| --- | ---: |\n${row('`crm.ingest()`, no classification', 'ingestPerSec')}${row('signed webhook → `crm.handleWebhook()`, no classification', 'webhookPerSec')}${row('`crm.ingest()` + default classifier', 'ingestClassifiedPerSec')}${row('signed webhook + default classifier', 'webhookClassifiedPerSec')}\nPeak RSS ${result.peakRssMB} MB. Command: \`npm run bench -- ingest --count ${count}\`.`,
  );
  console.log(JSON.stringify(result));
}

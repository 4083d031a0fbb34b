/**
 * `npm run bench -- webhooks [--interactions 10000] [--batch 100]`: webhook-to-ledger throughput
 * on one core, with the default classifier and identity resolver and the memory ledger.
 * - WhatsApp: signed Cloud API notifications of `--batch` messages each (text, captioned images,
 *   locations, list replies from a pool of customers) through `crm.handleWebhook()`: signature,
 *   envelope, normalisation, validation, de-duplication, identity, classification, ledger, events.
 * - X: pages of 100 Posts with `includes.users` from the mentions timeline through `crm.poll()`,
 *   answered by an in-process fetch (no network), so the figure is the SDK's own cost.
 * - Acknowledgement: latency p50/p99 of `crm.handleWebhook()` per signed WhatsApp delivery (one
 *   message, and `--batch` messages), each delivery followed by HMAC-SHA256 + `JSON.parse` alone
 *   over the same body, so both share the machine's moment. Measured in fresh processes,
 *   on `node:crypto` and, with it hidden, on WebCrypto, taking turns over `--ack-rounds 2` pairs of
 *   processes. `--ack-deliveries 1000` sets the one-message deliveries per process (a tenth of that
 *   for `--batch`).
 * The last line printed is one JSON object.
 */
import { channelIdentityResolver, createSocialCrm, memoryLedger, type Classifier, type IdentityResolver, type SocialCrm } from 'social-crm';
import { hmac, toHex, verifyHmacSignature } from 'social-crm/adapter-kit';
import { whatsappAdapter } from 'social-crm/adapters/whatsapp';
import { xAdapter } from 'social-crm/adapters/x';
import { execFile } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { defaultCryptoImplementation, type CryptoImplementation } from '../src/webhook.js';
import { writeBenchmarkSection } from './_report.js';
import { APP_SECRET, PHONE_NUMBER_ID, personName, texts, whatsappNotification } from './_whatsapp.js';

const BRAND_X_ID = '1234567890';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function argument(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(name);
  const value = index >= 0 ? Number(args[index + 1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback;
}

/** Page `page` of the mentions timeline: 100 Posts newest first, `next_token` until the last page. */
function xPage(page: number, pages: number): string {
  const data = [];
  const users = new Map<string, unknown>();
  for (let offset = 0; offset < 100; offset++) {
    const index = page * 100 + offset;
    const id = String(1891300000000000000n + BigInt(pages * 100 - index));
    const authorId = String(1500000000000000000n + BigInt(index % 5000));
    users.set(authorId, { id: authorId, name: personName(index), username: `${personName(index).split(' ')[0]!.toLowerCase()}_${index % 5000}`, verified: false, public_metrics: { followers_count: index % 1000, following_count: 10, tweet_count: 100, listed_count: 0 } });
    data.push({
      id,
      text: `@acme_support ${texts[index % texts.length]}`,
      edit_history_tweet_ids: [id],
      author_id: authorId,
      conversation_id: id,
      in_reply_to_user_id: BRAND_X_ID,
      created_at: new Date(Date.UTC(2026, 10, 1) + index * 1000).toISOString(),
      lang: index % 2 ? 'en' : 'tr',
      public_metrics: { retweet_count: 0, reply_count: 0, like_count: index % 5, quote_count: 0, impression_count: 100 },
      entities: { mentions: [{ start: 0, end: 13, username: 'acme_support', id: BRAND_X_ID }] },
    });
  }
  return JSON.stringify({
    data,
    includes: { users: [...users.values()] },
    meta: { newest_id: data[0]!.id, oldest_id: data.at(-1)!.id, result_count: data.length, ...(page + 1 < pages ? { next_token: `page${page + 1}` } : {}) },
  });
}

function report(label: string, count: number, seconds: number): number {
  const perSecond = Math.round(count / seconds);
  console.log(`${label.padEnd(50)} ${String(count).padStart(7)} interactions  ${seconds.toFixed(2).padStart(6)} s  ${String(perSecond).padStart(7)} /s`);
  return perSecond;
}

async function storedCount(crm: SocialCrm, channel: string): Promise<number> {
  let total = 0;
  let cursor: string | undefined;
  do {
    const page = await crm.ledger.queryInteractions({ channel, limit: 1000, ...(cursor ? { cursor } : {}) });
    total += page.items.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return total;
}

async function measureWhatsapp(label: string, interactions: number, batch: number, classifier?: Classifier | false, identity?: IdentityResolver): Promise<number> {
  const crm = createSocialCrm({
    ledger: memoryLedger(),
    adapters: [whatsappAdapter({ appSecret: APP_SECRET, verifyToken: 'bench', accessToken: 'bench', phoneNumberId: PHONE_NUMBER_ID })],
    ...(classifier === undefined ? {} : { classifier }),
    ...(identity ? { identity } : {}),
    logger: { ...quiet, error: (message, details) => console.error(message, (details as { error?: { stack?: string } })?.error?.stack ?? JSON.stringify(details)) },
  });
  const now = Math.floor(Date.now() / 1000);
  const deliveries = Math.ceil(interactions / batch);
  const requests: Request[] = [];
  for (let delivery = 0; delivery < deliveries; delivery++) {
    const body = whatsappNotification(delivery, batch, now);
    const signature = `sha256=${toHex(await hmac('SHA-256', APP_SECRET, body))}`;
    requests.push(new Request('https://crm.example.test/webhooks/whatsapp', { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body }));
  }
  const started = performance.now();
  for (const request of requests) {
    const response = await crm.handleWebhook(request);
    if (response.status !== 200) throw new Error(`The WhatsApp webhook answered ${response.status}: ${await response.text()}`);
  }
  const seconds = (performance.now() - started) / 1000;
  const stored = await storedCount(crm, 'whatsapp');
  if (stored !== deliveries * batch) throw new Error(`Expected ${deliveries * batch} WhatsApp interactions, the ledger holds ${stored}.`);
  return report(label, stored, seconds);
}

async function measureX(label: string, interactions: number, classifier?: Classifier | false): Promise<number> {
  const pages = Math.ceil(interactions / 100);
  const bodies = Array.from({ length: pages }, (_, page) => xPage(page, pages));
  const fetchPages: typeof fetch = async (input) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const token = url.searchParams.get('pagination_token');
    const page = token ? Number(token.slice(4)) : 0;
    const body = url.searchParams.get('since_id') ? JSON.stringify({ meta: { result_count: 0 } }) : bodies[page]!;
    return new Response(body, { headers: { 'content-type': 'application/json', 'x-rate-limit-remaining': '449', 'x-rate-limit-reset': String(Math.floor(Date.now() / 1000) + 900) } });
  };
  const crm = createSocialCrm({
    ledger: memoryLedger(),
    adapters: [xAdapter({ userId: BRAND_X_ID, bearerToken: 'bench' })],
    ...(classifier === undefined ? {} : { classifier }),
    fetch: fetchPages,
    logger: quiet,
  });
  const started = performance.now();
  const [summary] = await crm.poll({ maxPages: pages + 1 });
  const seconds = (performance.now() - started) / 1000;
  if (summary?.error) throw new Error(`The X poll failed: ${String(summary.error)}`);
  const stored = await storedCount(crm, 'x');
  if (stored !== pages * 100) throw new Error(`Expected ${pages * 100} X interactions, the ledger holds ${stored}.`);
  return report(label, stored, seconds);
}

/** Raw timings of one delivery size in one process, in milliseconds. */
interface AcknowledgementSamples {
  messages: number;
  bodyBytes: number;
  acknowledgeMs: number[];
  hmacAndParseMs: number[];
}

interface AcknowledgementRun {
  implementation: CryptoImplementation;
  sizes: AcknowledgementSamples[];
}

/** Percentiles of the samples pooled over every round of one implementation and size. */
interface AcknowledgementFigures {
  implementation: CryptoImplementation;
  messages: number;
  bodyBytes: number;
  deliveries: number;
  acknowledgeP50Ms: number;
  acknowledgeP99Ms: number;
  hmacAndParseP50Ms: number;
  hmacAndParseP99Ms: number;
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

const round = (milliseconds: number, digits = 3) => Number(milliseconds.toFixed(digits));
const ascending = (values: number[]) => [...values].sort((left, right) => left - right);

/**
 * Sends `deliveries` signed notifications of `size` messages one at a time and times each
 * `handleWebhook()` until its response; after each, times HMAC-SHA256 verification of the same raw
 * bytes plus `JSON.parse` of the same text, with the implementation this process uses.
 */
async function measureAcknowledgement(size: number, deliveries: number, warmUp: number): Promise<AcknowledgementSamples> {
  const crm = createSocialCrm({
    ledger: memoryLedger(),
    adapters: [whatsappAdapter({ appSecret: APP_SECRET, verifyToken: 'bench', accessToken: 'bench', phoneNumberId: PHONE_NUMBER_ID })],
    logger: quiet,
  });
  const implementation = defaultCryptoImplementation();
  const now = Math.floor(Date.now() / 1000);
  const encoder = new TextEncoder();
  const signed = await Promise.all(
    Array.from({ length: warmUp + deliveries }, async (_, delivery) => {
      const text = whatsappNotification(delivery, size, now);
      return { text, bytes: encoder.encode(text), signature: `sha256=${toHex(await hmac('SHA-256', APP_SECRET, text))}` };
    }),
  );
  const samples: AcknowledgementSamples = { messages: size, bodyBytes: signed[0]!.bytes.byteLength, acknowledgeMs: [], hmacAndParseMs: [] };
  // Work the crm leaves running after it answers (listeners, for one) would otherwise land inside
  // the next timing: each timing starts once the event loop has drained.
  const drained = () => new Promise((resolve) => setTimeout(resolve, 0));
  for (const [index, delivery] of signed.entries()) {
    const request = new Request('https://crm.example.test/webhooks/whatsapp', { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': delivery.signature }, body: delivery.text });
    await drained();
    const started = performance.now();
    const response = await crm.handleWebhook(request);
    const acknowledged = performance.now() - started;
    if (response.status !== 200) throw new Error(`The WhatsApp webhook answered ${response.status}: ${await response.text()}`);
    await drained();
    const baselineStarted = performance.now();
    await verifyHmacSignature({ algorithm: 'SHA-256', secret: APP_SECRET, payload: delivery.bytes, signature: delivery.signature, prefix: 'sha256=' }, implementation);
    JSON.parse(delivery.text);
    const verifiedAndParsed = performance.now() - baselineStarted;
    if (index < warmUp) continue;
    samples.acknowledgeMs.push(round(acknowledged, 4));
    samples.hmacAndParseMs.push(round(verifiedAndParsed, 4));
  }
  const acknowledge = ascending(samples.acknowledgeMs);
  const baseline = ascending(samples.hmacAndParseMs);
  console.log(
    `acknowledgement, ${implementation}, ${String(size).padStart(3)} message(s)/delivery: handleWebhook p50 ${round(percentile(acknowledge, 0.5))} ms, p99 ${round(percentile(acknowledge, 0.99))} ms; HMAC + JSON.parse p50 ${round(percentile(baseline, 0.5), 4)} ms, p99 ${round(percentile(baseline, 0.99), 4)} ms`,
  );
  return samples;
}

/** The child-process side: measures the acknowledgement with this process's crypto, prints JSON last. */
async function runAcknowledgement(args: string[]): Promise<void> {
  if (args.includes('--hide-node-crypto')) {
    // Before the first signature: the lookup of node:crypto happens once, on first use.
    delete (process as { getBuiltinModule?: unknown }).getBuiltinModule;
    if (defaultCryptoImplementation() !== 'web-crypto') throw new Error('node:crypto is still in use after hiding it.');
  }
  const batch = argument(args, '--batch', 100);
  const deliveries = argument(args, '--ack-deliveries', 1000);
  const large = Math.max(20, Math.round(deliveries / 10));
  const result: AcknowledgementRun = {
    implementation: defaultCryptoImplementation(),
    sizes: [await measureAcknowledgement(1, deliveries, Math.round(deliveries / 5)), await measureAcknowledgement(batch, large, Math.round(large / 5))],
  };
  console.log(JSON.stringify(result));
}

/** Runs the acknowledgement measurement in a fresh process, so each crypto implementation starts alike. */
async function acknowledgementInChild(args: string[], hideNodeCrypto: boolean): Promise<AcknowledgementRun> {
  const entry = fileURLToPath(new URL('./index.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...process.execArgv, entry, 'webhooks', '--acknowledgement-child', ...(hideNodeCrypto ? ['--hide-node-crypto'] : []), ...args],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const lines = stdout.trim().split('\n');
  for (const line of lines.slice(0, -1)) console.log(line);
  return JSON.parse(lines.at(-1)!) as AcknowledgementRun;
}

/**
 * Alternates the two implementations over `rounds` pairs of processes, so a change in the
 * machine's load falls on both, then pools each implementation's samples per delivery size.
 */
async function measureAcknowledgements(args: string[], rounds: number): Promise<AcknowledgementFigures[]> {
  const runs: AcknowledgementRun[] = [];
  for (let index = 0; index < rounds; index++) runs.push(await acknowledgementInChild(args, false), await acknowledgementInChild(args, true));
  const pooled = new Map<string, AcknowledgementSamples & { implementation: CryptoImplementation }>();
  for (const run of runs) {
    for (const size of run.sizes) {
      const key = `${run.implementation} ${size.messages}`;
      const entry = pooled.get(key) ?? { ...size, implementation: run.implementation, acknowledgeMs: [], hmacAndParseMs: [] };
      entry.acknowledgeMs.push(...size.acknowledgeMs);
      entry.hmacAndParseMs.push(...size.hmacAndParseMs);
      pooled.set(key, entry);
    }
  }
  return [...pooled.values()].map((entry) => {
    const acknowledge = ascending(entry.acknowledgeMs);
    const baseline = ascending(entry.hmacAndParseMs);
    return {
      implementation: entry.implementation,
      messages: entry.messages,
      bodyBytes: entry.bodyBytes,
      deliveries: acknowledge.length,
      acknowledgeP50Ms: round(percentile(acknowledge, 0.5)),
      acknowledgeP99Ms: round(percentile(acknowledge, 0.99)),
      hmacAndParseP50Ms: round(percentile(baseline, 0.5), 4),
      hmacAndParseP99Ms: round(percentile(baseline, 0.99), 4),
    };
  });
}

function acknowledgementTable(figures: AcknowledgementFigures[]): string {
  const rows = figures.map(
    (size) =>
      `| \`${size.implementation}\` | ${size.messages} | ${size.bodyBytes.toLocaleString('en')} | ${size.deliveries.toLocaleString('en')} | ${size.acknowledgeP50Ms} | ${size.acknowledgeP99Ms} | ${size.hmacAndParseP50Ms} | ${size.hmacAndParseP99Ms} | ${Math.round(size.acknowledgeP50Ms / size.hmacAndParseP50Ms)}× |`,
  );
  return [
    '| Signatures on | Messages per delivery | Body (bytes) | Deliveries | `handleWebhook` p50 (ms) | p99 (ms) | HMAC + `JSON.parse` p50 (ms) | p99 (ms) | p50 ratio |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

/** One sentence per delivery size: the share of signature + parsing, and WebCrypto against node:crypto. */
function acknowledgementSummary(figures: AcknowledgementFigures[]): string {
  const sizes = [...new Set(figures.map((figure) => figure.messages))];
  return sizes
    .map((messages) => {
      const on = (implementation: CryptoImplementation) => figures.find((figure) => figure.messages === messages && figure.implementation === implementation);
      const node = on('node-crypto');
      const web = on('web-crypto');
      if (!node || !web) return '';
      const share = (figure: AcknowledgementFigures) => `${((100 * figure.hmacAndParseP50Ms) / figure.acknowledgeP50Ms).toFixed(0)} %`;
      return `With ${messages} message(s) per delivery, HMAC + \`JSON.parse\` are ${share(node)} of the median acknowledgement on \`node:crypto\` and ${share(web)} on WebCrypto, whose check costs ${(web.hmacAndParseP50Ms / node.hmacAndParseP50Ms).toFixed(1)}× as much.`;
    })
    .join(' ');
}

export async function run(args: string[]): Promise<void> {
  if (args.includes('--acknowledgement-child')) return runAcknowledgement(args);
  const interactions = argument(args, '--interactions', 10_000);
  const batch = argument(args, '--batch', 100);
  // Warm-up: loads the default classifier and identity merger and lets the JIT settle.
  await measureWhatsapp('warm-up (WhatsApp)', 1000, batch);
  await measureX('warm-up (X)', 1000);
  const whatsappBare = await measureWhatsapp('WhatsApp webhook, no classification, no merger', interactions, batch, false, channelIdentityResolver());
  const whatsappPlain = await measureWhatsapp('WhatsApp webhook, no classification', interactions, batch, false);
  const whatsapp = await measureWhatsapp(`WhatsApp webhook (${batch}/delivery) + defaults`, interactions, batch);
  const xPlain = await measureX('X mentions pages, no classification', interactions, false);
  const x = await measureX('X mentions pages (100/page) + defaults', interactions);
  const peakRssMB = Math.round(process.memoryUsage().rss / 1048576);
  const childOptions = ['--batch', '--ack-deliveries'];
  const passOn = args.filter((value, index) => childOptions.includes(value) || childOptions.includes(args[index - 1] ?? ''));
  const rounds = argument(args, '--ack-rounds', 2);
  const acknowledgements = await measureAcknowledgements(passOn, rounds);
  writeBenchmarkSection(
    'webhooks',
    'Webhook and poll to ledger (WhatsApp Cloud API, X)',
    `\`npm run bench -- webhooks --interactions ${interactions} --batch ${batch}\`: one process, one core, memory ledger; "defaults" means the
default classifier and the default identity merger, as \`createSocialCrm()\` sets them up.

| Path | Interactions/s |
| --- | --- |
| WhatsApp: signed notifications of ${batch} messages through \`crm.handleWebhook()\`, no classification, one customer per identity (\`channelIdentityResolver()\`) | ${whatsappBare} |
| WhatsApp: the same with the identity merger, no classification | ${whatsappPlain} |
| WhatsApp: the same, with the defaults | ${whatsapp} |
| X: mentions pages of 100 Posts with \`includes.users\` through \`crm.poll()\` (in-process fetch), no classification | ${xPlain} |
| X: the same, with the defaults | ${x} |

Each WhatsApp delivery is verified (HMAC-SHA256 over the raw body), parsed, normalised per message
type (text, captioned image, location, list reply) and stored one interaction at a time; customers
repeat across deliveries (5,000 distinct numbers). Peak RSS ${peakRssMB} MB. Load average during the
run ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores: other jobs shared the machine, so treat the figures as a floor and
differences between rows of less than about a third as noise.

### Acknowledgement latency

How long \`crm.handleWebhook()\` takes to answer one signed WhatsApp delivery, with the defaults, one
delivery at a time. After each delivery, the same body is checked with HMAC-SHA256 and parsed with
\`JSON.parse\` alone. The ratio shows how much of the acknowledgement is signature and parsing, and
how much is everything after them (normalisation, de-duplication, identity, classification, ledger,
events). Each implementation runs in fresh processes, ${rounds} of each, taking turns so that a change in the
machine's load falls on both. One uses \`node:crypto\`, the default where \`process.getBuiltinModule\`
offers it. The other hides \`node:crypto\`, so that signatures fall back to WebCrypto. Each process first
sends a fifth as many deliveries again as a warm-up; these are not counted. The samples of all rounds are pooled.
Each timing starts only after the event loop has drained. The crm still has work running after it
answers, and without that pause the work lands inside the next timing: a WebCrypto check of the
100-message body then read about 4 ms instead of well under 1 ms.

${acknowledgementTable(acknowledgements)}

${acknowledgementSummary(acknowledgements)} p99 on a shared 2-core machine mostly measures the other jobs and garbage collection. Compare p50s.`,
  );
  console.log(
    JSON.stringify({
      whatsappInteractionsPerSecond: whatsapp,
      xInteractionsPerSecond: x,
      acknowledgement: acknowledgements.map(({ implementation, messages, acknowledgeP50Ms, acknowledgeP99Ms, hmacAndParseP50Ms, hmacAndParseP99Ms }) => ({
        implementation,
        messages,
        acknowledgeP50Ms,
        acknowledgeP99Ms,
        hmacAndParseP50Ms,
        hmacAndParseP99Ms,
        ratioP50: round(acknowledgeP50Ms / hmacAndParseP50Ms, 1),
      })),
    }),
  );
}

/**
 * `npm run bench -- accounts [--deliveries 10000] [--block 100] [--accounts 100]`: what resolving
 * the account costs per webhook delivery, side by side in one process.
 * - single: `whatsappAdapter({ phoneNumberId, accessToken })`, today's one-account options;
 * - accounts: `whatsappAdapter({ accounts: { resolve } })`, with `--accounts` numbers resolved and
 *   cached before timing (the resolver is asked once per number).
 * Each delivery is a signed one-message WhatsApp notification (the smallest delivery, so the
 * resolution's share is the largest). Two figures per variant, taking turns every `--block`
 * deliveries so both share the machine's moment:
 * - pipeline: `crm.handleWebhook()` to the memory ledger (signature, normalisation, identity,
 *   classification, storage, events);
 * - adapter: `adapter.doHandleWebhook()` alone (signature, envelope, normalisation, resolution).
 * The last line printed is one JSON object.
 */
import { createSocialCrm, memoryLedger, type ChannelAdapter } from 'social-crm';
import { hmac, toHex, type AdapterContext } from 'social-crm/adapter-kit';
import { whatsappAdapter } from 'social-crm/adapters/whatsapp';
import { writeBenchmarkSection } from './_report.js';
import { APP_SECRET, PHONE_NUMBER_ID, whatsappNotification } from './_whatsapp.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function argument(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(name);
  const value = index >= 0 ? Number(args[index + 1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback;
}

const accountId = (index: number) => String(BigInt(PHONE_NUMBER_ID) + BigInt(index));

type Variant = 'single' | 'accounts';

function makeAdapter(variant: Variant, accounts: number): ChannelAdapter {
  if (variant === 'single') return whatsappAdapter({ appSecret: APP_SECRET, verifyToken: 'bench', accessToken: 'bench-token', phoneNumberId: PHONE_NUMBER_ID });
  const known = new Set(Array.from({ length: accounts }, (_, index) => accountId(index)));
  return whatsappAdapter({
    appSecret: APP_SECRET,
    verifyToken: 'bench',
    accounts: { resolve: (id) => (known.has(id) ? { credentials: { accessToken: `bench-token-${id}` } } : null) },
  });
}

/**
 * Signed one-message deliveries. `spread`: each names one of the numbers in turn (to fill the
 * cache); otherwise all name the same number, so both variants store the very same workload and
 * only the resolution differs (a cache hit costs the same whichever number it is for).
 */
async function deliveries(variant: Variant, count: number, accounts: number, round: number, spread = false): Promise<Array<{ body: string; signature: string }>> {
  const now = Math.floor(Date.now() / 1000);
  const list = [];
  for (let index = 0; index < count; index++) {
    let body = whatsappNotification(round * count + index, 1, now);
    if (variant === 'accounts' && spread) body = body.replace(`"phone_number_id":"${PHONE_NUMBER_ID}"`, `"phone_number_id":"${accountId(index % accounts)}"`);
    list.push({ body, signature: `sha256=${toHex(await hmac('SHA-256', APP_SECRET, body))}` });
  }
  return list;
}

const toRequest = ({ body, signature }: { body: string; signature: string }) =>
  new Request('https://crm.example.test/webhooks/whatsapp', { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body });

/** Something that takes one delivery: the crm's front door, or the adapter alone. */
type Intake = (request: Request) => Promise<void>;

function crmIntake(variant: Variant, accounts: number): Intake {
  const crm = createSocialCrm({ ledger: memoryLedger(), adapters: [makeAdapter(variant, accounts)], logger: quiet });
  return async (request) => {
    const response = await crm.handleWebhook(request);
    if (response.status !== 200) throw new Error(`The webhook answered ${response.status}: ${await response.text()}`);
  };
}

function adapterIntake(variant: Variant, accounts: number): Intake {
  const adapter = makeAdapter(variant, accounts);
  const context = { http: undefined as never, logger: quiet, now: () => new Date(), generateId: () => crypto.randomUUID() } satisfies AdapterContext;
  return async (request) => {
    const { events } = await adapter.doHandleWebhook!(request, context);
    if (events.length !== 1) throw new Error(`Expected one event per delivery, got ${events.length}.`);
  };
}

/**
 * Microseconds per delivery of each variant, taking turns in blocks of `block` deliveries (the
 * machine is shared: short turns spread its ups and downs evenly over both). Both start warm: every
 * number once, untimed. Returns the median over blocks of each variant and of the per-block ratio.
 */
async function sideBySide(make: (variant: Variant, accounts: number) => Intake, count: number, accounts: number, block: number) {
  const variants: Variant[] = ['single', 'accounts'];
  const intakes = { single: make('single', accounts), accounts: make('accounts', accounts) };
  for (const variant of variants) for (const warm of await deliveries(variant, Math.max(accounts, 200), accounts, 10_000, true)) await intakes[variant](toRequest(warm));
  const signed = { single: await deliveries('single', count, accounts, 0), accounts: await deliveries('accounts', count, accounts, 0) };
  const perBlock = { single: [] as number[], accounts: [] as number[] };
  for (let start = 0, turn = 0; start < count; start += block, turn++) {
    // Alternate which variant goes first, so neither always gets the fresher moment.
    for (const variant of turn % 2 ? [...variants].reverse() : variants) {
      const requests = signed[variant].slice(start, start + block).map(toRequest);
      const began = performance.now();
      for (const request of requests) await intakes[variant](request);
      perBlock[variant].push(((performance.now() - began) * 1000) / requests.length);
    }
  }
  const single = median(perBlock.single);
  const resolved = median(perBlock.accounts);
  const ratio = median(perBlock.single.map((value, index) => perBlock.accounts[index]! / value));
  return { singleMicroseconds: Number(single.toFixed(1)), accountsMicroseconds: Number(resolved.toFixed(1)), overheadPercent: Number(((ratio - 1) * 100).toFixed(1)) };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

export async function run(args: string[]): Promise<void> {
  const count = argument(args, '--deliveries', 10_000);
  const block = argument(args, '--block', 100);
  const accounts = argument(args, '--accounts', 100);
  const result = { deliveries: count, block, accounts, pipeline: await sideBySide(crmIntake, count, accounts, block), adapter: await sideBySide(adapterIntake, count, accounts, block), targetPercent: 10 };
  for (const kind of ['pipeline', 'adapter'] as const) {
    const row = result[kind];
    console.log(`${kind.padEnd(9)} single ${row.singleMicroseconds.toFixed(1).padStart(8)} µs/delivery   accounts ${row.accountsMicroseconds.toFixed(1).padStart(8)} µs/delivery   overhead ${row.overheadPercent.toFixed(1).padStart(5)} %`);
  }
  writeBenchmarkSection(
    'accounts',
    'Accounts resolved at run time (cached resolver vs one account)',
    `\`npm run bench -- accounts --deliveries ${count} --block ${block} --accounts ${accounts}\`: signed one-message WhatsApp deliveries to a single-account adapter and to an adapter with \`accounts: { resolve }\` (${accounts} numbers resolved and cached before timing), in one process, taking turns every ${block} deliveries; medians over the blocks, overhead from the median per-block ratio.

| Per delivery | single account | accounts (cached) | overhead |
| --- | ---: | ---: | ---: |
| \`crm.handleWebhook()\` to the memory ledger | ${result.pipeline.singleMicroseconds} µs | ${result.pipeline.accountsMicroseconds} µs | ${result.pipeline.overheadPercent} % |
| \`adapter.doHandleWebhook()\` alone | ${result.adapter.singleMicroseconds} µs | ${result.adapter.accountsMicroseconds} µs | ${result.adapter.overheadPercent} % |

Target: at most 10 % per delivery. The resolution itself is a map look-up and a copy of the events with the tenant and the account id; a miss (the first delivery of an account, or after \`ttlMs\`) costs one call to the host's resolver on top.`,
  );
  console.log(JSON.stringify(result));
}

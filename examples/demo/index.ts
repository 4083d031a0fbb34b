/**
 * `npm run demo`: replays a week of English and Turkish social traffic through the real webhook
 * code path (signed requests → adapters → pipeline → ledger) and prints what a social CRM
 * team would look at. No server and no keys: everything runs in process on memoryLedger().
 */
import { createSocialCrm, identityKey, memoryLedger } from 'social-crm';
import { createIdentityMerger } from 'social-crm/identity';
import { buildDemoReport, formatDemoReport } from './report.js';
import { demoStream } from './stream.js';
import { demoTransports } from './transports.js';

export async function runDemo(options: { quiet?: boolean } = {}) {
  const scenes = demoStream();
  const transports = demoTransports([...new Set(scenes.map((scene) => scene.network))]);
  const ledger = memoryLedger();
  let clock = new Date(scenes[0]!.createdAt);
  const identity = createIdentityMerger({ ledger, now: () => clock, defaultRegion: 'TR' });
  const crm = createSocialCrm({
    ledger,
    adapters: [...transports.values()].map((transport) => transport.adapter),
    identity,
    now: () => clock,
  });
  // The host CRM already knows Ayşe as contact C-1042 with her Instagram handle and phone number:
  // an explicit link, the strongest evidence, so her Instagram comment and WhatsApp messages land on
  // one customer even though neither network shares anything with the other.
  const ayse = scenes.filter((scene) => scene.story === 'two-networks');
  for (const scene of ayse) await identity.link({ channel: scene.network, ...scene.author }, 'C-1042');
  const statuses: Record<number, number> = {};
  const started = performance.now();
  for (const scene of scenes) {
    clock = new Date(scene.createdAt);
    const response = await crm.handleWebhook(await transports.get(scene.network)!.request(scene, clock));
    statuses[response.status] = (statuses[response.status] ?? 0) + 1;
  }
  const seconds = (performance.now() - started) / 1000;
  const report = await buildDemoReport(ledger);
  const ayseCustomer = (await ledger.getIdentity(identityKey({ channel: ayse[0]!.network, nativeId: ayse[0]!.author.nativeId })))?.customerId;
  const explanation = ayseCustomer ? await identity.explain(ayseCustomer) : undefined;
  const text = formatDemoReport(report, [
    '',
    'Why Ayşe is one customer (identity.explain)',
    '───────────────────────────────────────────',
    ...(explanation ? explanation.text.split('\n').map((line) => `  ${line}`) : ['  (not linked)']),
    `Merge suggestions waiting for an agent: ${identity.suggestions().length}`,
    '',
    `Replayed ${scenes.length} webhooks in ${seconds.toFixed(2)} s; HTTP statuses: ${Object.entries(statuses).map(([status, value]) => `${status}×${value}`).join(', ')}`,
  ]);
  if (!options.quiet) console.log(text);
  return { report, scenes, statuses, crm, ledger };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runDemo();
}

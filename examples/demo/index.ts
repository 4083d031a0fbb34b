/**
 * `npm run demo`: replays a week of English and Turkish social traffic through the real webhook
 * code path (signed requests → adapters → pipeline → ledger) and prints what a social CRM
 * team would look at. No server and no keys: everything runs in process on memoryLedger(), or,
 * with `--db <folder>`, on the PostgreSQL ledger embedded through PGlite in that folder.
 */
import { createSocialCrm, identityKey, isSocialCrmError } from 'social-crm';
import { createIdentityMerger } from 'social-crm/identity';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { renderHtmlReport } from './html-report.js';
import { startDemoInsights } from './insights.js';
import { buildDemoReport, formatDemoReport } from './report.js';
import { demoStream } from './stream.js';
import { demoTransports } from './transports.js';
import { demoDatabaseArgument, openDemoLedger } from './ledger.js';

/** `--html <file>`: also write the report as a self-contained HTML page. */
export function demoHtmlArgument(argv: readonly string[]): string | undefined {
  const { values } = parseArgs({ args: [...argv], options: { html: { type: 'string' } }, strict: false, allowPositionals: true });
  const file = values.html;
  if (file === true || file === '') throw new Error('`--html` needs a file name, e.g. `npm run demo -- --html report.html`.');
  return typeof file === 'string' ? file : undefined;
}

export async function runDemo(options: { quiet?: boolean; html?: string; db?: string } = {}) {
  const scenes = demoStream();
  const transports = demoTransports([...new Set(scenes.map((scene) => scene.network))]);
  const storage = await openDemoLedger(options.db);
  const ledger = storage.ledger;
  let clock = new Date(scenes[0]!.createdAt);
  const identity = createIdentityMerger({ ledger, now: () => clock, defaultRegion: 'TR' });
  const crm = createSocialCrm({
    ledger,
    adapters: [...transports.values()].map((transport) => transport.adapter),
    identity,
    now: () => clock,
  });
  // The insights listen to the crm's events; a host would call advance() from a timer, the demo
  // calls it as its replay clock moves.
  const live = startDemoInsights(crm, () => clock);
  // The host CRM already knows Ayşe as contact C-1042 with her Instagram handle and phone number:
  // an explicit link, the strongest evidence, so her Instagram comment and WhatsApp messages land on
  // one customer even though neither network shares anything with the other.
  const ayse = scenes.filter((scene) => scene.story === 'two-networks');
  for (const scene of ayse) {
    try {
      await identity.link({ channel: scene.network, ...scene.author }, 'C-1042');
    } catch (error) {
      // A second run on the same --db folder finds the link in place.
      if (!isSocialCrmError(error)) throw error;
    }
  }
  const statuses: Record<number, number> = {};
  const started = performance.now();
  for (const scene of scenes) {
    clock = new Date(scene.createdAt);
    const response = await crm.handleWebhook(await transports.get(scene.network)!.request(scene, clock));
    statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    live.insights.advance(clock);
  }
  const seconds = (performance.now() - started) / 1000;
  const report = await buildDemoReport(ledger, live);
  const ayseCustomer = (await ledger.getIdentity(identityKey({ channel: ayse[0]!.network, nativeId: ayse[0]!.author.nativeId })))?.customerId;
  const explanation = ayseCustomer ? await identity.explain(ayseCustomer) : undefined;
  const text = formatDemoReport(report, [
    '',
    'Why Ayşe is one customer (identity.explain)',
    '───────────────────────────────────────────',
    ...(explanation ? explanation.text.split('\n').map((line) => `  ${line}`) : ['  (not linked)']),
    `Merge suggestions waiting for an agent: ${identity.suggestions().length}`,
    '',
    `Storage: ${storage.description}`,
    `Replayed ${scenes.length} webhooks in ${seconds.toFixed(2)} s; HTTP statuses: ${Object.entries(statuses).map(([status, value]) => `${status}×${value}`).join(', ')}`,
  ]);
  if (!options.quiet) console.log(text);
  let html: string | undefined;
  if (options.html) {
    html = renderHtmlReport(report, { title: 'Yıldız Air — a week on social media (social-crm demo)' });
    await writeFile(options.html, html, 'utf8');
    if (!options.quiet) console.log(`\nHTML report written to ${options.html}`);
  }
  live.insights.close();
  if (options.db) await crm.close();
  return { report, scenes, statuses, crm, ledger, insights: live, html, text };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runDemo({ html: demoHtmlArgument(process.argv.slice(2)), db: demoDatabaseArgument(process.argv.slice(2)) });
}

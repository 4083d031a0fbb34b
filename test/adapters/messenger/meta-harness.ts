import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSocialCrm, memoryLedger, type Interaction, type InteractionLedger, type SocialCrm, type SocialCrmEvents, type SocialCrmOptions } from 'social-crm';
import type { ChannelAdapter } from 'social-crm/adapter-kit';
export { rejection } from '../../helpers/outcomes.js';

/*
 * What the Facebook, Messenger and Instagram tests share: Meta's signature, fixture files, and a
 * crm wired for one webhook URL with its warnings collected.
 */

/** Reads `fixtures/<name>.json` next to the test file whose `import.meta.url` is given. */
export function fixtureReader(testFileUrl: string): (name: string) => Record<string, unknown> {
  return (name) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, testFileUrl), 'utf8')) as Record<string, unknown>;
}

/** `X-Hub-Signature-256` as Meta computes it (independently of the adapters' helpers). */
export function signMeta(body: string, secret: string): Record<string, string> {
  return { 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` };
}

/** A crm, its ledger and warnings, and a way to post signed deliveries to one webhook URL. */
export interface MetaHarness {
  crm: SocialCrm;
  ledger: InteractionLedger;
  warnings: Array<SocialCrmEvents['warning']>;
  /** POSTs `body` (JSON unless a string) signed with the app secret, or with `headers` instead. */
  deliver(body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** Every stored interaction of the channel, deleted ones included. */
  rows(): Promise<Interaction[]>;
}

export interface MetaHarnessOptions {
  adapters: ChannelAdapter[];
  channel: string;
  webhookUrl: string;
  appSecret: string;
  now?: Date;
  /** Run the default classifier. @default false */
  classify?: boolean;
  http?: SocialCrmOptions['http'];
}

export function createMetaHarness(options: MetaHarnessOptions): MetaHarness {
  const ledger = memoryLedger();
  const now = options.now;
  const crm = createSocialCrm({
    ledger,
    adapters: options.adapters,
    ...(options.classify ? {} : { classifier: false as const }),
    ...(now ? { now: () => now } : {}),
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    http: options.http ?? { retries: 2, maxRateLimitWaitMs: 5_000, backoffBaseMs: 10 },
  });
  const warnings: Array<SocialCrmEvents['warning']> = [];
  crm.on('warning', (warning) => warnings.push(warning));
  return {
    crm,
    ledger,
    warnings,
    deliver(body, headers) {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      return crm.handleWebhook(
        new Request(options.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...(headers ?? signMeta(text, options.appSecret)) }, body: text }),
      );
    },
    async rows() {
      return (await ledger.queryInteractions({ channel: options.channel, includeDeleted: true, limit: 100 })).items;
    },
  };
}

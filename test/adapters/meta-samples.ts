import { expect } from 'vitest';
import type { Interaction, SocialCrmEvents } from 'social-crm';
import type { ChannelAdapter } from 'social-crm/adapter-kit';
import { createMetaHarness, type MetaHarness } from './messenger/meta-harness.js';

/** What one real-world delivery left behind. */
export interface SampleOutcome {
  status: number;
  rows: Interaction[];
  deadLetters: number;
  warnings: Array<SocialCrmEvents['warning']>;
  harness: MetaHarness;
}

export const SAMPLE_APP_SECRET = 'channel-samples-app-secret';

/** Wraps one `{field, value}` change (the Dashboard's test samples) in Meta's delivery envelope. */
export function metaEnvelope(object: string, accountId: string, change: unknown, time = 1_700_000_000): Record<string, unknown> {
  return { object, entry: [{ id: accountId, time, changes: [change] }] };
}

/** Delivers `body`, signed, to a fresh crm with `adapter`, and reads what it stored, dead-lettered and warned. */
export async function deliverSample(adapter: ChannelAdapter, body: unknown): Promise<SampleOutcome> {
  const harness = createMetaHarness({ adapters: [adapter], channel: adapter.id, webhookUrl: `https://crm.example.test/webhooks/${adapter.id}`, appSecret: SAMPLE_APP_SECRET });
  const response = await harness.deliver(body);
  return {
    status: response.status,
    rows: await harness.rows(),
    deadLetters: (await harness.ledger.listDeadLetters()).items.length,
    warnings: harness.warnings,
    harness,
  };
}

/** Acknowledged, nothing dead-lettered, and exactly `count` rows stored. */
export function expectStored(outcome: SampleOutcome, count: number): Interaction[] {
  expect(outcome.status).toBe(200);
  expect(outcome.deadLetters).toBe(0);
  expect(outcome.rows).toHaveLength(count);
  return outcome.rows;
}

/** Acknowledged without storing or dead-lettering anything, with a warning whose message matches. */
export function expectIgnored(outcome: SampleOutcome, warning: RegExp): void {
  expectStored(outcome, 0);
  expect(warningText(outcome)).toMatch(warning);
}

/** Every warning message of the delivery, one per line. */
export function warningText(outcome: SampleOutcome): string {
  return outcome.warnings.map((entry) => entry.warning.message).join('\n');
}

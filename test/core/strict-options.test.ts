import { describe, expect, it } from 'vitest';
import { createSocialCrm, isSocialCrmError, memoryLedger, type InvalidOptionsError } from 'social-crm';
import { mastodonAdapter } from 'social-crm/adapters/mastodon';
import { whatsappAdapter } from 'social-crm/adapters/whatsapp';
import { createClassifier } from 'social-crm/classifier';
import { createIdentityMerger, linkRecords } from 'social-crm/identity';
import { memoryQueue } from 'social-crm/queue';
import { failure, rejection } from '../helpers/outcomes.js';

/** The InvalidOptionsError a call threw, checked to be one. */
function invalid(error: unknown): InvalidOptionsError {
  expect(isSocialCrmError(error, 'INVALID_OPTIONS'), String(error)).toBe(true);
  return error as InvalidOptionsError;
}

describe('strict options', () => {
  it('refuses an unknown key at any depth of createSocialCrm options, suggesting the closest known one', () => {
    const top = invalid(failure(() => createSocialCrm({ ledger: memoryLedger(), adapter: [] } as never)));
    expect(top.issues).toEqual([expect.objectContaining({ path: 'adapter' })]);
    expect(top.message).toContain('did you mean `adapters`?');

    const nested = invalid(failure(() => createSocialCrm({ ledger: memoryLedger(), http: { timeoutMS: 5_000 }, outbox: { maxAtempts: 3 } } as never)));
    expect(nested.issues.map((issue) => issue.path).sort()).toEqual(['http.timeoutMS', 'outbox.maxAtempts']);
    expect(nested.message).toContain('did you mean `timeoutMs`?');
    expect(nested.message).toContain('did you mean `maxAttempts`?');

    // Nothing close: the known keys are listed instead of a guess.
    const far = invalid(failure(() => createSocialCrm({ ledger: memoryLedger(), zzzzzz: 1 } as never)));
    expect(far.message).not.toContain('did you mean');
    expect(far.message).toContain('`webhookPath`');
  });

  it('names the fix when an adapter factory is passed uncalled', () => {
    const error = invalid(failure(() => createSocialCrm({ ledger: memoryLedger(), adapters: [whatsappAdapter as never] })));
    expect(error.issues).toEqual([expect.objectContaining({ path: 'adapters.0' })]);
    expect(error.message).toContain('is the adapter factory `whatsappAdapter` itself');
    expect(error.message).toContain('`whatsappAdapter({ ... })`');
    expect(error.message).not.toContain('Invalid input');
    const crm = createSocialCrm({ ledger: memoryLedger() });
    expect(invalid(failure(() => crm.register(mastodonAdapter as never))).message).toContain('`mastodonAdapter({ ... })`');
  });

  it('applies to adapters, the classifier, the identity merger, linkRecords and the queues', () => {
    expect(invalid(failure(() => mastodonAdapter({ instanceUrl: 'https://mastodon.example', accessToken: 't', acessToken: 't' } as never))).message).toContain('did you mean `accessToken`?');
    expect(invalid(failure(() => createClassifier({ languages: ['en'], thresholds: { intnet: 0.4 } } as never))).issues[0]?.path).toBe('thresholds.intnet');
    expect(invalid(failure(() => createIdentityMerger({ bands: { autoMerg: 0.95 } } as never))).message).toContain('did you mean `autoMerge`?');
    // Inside a discriminated union, judged against the member the value is.
    const linked = invalid(failure(() => linkRecords([], { comparisons: [{ type: 'name', field: 'name', termFrequncy: true }], blocking: [['name']] } as never)));
    expect(linked.issues).toEqual([expect.objectContaining({ path: 'comparisons.0.termFrequncy' })]);
    expect(linked.message).toContain('did you mean `termFrequency`?');
    expect(invalid(failure(() => memoryQueue({ retryDelay: 10 } as never))).message).toContain('did you mean `retryDelayMs`?');
  });

  it('applies to the options of long calls', async () => {
    const crm = createSocialCrm({ ledger: memoryLedger(), classifier: false });
    expect(invalid(await rejection(crm.poll({ maxPage: 1 } as never))).message).toContain('did you mean `maxPages`?');
    expect(invalid(await rejection(crm.retryDeadLetters({ limt: 1 } as never))).message).toContain('did you mean `limit`?');
    expect(invalid(await rejection(crm.fetchAttachment('x', 0, { maxByte: 1 } as never))).message).toContain('did you mean `maxBytes`?');
    expect(invalid(await rejection(crm.reply('x', { text: 'hi', idempotencykey: 'k' } as never))).message).toContain('did you mean `idempotencyKey`?');
    expect(invalid(await rejection(crm.reply('x', { text: 'hi', signal: AbortSignal.timeout(1000) } as never))).message).toContain('crm.reply(id, content, { signal })');
    expect(invalid(await rejection(crm.publish({ channel: 'x', text: 'hi', idempotencyKey: 'k', campaign: 'c' } as never))).message).toContain('did you mean `campaignId`?');
    expect(invalid(await rejection(crm.publish({ channel: 'x', text: 'hi', idempotencyKey: 'k' }, { signl: 1 } as never))).message).toContain('did you mean `signal`?');
    expect(invalid(await rejection(createIdentityMerger({ ledger: memoryLedger() }).rematch({ cursr: 'a' } as never))).message).toContain('did you mean `cursor`?');
  });
});

describe('the options-parse helper', () => {
  it('judges a schema that is not a zod schema by its own safeParse alone', async () => {
    const { parseAdapterOptions } = await import('social-crm/adapter-kit');
    const refusing = { safeParse: () => ({ success: false, error: { issues: [{ path: ['x'], message: 'bad' }] } }) };
    expect(invalid(failure(() => parseAdapterOptions('probe', refusing as never, {}))).issues).toEqual([{ path: 'x', message: 'bad' }]);
    const accepting = { safeParse: (value: unknown) => ({ success: true, data: value }) };
    expect(parseAdapterOptions('probe', accepting as never, { anything: 1 })).toEqual({ anything: 1 });
  });
});

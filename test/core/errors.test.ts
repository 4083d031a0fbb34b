import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ChannelApiError, ERROR_CODES, InvalidOptionsError, RateLimitError, isChannelApiError, isRateLimitError, isSocialCrmError } from 'social-crm';

describe('errors', () => {
  it('documents every code in docs/guide/errors.md with its own anchor', () => {
    const doc = readFileSync('docs/guide/errors.md', 'utf8');
    for (const code of Object.keys(ERROR_CODES)) {
      expect(doc, code).toContain(`## ${code.toLowerCase().replaceAll('_', '-')}`);
    }
  });

  it('recognises errors from another copy of the package by their marker', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('social-crm.error')]: true, code: 'RATE_LIMITED' });
    expect(isSocialCrmError(foreign)).toBe(true);
    expect(isRateLimitError(foreign)).toBe(true);
    expect(isSocialCrmError(new Error('plain'))).toBe(false);
    expect(isSocialCrmError({ code: 'RATE_LIMITED' })).toBe(false);
  });

  it('prefixes messages and carries structured HTTP fields', () => {
    const error = new RateLimitError('Too many calls.', { adapterId: 'x', method: 'post', url: 'https://api.x.com/2/tweets', status: 429, retryAfterMs: 900 });
    expect(error.message).toBe('[social-crm] [x] Too many calls. (POST https://api.x.com/2/tweets → 429)');
    expect(error).toBeInstanceOf(ChannelApiError);
    expect(isChannelApiError(error)).toBe(true);
    expect(error.isRetryable).toBe(true);
    expect(new InvalidOptionsError('[social-crm] bad').message).toBe('[social-crm] bad');
  });
});

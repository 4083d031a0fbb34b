import { describe, expect, it } from 'vitest';
import { hmac, timingSafeEqual, toBase64, toHex, verifyHmacSignature, type HmacAlgorithm, type VerifyHmacOptions } from 'social-crm/adapter-kit';
import { defaultCryptoImplementation, type CryptoImplementation } from '../../src/webhook.js';

const IMPLEMENTATIONS: CryptoImplementation[] = ['node-crypto', 'web-crypto'];

// RFC 2202 / RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
const PUBLISHED: Record<HmacAlgorithm, string> = {
  'SHA-1': 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79',
  'SHA-256': '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  'SHA-512': '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
};

/** What verifying answers: `valid`, or the reason of the WebhookVerificationError. */
async function verdict(options: VerifyHmacOptions, implementation: CryptoImplementation): Promise<string> {
  try {
    await verifyHmacSignature(options, implementation);
    return 'valid';
  } catch (error) {
    return (error as { code?: string; reason?: string }).code === 'WEBHOOK_VERIFICATION_FAILED' ? String((error as { reason: string }).reason) : `unexpected: ${String(error)}`;
  }
}

describe('HMAC signatures on node:crypto and on WebCrypto', () => {
  it('uses node:crypto on Node, found without a static import', () => {
    expect(defaultCryptoImplementation()).toBe('node-crypto');
  });

  it.each(IMPLEMENTATIONS)('%s computes the published HMAC test vectors, from strings and from bytes', async (implementation) => {
    for (const [algorithm, expected] of Object.entries(PUBLISHED) as Array<[HmacAlgorithm, string]>) {
      expect(toHex(await hmac(algorithm, 'Jefe', 'what do ya want for nothing?', implementation)), algorithm).toBe(expected);
      const bytes = await hmac(algorithm, new TextEncoder().encode('Jefe'), new TextEncoder().encode('what do ya want for nothing?'), implementation);
      expect(bytes.constructor).toBe(Uint8Array);
      expect(toHex(bytes), algorithm).toBe(expected);
    }
  });

  it('gives the same verdicts on valid, tampered and wrong-length signatures', async () => {
    const secret = 'app-secret-7f3a';
    const body = JSON.stringify({ entry: [{ id: '1029', changes: [{ value: { text: 'Sipariş nerede? 📦' } }] }] });
    const hex = toHex(await hmac('SHA-256', secret, body, 'web-crypto'));
    const base64 = toBase64(await hmac('SHA-256', secret, body, 'web-crypto'));
    const sha1 = toHex(await hmac('SHA-1', secret, body, 'web-crypto'));
    const flipped = `${hex.slice(0, 10)}${hex[10] === '0' ? '1' : '0'}${hex.slice(11)}`;
    const base = { algorithm: 'SHA-256' as const, secret, payload: body, prefix: 'sha256=', headerName: 'X-Hub-Signature-256' };
    const cases: Array<[string, VerifyHmacOptions, string]> = [
      ['valid', { ...base, signature: `sha256=${hex}` }, 'valid'],
      ['valid, upper-case hex and prefix', { ...base, signature: `SHA256=${hex.toUpperCase()}` }, 'valid'],
      ['valid, surrounding spaces', { ...base, signature: `  sha256=${hex} ` }, 'valid'],
      ['valid, byte payload', { ...base, payload: new TextEncoder().encode(body), signature: `sha256=${hex}` }, 'valid'],
      ['tampered body', { ...base, payload: body.replace('1029', '1030'), signature: `sha256=${hex}` }, 'invalid-signature'],
      ['wrong secret', { ...base, secret: 'app-secret-7f3b', signature: `sha256=${hex}` }, 'invalid-signature'],
      ['one digit changed', { ...base, signature: `sha256=${flipped}` }, 'invalid-signature'],
      ['truncated', { ...base, signature: `sha256=${hex.slice(0, 40)}` }, 'invalid-signature'],
      ['one character longer', { ...base, signature: `sha256=${hex}0` }, 'invalid-signature'],
      ['doubled', { ...base, signature: `sha256=${hex}${hex}` }, 'invalid-signature'],
      ['prefix only', { ...base, signature: 'sha256=' }, 'invalid-signature'],
      ['SHA-1 digest where SHA-256 is expected', { ...base, signature: `sha256=${sha1}` }, 'invalid-signature'],
      ['wrong prefix', { ...base, signature: `sha1=${hex}` }, 'invalid-signature'],
      ['missing', { ...base, signature: null }, 'missing-signature'],
      ['empty', { ...base, signature: '' }, 'missing-signature'],
      ['valid base64', { ...base, prefix: undefined, encoding: 'base64', signature: base64 }, 'valid'],
      ['base64 with case changed', { ...base, prefix: undefined, encoding: 'base64', signature: base64.toLowerCase() }, 'invalid-signature'],
      ['base64 without padding', { ...base, prefix: undefined, encoding: 'base64', signature: base64.replace(/=+$/, '') }, 'invalid-signature'],
      ['non-ASCII signature', { ...base, signature: `sha256=${'é'.repeat(32)}` }, 'invalid-signature'],
    ];
    for (const [name, options, expected] of cases) {
      const verdicts = await Promise.all(IMPLEMENTATIONS.map((implementation) => verdict(options, implementation)));
      expect(verdicts, name).toEqual([expected, expected]);
    }
  });

  it('compares strings in constant time, refusing different lengths', () => {
    expect(timingSafeEqual('verify-token', 'verify-token')).toBe(true);
    expect(timingSafeEqual('verify-token', 'verify-tokem')).toBe(false);
    expect(timingSafeEqual('verify-token', 'verify-token-2')).toBe(false);
    expect(timingSafeEqual('', '')).toBe(true);
    expect(timingSafeEqual('', 'x')).toBe(false);
  });
});

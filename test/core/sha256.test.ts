import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex, sha256HexPortable } from '../../src/_sha256.js';

describe('sha256Hex', () => {
  // Empty, one block, the 55/56/64-byte padding edges, several blocks, and multi-byte UTF-8.
  const inputs = ['', 'abc', 'a'.repeat(55), 'a'.repeat(56), 'a'.repeat(64), 'x'.repeat(1000), 'whatsapp:905321234567|Ayşe Yılmaz 😍'];

  it('matches node:crypto, in both the runtime and the portable implementation', () => {
    for (const input of inputs) {
      const expected = createHash('sha256').update(input, 'utf8').digest('hex');
      expect(sha256Hex(input), input).toBe(expected);
      expect(sha256HexPortable(input), input).toBe(expected);
    }
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inspectJson, MAX_JSON_DEPTH, networkTimeOr, parseJsonObject, readNetworkTime, type AdapterWarning } from 'social-crm/adapter-kit';

const NOW = new Date('2026-12-05T12:00:00Z');

describe('inspectJson', () => {
  it('names the top-level value without parsing', () => {
    expect(['{}', ' [1]', '"a"', '-1', '12', 'true', 'null', '', '  \n', '\ufeff{}'].map((text) => inspectJson(text))).toEqual([
      'object',
      'array',
      'string',
      'number',
      'number',
      'literal',
      'literal',
      'empty',
      'empty',
      'object',
    ]);
    expect(inspectJson(new TextEncoder().encode('\ufeff {"a":1}'))).toBe('object');
  });

  it('counts only brackets outside strings, escapes included', () => {
    const inString = `{"a":"${'['.repeat(500)}\\"${'{'.repeat(500)}"}`;
    expect(inspectJson(inString)).toBe('object');
    expect(() => inspectJson(`{"a":${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}}`)).toThrow(/more than 64 levels/);
    expect(inspectJson(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`)).toBe('array');
  });

  it('agrees with JSON.parse on the depth of any JSON value (property, seeded)', () => {
    const depthOf = (value: unknown): number => {
      let deepest = 0;
      const stack: Array<[unknown, number]> = [[value, 0]];
      while (stack.length) {
        const [current, depth] = stack.pop()!;
        if (current === null || typeof current !== 'object') continue;
        deepest = Math.max(deepest, depth + 1);
        for (const child of Object.values(current)) stack.push([child, depth + 1]);
      }
      return deepest;
    };
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 1, max: 8 }), (value, limit) => {
        const text = JSON.stringify(value);
        const deep = depthOf(value) > limit;
        let threw = false;
        try {
          inspectJson(text, limit);
        } catch {
          threw = true;
        }
        return threw === deep;
      }),
      { seed: 20_261_205, numRuns: 300 },
    );
  });

  it('answers the same for a text and for its UTF-8 bytes, on any text (property, seeded)', () => {
    const outcome = (input: string | Uint8Array) => {
      try {
        return inspectJson(input, 4);
      } catch (error) {
        return (error as Error).message;
      }
    };
    const texts = fc.oneof(
      fc.jsonValue({ maxDepth: 7 }).map((value) => JSON.stringify(value)),
      fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', '\\', ' ', 'a', 'ş', '😡', '\ufeff', '\n', '1', '-') }),
      fc.string({ unit: 'grapheme' }),
    );
    fc.assert(
      fc.property(texts, (text) => {
        expect(outcome(text)).toBe(outcome(new TextEncoder().encode(text)));
      }),
      { seed: 20_261_206, numRuns: 1000 },
    );
  });

  it('parseJsonObject refuses anything but one object, with a typed 400', () => {
    expect(parseJsonObject('{"a":[1]}')).toEqual({ a: [1] });
    for (const body of ['12345', 'true', 'null', '"x"', '[]', '', 'nope']) {
      expect(() => parseJsonObject(body), body).toThrow(expect.objectContaining({ code: 'INVALID_PAYLOAD', status: 400 }));
    }
  });
});

describe('readNetworkTime', () => {
  it('reads seconds, milliseconds and ISO strings, and never throws', () => {
    expect(readNetworkTime(1_764_936_000, NOW)).toMatchObject({ ok: true, iso: '2025-12-05T12:00:00.000Z' });
    expect(readNetworkTime('1764936000000', NOW)).toMatchObject({ ok: true, iso: '2025-12-05T12:00:00.000Z' });
    expect(readNetworkTime('2026-12-05T11:00:00+0000', NOW)).toMatchObject({ ok: true, iso: '2026-12-05T11:00:00.000Z' });
    for (const value of [9007199254740992, 1e300, -1e300, Number.NaN, Infinity, -1, 0, '1e300', '9999-99-99', {}, [], true]) {
      expect(readNetworkTime(value, NOW).ok, String(value)).toBe(false);
    }
    fc.assert(fc.property(fc.anything(), (value) => typeof readNetworkTime(value, NOW).ok === 'boolean'), { seed: 20_261_205, numRuns: 500 });
  });

  it('does not believe a time before 2006 or more than a day ahead', () => {
    expect(readNetworkTime('2005-12-31T23:59:59Z', NOW)).toMatchObject({ ok: false, reason: 'out-of-range' });
    expect(readNetworkTime('2006-01-01T00:00:00Z', NOW)).toMatchObject({ ok: true });
    expect(readNetworkTime('2026-12-06T11:59:00Z', NOW)).toMatchObject({ ok: true });
    expect(readNetworkTime('2026-12-06T12:01:00Z', NOW)).toMatchObject({ ok: false, reason: 'out-of-range' });
    expect(readNetworkTime(undefined, NOW)).toMatchObject({ ok: false, reason: 'missing' });
  });

  it('networkTimeOr falls back and says why, once per unbelievable value', () => {
    const warnings: AdapterWarning[] = [];
    expect(networkTimeOr(1e300, NOW, { field: 'timestamp', warnings })).toBe(NOW.toISOString());
    expect(networkTimeOr(undefined, NOW, { warnings })).toBe(NOW.toISOString());
    expect(warnings).toEqual([{ type: 'malformed', message: expect.stringMatching(/^`timestamp`: 1e\+300 is before 2006/), details: { field: 'timestamp', reason: 'out-of-range' } }]);
  });
});

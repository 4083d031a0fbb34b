import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { ChannelAdapter } from 'social-crm/adapter-kit';
import { EARLIEST_PLAUSIBLE_TIME, FUTURE_TOLERANCE_MS } from 'social-crm/adapter-kit';
import {
  BASE_URL,
  CREDENTIALS,
  builtInAdapters,
  createHostileRig,
  signatureHeaders,
  type Entry,
  type HostileAdapterId,
  type HostileRig,
} from '../hostile/harness.js';
import { authenticDelivery } from '../hostile/payloads.js';

/*
 * Property-based fuzzing of one adapter's webhook through the whole crm: mutants of authentic
 * deliveries (a field replaced by any JSON value, a hostile number, a time far away, a huge
 * string, a deep structure; prototype keys; truncated or garbled bytes), each sent signed and
 * unsigned. `npm test` runs a few hundred seeded cases per adapter; `npm run bench -- fuzz` runs
 * many more with the same generators.
 */

/** What the fuzzer needs to know about an adapter. New adapters get a fuzz test by describing themselves here. */
export interface WebhookFuzzTarget {
  /** Builds the adapter under test; its id is the webhook path segment. */
  adapter(): ChannelAdapter;
  /** Headers that authenticate `body` as the network would send them. */
  sign(body: string): Record<string, string>;
  /** Authentic deliveries to mutate (at least one). */
  seeds(): unknown[];
  /** The adapter's configured credentials: none may show up anywhere. */
  secrets: string[];
}

/** What one fuzz run saw. */
export interface FuzzStats {
  adapterId: string;
  cases: number;
  requests: number;
  /** Answers by HTTP status, signed and unsigned requests together. */
  statuses: Record<number, number>;
  stored: number;
  deadLetters: number;
  replay: { retried: number; succeeded: number; failed: number; skipped: number };
  /** Why replays failed again (distinct messages, at most five). */
  replayErrors: string[];
  /** Problems found (empty when the adapter holds). */
  problems: string[];
  ms: number;
}

const HOSTILE_NUMBERS = [9007199254740992, -9007199254740992, 1e300, -1e300, 1e21, 8.64e15 + 1, -1, 0, 0.5, 253402300800000, 946684800, 4102444800000];
const HOSTILE_STRINGS = ['', ' ', '\u0000', '\ud800', 'null', 'NaN', '1e300', '9999-99-99T99:99:99Z', '1970-01-01T00:00:00Z', '2999-01-01T00:00:00Z', '__proto__', 'constructor', 'x'.repeat(20_000), '𝕏'.repeat(500)];

/** A JSON value an attacker with the signing key, or a buggy network, could put anywhere. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(...HOSTILE_NUMBERS, ...HOSTILE_STRINGS, null, true, false, [], {}) },
  { weight: 2, arbitrary: fc.oneof(fc.integer({ min: -1e15, max: 1e16 }), fc.double({ noNaN: true }), fc.integer().map(String)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 60 }).map((depth) => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`) as unknown) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'), fc.jsonValue({ maxDepth: 2 })) },
);

type Path = Array<string | number>;

/** Every path into `value` (breadth first, at most `limit`), without recursion. */
function pathsOf(value: unknown, limit = 400): Path[] {
  const paths: Path[] = [[]];
  const queue: Array<[unknown, Path]> = [[value, []]];
  while (queue.length && paths.length < limit) {
    const [current, path] = queue.shift()!;
    if (current === null || typeof current !== 'object') continue;
    for (const [key, child] of Object.entries(current)) {
      const childPath = [...path, Array.isArray(current) ? Number(key) : key];
      paths.push(childPath);
      queue.push([child, childPath]);
    }
  }
  return paths;
}

function setAt(root: unknown, path: Path, replacement: unknown, mode: 'replace' | 'delete' | 'add-key'): unknown {
  if (path.length === 0) return mode === 'replace' ? replacement : root;
  let parent = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (mode === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (mode === 'add-key' && typeof parent[last] === 'object' && parent[last] !== null && !Array.isArray(parent[last])) {
    Object.defineProperty(parent[last], '__proto__', { value: replacement, enumerable: true, configurable: true, writable: true });
  } else parent[last] = replacement;
  return root;
}

/** A body: a structured mutant of a seed (most cases), or raw bytes derived from one. */
export function bodyArbitrary(seeds: unknown[]): fc.Arbitrary<string> {
  const texts = seeds.map((seed) => JSON.stringify(seed));
  const structured = fc.integer({ min: 0, max: seeds.length - 1 }).chain((index) => {
    const paths = pathsOf(seeds[index]);
    const mutation = fc.tuple(fc.integer({ min: 0, max: paths.length - 1 }), hostileValue, fc.constantFrom<'replace' | 'delete' | 'add-key'>('replace', 'replace', 'replace', 'delete', 'add-key'));
    return fc.array(mutation, { minLength: 1, maxLength: 4 }).map((mutations) => {
      let value = JSON.parse(texts[index]!) as unknown;
      for (const [pathIndex, replacement, mode] of mutations) {
        // A path may be gone after an earlier mutation; skip it then.
        try {
          value = setAt(value, paths[pathIndex]!, replacement, mode);
        } catch {
          // keep going
        }
      }
      return JSON.stringify(value) ?? 'null';
    });
  });
  const raw = fc.integer({ min: 0, max: texts.length - 1 }).chain((index) => {
    const text = texts[index]!;
    return fc.oneof(
      fc.integer({ min: 0, max: text.length }).map((cut) => text.slice(0, cut)),
      fc.tuple(fc.integer({ min: 0, max: Math.max(0, text.length - 1) }), fc.string({ unit: 'binary', maxLength: 8 })).map(([at, noise]) => `${text.slice(0, at)}${noise}${text.slice(at + 1)}`),
      fc.constant(text.replace('{', '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},')),
      fc.string({ unit: 'grapheme', maxLength: 200 }),
    );
  });
  return fc.oneof({ weight: 5, arbitrary: structured }, { weight: 1, arbitrary: raw });
}

/**
 * Sends `cases` generated bodies to the target, each unsigned then signed, through `entry` into a
 * fresh crm, and checks what must always hold: no 5xx (but an unreachable network, kept for
 * replay) and no throw; an unsigned request refused with 401 (or 400 when the body is not an
 * object) and nothing kept; a refused signed request keeps nothing either; no prototype pollution;
 * stored times believable; every dead letter listable and replayed without a crash; no credential
 * or signature in any output. Failures (with fast-check's seed and shrunk body) land in `problems`.
 */
export async function fuzzWebhook(target: WebhookFuzzTarget, options: { cases: number; seed: number; entry?: Entry }): Promise<FuzzStats> {
  const started = performance.now();
  const entry = options.entry ?? 'handleWebhook';
  const adapterId = target.adapter().id;
  const stats: FuzzStats = { adapterId, cases: 0, requests: 0, statuses: {}, stored: 0, deadLetters: 0, replay: { retried: 0, succeeded: 0, failed: 0, skipped: 0 }, replayErrors: [], problems: [], ms: 0 };
  const url = `${BASE_URL}/${adapterId}`;
  const count = (status: number) => (stats.statuses[status] = (stats.statuses[status] ?? 0) + 1);
  // Offline: an adapter that calls its network while reading a delivery (Instagram looks up a
  // mentioned media) gets a failed fetch, which must end as a dead letter, not a crash.
  const offline: typeof fetch = async () => {
    throw new TypeError('fetch failed (the fuzzer is offline)');
  };

  await fc.assert(
    fc.asyncProperty(bodyArbitrary(target.seeds()), async (body) => {
      // A crm of its own per case: every case is independent (and shrinks alone), and no earlier
      // row with the same id can hide what this one would have stored.
      const rig: HostileRig = createHostileRig({ adapters: [target.adapter()], entry, secrets: target.secrets, fetch: offline });
      stats.cases++;
      const unsigned = await rig.send(new Request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }));
      const leftByUnsigned = (await rig.deadLetters()) + rig.enqueued.length + rig.events.length;
      const signed = await rig.send(new Request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...target.sign(body) }, body }));
      stats.requests += 2;
      count(unsigned.status);
      count(signed.status);
      if (![400, 401].includes(unsigned.status)) throw new Error(`unsigned request answered ${unsigned.status}: ${await unsigned.text()}`);
      if (leftByUnsigned !== 0) throw new Error('an unsigned request left a dead letter, an event or a queue message behind');
      const deadLetters = await rig.deadLetters();
      if (signed.status >= 500) {
        // Only the network being unreachable may answer 5xx (the network delivers again; the request is kept for replay).
        const text = await signed.text();
        if (!text.includes('"CHANNEL_API_ERROR"') || (entry === 'handleWebhook' && deadLetters === 0)) throw new Error(`signed request answered ${signed.status}: ${text}`);
      } else if (signed.status >= 400 && (deadLetters > 0 || rig.enqueued.length > 0)) {
        throw new Error(`a refused request (${signed.status}) left something behind`);
      }
      if (({} as Record<string, unknown>).polluted !== undefined || Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')) throw new Error('Object.prototype was polluted');

      const rows = (await rig.ledger.queryInteractions({ includeDeleted: true, limit: 1000 })).items;
      stats.stored += rows.length;
      const latest = Date.now() + FUTURE_TOLERANCE_MS;
      for (const row of rows) {
        const at = Date.parse(row.createdAt);
        if (!(at >= EARLIEST_PLAUSIBLE_TIME && at <= latest)) throw new Error(`${row.id} stored with createdAt ${row.createdAt}`);
      }
      stats.deadLetters += deadLetters;
      const replay = await rig.crm.retryDeadLetters();
      for (const key of ['retried', 'succeeded', 'failed', 'skipped'] as const) stats.replay[key] += replay[key];
      for (const letter of (await rig.ledger.listDeadLetters({ limit: 1000 })).items) {
        const described = `${letter.error.name}: ${letter.error.message}`;
        if (/RangeError|Maximum call stack|Invalid time value/.test(described)) throw new Error(`dead letter ${described}`);
        if (letter.attempts > 1 && stats.replayErrors.length < 5 && !stats.replayErrors.includes(letter.error.message)) stats.replayErrors.push(letter.error.message);
      }
      const leaks = await rig.leaks();
      if (leaks.length) throw new Error(`secrets found: ${leaks.join(', ')}`);
    }),
    { numRuns: options.cases, seed: options.seed, endOnFailure: true },
  ).catch((error: unknown) => {
    stats.problems.push(`${(error as Error).message}${(error as Error).cause ? `\n  cause: ${String((error as Error).cause)}` : ''}`);
  });
  stats.ms = Math.round(performance.now() - started);
  return stats;
}

/** Authentic fixtures kept beside an adapter's tests (`test/adapters/<id>/fixtures`), when there are any. */
function fixturesOf(adapterId: string): unknown[] {
  const folder = new URL(`../adapters/${adapterId}/fixtures/`, import.meta.url);
  try {
    return readdirSync(folder)
      .filter((file) => file.endsWith('.json'))
      .map((file) => JSON.parse(readFileSync(new URL(file, folder), 'utf8')) as unknown)
      .filter((value) => typeof value === 'object' && value !== null && !Array.isArray(value));
  } catch {
    return [];
  }
}

/** The fuzz target of a built-in adapter: its credentials, its signature, a fresh delivery and its fixtures as seeds. */
export function builtInTarget(adapterId: HostileAdapterId): WebhookFuzzTarget {
  return {
    adapter: () => builtInAdapters().find((adapter) => adapter.id === adapterId)!,
    sign: (body) => signatureHeaders(adapterId, body),
    seeds: () => [authenticDelivery(adapterId, Math.floor(Date.now() / 1000)), ...fixturesOf(adapterId)],
    secrets: Object.values(CREDENTIALS[adapterId]) as string[],
  };
}

/** The seed `npm test` uses, so that a failure reproduces; `SOCIAL_CRM_FUZZ_SEED` overrides it. */
export const TEST_SEED = Number(process.env.SOCIAL_CRM_FUZZ_SEED ?? 20_261_205);
/** Cases per adapter in `npm test`: enough to cover every generator branch, a second or two per adapter. */
export const TEST_CASES = Number(process.env.SOCIAL_CRM_FUZZ_CASES ?? 150);

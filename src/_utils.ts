/** Internal helpers shared by the core. Not exported from any entry. */
import { decodeBase64, encodeBase64 } from './_base64.js';

/** Opaque cursor over `(createdAt, id)` pairs. */
export function encodeCursor(position: { at: string; id: string }): string {
  return encodeBase64(new TextEncoder().encode(JSON.stringify([position.at, position.id])), true);
}

/** Decodes {@link encodeCursor}; `null` for anything malformed. */
export function decodeCursor(cursor: string | undefined): { at: string; id: string } | null {
  if (!cursor) return null;
  try {
    const value = JSON.parse(new TextDecoder().decode(decodeBase64(cursor))) as unknown;
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { at: value[0], id: value[1] };
    }
  } catch {
    // fall through: an unreadable cursor is treated as absent by callers that allow it
  }
  return null;
}

/** Compare two `(at, id)` positions. */
export function comparePositions(a: { at: string; id: string }, b: { at: string; id: string }): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  return a.id === b.id ? 0 : a.id < b.id ? -1 : 1;
}

/** Clamp a page size to [1, 1000]. */
export function pageSize(limit: number | undefined, fallback = 100): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.max(1, Math.min(1000, Math.floor(limit)));
}

/**
 * Deep copy of plain data (objects, arrays, primitives, Dates), so stored records never alias
 * caller objects. A plain recursive copy: several times faster than structuredClone for the
 * small records the ledgers keep. Class instances other than Date are copied as plain objects.
 */
export function clone<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(clone) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  const copy: Record<string, unknown> = {};
  for (const key in value) {
    if (Object.prototype.hasOwnProperty.call(value, key)) {
      const field = (value as Record<string, unknown>)[key];
      if (field !== undefined) copy[key] = clone(field);
    }
  }
  return copy as T;
}

/** Random id with a prefix, e.g. `cus_1f3a...`. */
export function randomId(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replaceAll('-', '')}`;
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). @internal */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs `task` once the requests already under way had their turn to go out: CPU-bound work
 * started beside a ledger call then overlaps with the database's work instead of delaying it.
 */
export async function afterPendingIo<T>(task: () => Promise<T>): Promise<T> {
  await new Promise<void>((resolve) => (typeof globalThis.setImmediate === 'function' ? globalThis.setImmediate(resolve) : setTimeout(resolve, 0)));
  return task();
}

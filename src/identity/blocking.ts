/**
 * Blocking: only records that share a blocking key are compared, which keeps linkage
 * near-linear. A rule is a list of key parts (`'surname:soundex'`, `'date_of_birth'`,
 * `'given_name:prefix3'`); two records are candidates when, for at least one rule, all
 * parts are present and equal.
 *
 * @module
 */
import { foldToAscii, normalizeEmail, normalizeHandle, normalizeName, soundex } from './normalize.js';

/**
 * One part of a blocking key: `field` or `field:transform`. Transforms: `exact` (default),
 * `soundex`, `prefixN` / `suffixN` (first or last N characters), `digits`, `year` (first
 * four digits), `first-token`, `last-token`, `sorted-tokens`, `email`, `phone` (last eight digits), `handle`.
 */
export type BlockingKeyPart = string;

/** A blocking rule: all parts must agree. */
export type BlockingRule = BlockingKeyPart[];

type Transform = (value: string) => string;

function parseTransform(name: string): Transform | null {
  const sized = /^(prefix|suffix)(\d+)$/.exec(name);
  if (sized) {
    const length = Number(sized[2]);
    return sized[1] === 'prefix'
      ? (value) => normalizeName(value).key.replaceAll(' ', '').slice(0, length)
      : (value) => normalizeName(value).key.replaceAll(' ', '').slice(-length);
  }
  switch (name) {
    case 'exact':
      return (value) => foldToAscii(value.trim());
    case 'soundex':
      return (value) => soundex(value);
    case 'digits':
      return (value) => value.replace(/\D/g, '');
    case 'year':
      return (value) => value.replace(/\D/g, '').slice(0, 4);
    case 'first-token':
      return (value) => normalizeName(value).tokens[0] ?? '';
    case 'last-token':
      return (value) => normalizeName(value).tokens.at(-1) ?? '';
    case 'sorted-tokens':
      return (value) => normalizeName(value).tokens.sort().join(' ');
    case 'email':
      return (value) => {
        const email = normalizeEmail(value);
        return email.valid ? email.value : '';
      };
    case 'phone':
      // The last eight digits: the same with or without country code, trunk prefix or spaces.
      return (value) => {
        const digits = value.replace(/\D/g, '');
        return digits.length >= 7 ? digits.slice(-8) : '';
      };
    case 'handle':
      return (value) => normalizeHandle(value).core;
    default:
      return null;
  }
}

const PINNING_TRANSFORMS = new Set(['exact', 'digits', 'email']);

/** A rule ready to run. @internal */
export interface CompiledBlockingRule {
  label: string;
  /**
   * Fields whose whole normalised value the rule pins down (no transform, `digits` or
   * `email`): on the pairs the rule finds, their comparison says nothing new.
   */
  pinnedFields: string[];
  /** Every field the rule reads. */
  fields: string[];
  /** The rule's key for a record, or `undefined` when a part is missing. */
  key(fields: Record<string, string | undefined>): string | undefined;
}

/** Parses a rule; returns the text of the first unknown transform instead when there is one. @internal */
export function compileBlockingRule(rule: BlockingRule): CompiledBlockingRule | string {
  const parts: Array<{ field: string; transform: Transform }> = [];
  const pinnedFields: string[] = [];
  for (const part of rule) {
    const separator = part.lastIndexOf(':');
    const field = separator > 0 ? part.slice(0, separator) : part;
    const transformName = separator > 0 ? part.slice(separator + 1) : 'exact';
    const transform = parseTransform(transformName);
    if (!transform) return part;
    parts.push({ field, transform });
    if (PINNING_TRANSFORMS.has(transformName)) pinnedFields.push(field);
  }
  return {
    label: rule.join(' + '),
    pinnedFields,
    fields: parts.map((part) => part.field),
    key(fields) {
      let key = '';
      for (const part of parts) {
        const raw = fields[part.field];
        if (raw === undefined || raw === null) return undefined;
        const value = part.transform(String(raw));
        if (!value) return undefined;
        key += key ? `\u0001${value}` : value;
      }
      return key;
    },
  };
}

/** 32-bit FNV-1a hash; never 0, which marks a missing key. @internal */
export function hashKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0 || 1;
}

/**
 * Groups records by a hashed key and calls `visit` for each block (indices ascending).
 * Uses a numeric sort of `hash · 2²¹ + index` packed in a double, so no per-record
 * objects are allocated. @internal
 */
export function forEachBlock(hashes: Uint32Array, visit: (members: Uint32Array, length: number) => void): void {
  const count = hashes.length;
  let present = 0;
  for (let index = 0; index < count; index++) if (hashes[index] !== 0) present++;
  const members = new Uint32Array(Math.max(1, present));
  if (count < 2 ** 21) {
    const packed = new Float64Array(present);
    let position = 0;
    for (let index = 0; index < count; index++) {
      const hash = hashes[index] as number;
      if (hash !== 0) packed[position++] = hash * 2 ** 21 + index;
    }
    packed.sort();
    let start = 0;
    while (start < present) {
      const hash = Math.floor((packed[start] as number) / 2 ** 21);
      let end = start;
      while (end < present && Math.floor((packed[end] as number) / 2 ** 21) === hash) {
        members[end - start] = (packed[end] as number) - hash * 2 ** 21;
        end++;
      }
      if (end - start > 1) visit(members, end - start);
      start = end;
    }
    return;
  }
  const order = new Uint32Array(present);
  let position = 0;
  for (let index = 0; index < count; index++) if (hashes[index] !== 0) order[position++] = index;
  order.sort((a, b) => (hashes[a] as number) - (hashes[b] as number) || a - b);
  let start = 0;
  while (start < present) {
    const hash = hashes[order[start] as number];
    let end = start;
    while (end < present && hashes[order[end] as number] === hash) {
      members[end - start] = order[end] as number;
      end++;
    }
    if (end - start > 1) visit(members, end - start);
    start = end;
  }
}

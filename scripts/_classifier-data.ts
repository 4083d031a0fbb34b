/**
 * Shared by scripts/train-classifier.ts and bench/classify.ts: reading JSON Lines rows and
 * the deterministic train / held-out split (20% of each file, chosen by a hash of the row id,
 * never trained on).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseJsonLines } from './_jsonl.js';

/** One labelled row of a shared data file. */
export interface DataRow {
  id: string;
  text: string;
  label: string;
  lang?: string;
  [key: string]: unknown;
}

/** The shared data folder, beside the repository. */
export const DATA_FOLDER = fileURLToPath(new URL('../../shared/data/', import.meta.url));

/** Reads a JSON Lines file; an absent file gives `undefined`. */
export function readRows(path: string): DataRow[] | undefined {
  if (!existsSync(path)) return undefined;
  return parseJsonLines(readFileSync(path, 'utf8'), path) as DataRow[];
}

/** FNV-1a of a string (the split key). */
function stringHash(value: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < value.length; index++) hash = Math.imul(hash ^ value.charCodeAt(index), 0x01000193);
  return hash >>> 0;
}

/** True for the 20% of rows held out from training, by a hash of `<file>:<id>`. */
export function isHeldOut(file: string, id: string): boolean {
  return stringHash(`${file}:${id}`) % 5 === 0;
}

/** A seeded generator (mulberry32), for reproducible shuffles. */
export { seededRandom } from '../src/_utils.js';

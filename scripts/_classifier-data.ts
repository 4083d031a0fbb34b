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

/**
 * Halves for tuning rules on data nothing is trained on (the language-identification files and
 * the tweets whose language is known): `tune` rows may guide a threshold, `check` rows only report
 * it. By a hash of the row id alone, so a tweet falls in the same half in every file.
 */
export function tuningHalf(id: string): 'tune' | 'check' {
  return stringHash(`langid-half:${id}`) % 2 === 0 ? 'tune' : 'check';
}

/**
 * The SemEval source files held out from training as the English development set: the
 * latest ones (2016 dev and devtest, 3,895 tweets). Decision offsets and the calibration
 * temperature are chosen there; `en-tweeteval-val` (2017) is never trained or tuned on and is
 * the figure reported.
 */
export const ENGLISH_DEV_FILES: ReadonlySet<string> = new Set(['twitter-2016dev-A.txt', 'twitter-2016devtest-A.txt']);

const SEMEVAL_FILE = 'en-semeval-train.jsonl';

/** Files whose every row is a reported figure: never trained on, never tuned on. */
const REPORT_ONLY_FILES: ReadonlySet<string> = new Set(['en-tweeteval-val.jsonl']);

/** Files split into a tuning part (`dev`) and a reported part (`heldout`): data we may tune on but not train weights on. */
const TUNE_ONLY_FILES: ReadonlySet<string> = new Set(['tr-kulcu-dev.jsonl']);

/** Which part of the protocol a row belongs to. */
export type Split = 'train' | 'dev' | 'heldout';

/**
 * The split of a row: `train` (weights learn from it), `dev` (decision offsets and calibration
 * are chosen on it) or `heldout` (reported only). SemEval's 2016 dev files are `dev` (by source
 * file, i.e. by time), the rest of SemEval `train`; TweetEval's validation tweets (2017) are all `heldout`; tr-kulcu is 80%
 * `dev`, 20% `heldout`; other files 80% `train`, 20% `heldout` by a hash of the row id.
 */
export function splitOf(file: string, row: { id: string; source_file?: unknown }): Split {
  if (file === SEMEVAL_FILE) return typeof row.source_file === 'string' && ENGLISH_DEV_FILES.has(row.source_file) ? 'dev' : 'train';
  if (REPORT_ONLY_FILES.has(file)) return 'heldout';
  if (isHeldOut(file, String(row.id))) return 'heldout';
  return TUNE_ONLY_FILES.has(file) ? 'dev' : 'train';
}

/** A seeded generator (mulberry32), for reproducible shuffles. */
export { seededRandom } from '../src/_utils.js';

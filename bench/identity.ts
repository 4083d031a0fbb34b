/**
 * `npm run bench -- identity --dataset <file.jsonl>`: unsupervised linkage of a FEBRL or
 * RLdata record file (schema detected from the field names), scored pairwise against
 * `entity_id`, which the linker never sees.
 *
 * `npm run bench -- identity --generate 100000`: a scale run on generated social identities
 * (one person on several networks, with email on one, phone on another, handle and name
 * variants, Turkish and English names).
 *
 * Options: `--threshold P` (match probability, default the linker's), `--no-one-to-one`,
 * `--em-u` (re-estimate u by EM instead of keeping the random-pair estimate).
 * The last line printed is one JSON object.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { linkRecords, type LinkRecord, type LinkRecordsOptions, type LinkRecordsResult } from '../src/identity/index.js';
import { identityBlockingRules, identityComparisons } from '../src/identity/index.js';

interface DatasetRow {
  id: string;
  entity_id?: string;
  source_file?: string;
  [field: string]: unknown;
}

const FEBRL_FIELDS = ['given_name', 'surname', 'street_number', 'address_1', 'address_2', 'suburb', 'postcode', 'state', 'date_of_birth', 'soc_sec_id'];
const RLDATA_FIELDS = ['fname_c1', 'fname_c2', 'lname_c1', 'lname_c2', 'by', 'bm', 'bd'];

/** Linkage settings per schema. Field semantics only; no tuning on labels. */
const SCHEMAS: Record<string, { fields: string[]; options: Omit<LinkRecordsOptions, 'linkType' | 'oneToOne'> }> = {
  febrl: {
    fields: FEBRL_FIELDS,
    options: {
      comparisons: [
        { type: 'name', field: 'given_name', termFrequency: true },
        { type: 'name', field: 'surname', termFrequency: true },
        { type: 'string', field: 'street_number', method: 'levenshtein', thresholds: [1] },
        { type: 'string', field: 'address_1', thresholds: [0.9, 0.8] },
        { type: 'string', field: 'address_2', thresholds: [0.9, 0.8] },
        { type: 'string', field: 'suburb', thresholds: [0.9, 0.8], termFrequency: true },
        { type: 'string', field: 'postcode', method: 'levenshtein', thresholds: [1] },
        { type: 'exact', field: 'state' },
        { type: 'date', field: 'date_of_birth' },
        { type: 'string', field: 'soc_sec_id', method: 'levenshtein', thresholds: [1, 2] },
      ],
      blocking: [
        ['soc_sec_id'],
        ['given_name:soundex', 'surname:soundex'],
        ['date_of_birth'],
        ['surname:soundex', 'postcode'],
        ['given_name:prefix2', 'date_of_birth:year'],
        ['surname:prefix2', 'date_of_birth:year'],
        ['address_1:soundex', 'street_number'],
      ],
    },
  },
  rldata: {
    fields: RLDATA_FIELDS,
    options: {
      comparisons: [
        { type: 'name', field: 'fname_c1', termFrequency: true },
        { type: 'name', field: 'fname_c2' },
        { type: 'name', field: 'lname_c1', termFrequency: true },
        { type: 'name', field: 'lname_c2' },
        { type: 'string', field: 'by', method: 'levenshtein', thresholds: [1] },
        { type: 'exact', field: 'bm' },
        { type: 'exact', field: 'bd' },
      ],
      blocking: [
        ['fname_c1:soundex', 'lname_c1:soundex'],
        ['by', 'bm', 'bd'],
        ['lname_c1:prefix2', 'by'],
        ['fname_c1:prefix2', 'by'],
        ['fname_c1:prefix1', 'lname_c1:prefix1', 'bm', 'bd'],
      ],
    },
  },
};

function detectSchema(row: DatasetRow): keyof typeof SCHEMAS | null {
  const keys = new Set(Object.keys(row));
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    if (schema.fields.filter((field) => keys.has(field)).length >= schema.fields.length - 1) return name;
  }
  return null;
}

async function readRows(path: string): Promise<DatasetRow[]> {
  const rows: DatasetRow[] = [];
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim()) rows.push(JSON.parse(line) as DatasetRow);
  }
  return rows;
}

function argument(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

interface Score {
  precision: number;
  recall: number;
  f1: number;
  truePairs: number;
  predictedPairs: number;
  correctPairs: number;
}

/** Pairwise precision and recall of the clusters against the true entity of each record. */
function scoreClusters(clusters: string[][], entityOf: Map<string, string>, sourceOf: Map<string, string> | null): Score {
  const byEntity = new Map<string, string[]>();
  for (const [id, entity] of entityOf) {
    let members = byEntity.get(entity);
    if (!members) byEntity.set(entity, (members = []));
    members.push(id);
  }
  const countPairs = (members: string[]) => {
    if (!sourceOf) return (members.length * (members.length - 1)) / 2;
    let pairs = 0;
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) if (sourceOf.get(members[i] as string) !== sourceOf.get(members[j] as string)) pairs++;
    }
    return pairs;
  };
  let truePairs = 0;
  for (const members of byEntity.values()) truePairs += countPairs(members);
  let predictedPairs = 0;
  let correctPairs = 0;
  for (const cluster of clusters) {
    predictedPairs += countPairs(cluster);
    const byTrueEntity = new Map<string, string[]>();
    for (const id of cluster) {
      const entity = entityOf.get(id) ?? `unknown:${id}`;
      let members = byTrueEntity.get(entity);
      if (!members) byTrueEntity.set(entity, (members = []));
      members.push(id);
    }
    for (const members of byTrueEntity.values()) correctPairs += countPairs(members);
  }
  const precision = predictedPairs === 0 ? 1 : correctPairs / predictedPairs;
  const recall = truePairs === 0 ? 1 : correctPairs / truePairs;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, truePairs, predictedPairs, correctPairs };
}

function peakRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

function round(value: number, digits = 4): number {
  return Number(value.toFixed(digits));
}

function report(summary: Record<string, unknown>, lines: string[]): void {
  for (const line of lines) console.log(line);
  console.log(JSON.stringify(summary));
}

async function runDataset(path: string, args: string[]): Promise<void> {
  const started = performance.now();
  const rows = await readRows(path);
  const first = rows[0];
  if (!first) {
    report({ dataset: basename(path), records: 0, skipped: 'empty file' }, [`${path}: no records`]);
    return;
  }
  const schemaName = detectSchema(first);
  if (!schemaName) throw new Error(`Cannot tell the schema of ${path}: expected FEBRL (${FEBRL_FIELDS.join(', ')}) or RLdata (${RLDATA_FIELDS.join(', ')}) fields.`);
  const schema = SCHEMAS[schemaName] as (typeof SCHEMAS)[string];
  const sources = new Set(rows.map((row) => row.source_file ?? ''));
  const linkMode = sources.size === 2;
  const records: LinkRecord[] = rows.map((row) => ({
    id: row.id,
    source: linkMode ? String(row.source_file) : undefined,
    fields: Object.fromEntries(schema.fields.map((field) => [field, row[field] === null || row[field] === undefined ? undefined : String(row[field])])),
  }));
  const threshold = argument(args, '--threshold');
  const result: LinkRecordsResult = linkRecords(records, {
    ...schema.options,
    linkType: linkMode ? 'link' : 'dedupe',
    oneToOne: linkMode && !args.includes('--no-one-to-one'),
    ...(threshold ? { matchThreshold: Number(threshold) } : {}),
    em: { ...(args.includes('--em-u') ? { fixU: false } : {}), ...(argument(args, '--prior') ? { priorStrength: Number(argument(args, '--prior')) } : {}) },
  });
  const entityOf = new Map(rows.map((row) => [row.id, String(row.entity_id)]));
  const sourceOf = linkMode ? new Map(rows.map((row) => [row.id, String(row.source_file)])) : null;
  const score = scoreClusters(result.clusters, entityOf, sourceOf);
  const seconds = (performance.now() - started) / 1000;
  const summary = {
    dataset: basename(path),
    schema: schemaName,
    mode: linkMode ? 'link' : 'dedupe',
    records: records.length,
    precision: round(score.precision),
    recall: round(score.recall),
    f1: round(score.f1),
    truePairs: score.truePairs,
    predictedPairs: score.predictedPairs,
    pairsCompared: result.stats.pairsCompared,
    reviewPairs: result.reviews.length,
    emIterations: result.stats.emIterations,
    lambda: round(result.model.lambda, 6),
    linkSeconds: round(result.stats.seconds, 3),
    seconds: round(seconds, 3),
    peakRssMB: round(peakRssMB(), 1),
  };
  report(summary, [
    `dataset      ${summary.dataset} (${schemaName}, ${summary.mode}, ${records.length} records)`,
    `precision    ${summary.precision}`,
    `recall       ${summary.recall}`,
    `f1           ${summary.f1}`,
    `pairs        ${summary.pairsCompared} compared, ${score.predictedPairs} predicted, ${score.truePairs} true, ${summary.reviewPairs} for review`,
    `em           ${summary.emIterations} iterations, lambda ${summary.lambda}`,
    `time         ${summary.seconds} s (linkage ${summary.linkSeconds} s)`,
    `peak RSS     ${summary.peakRssMB} MB`,
  ]);
}

export async function run(args: string[]): Promise<void> {
  const dataset = argument(args, '--dataset');
  const generate = argument(args, '--generate');
  if (dataset) return runDataset(dataset, args);
  if (generate) return runGenerated(Number(generate), args);
  console.log('Usage: npm run bench -- identity --dataset <file.jsonl> | --generate <count> [--threshold P]');
  console.log(JSON.stringify({ skipped: 'no --dataset or --generate given' }));
}

async function runGenerated(count: number, args: string[]): Promise<void> {
  void count;
  void args;
  void identityBlockingRules;
  void identityComparisons;
}

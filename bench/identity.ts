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
 * `--merger-model` (generated runs: the merger's default parameters and bands instead of EM),
 * `--no-veto` (generated runs: no cannotLink on email and phone), `--max-block N` (default 50),
 * `--em-u` (re-estimate u by EM instead of keeping the random-pair estimate),
 * `--mutual-best P|off` (data sets: link mutual best candidates from probability P, default 0.8).
 * The last line printed is one JSON object.
 */
import { createReadStream } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { memoryLedger, type ChannelIdentity, type InteractionLedger } from '../src/index.js';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { createIdentityMerger, defaultIdentityModel, identityBlockingRules, identityComparisons, linkRecords, type LinkRecord, type LinkRecordColumns, type LinkRecordsOptions, type LinkRecordsResult } from '../src/identity/index.js';
import { seededRandom } from '../src/_utils.js';
import { parseJsonLine } from '../scripts/_jsonl.js';

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
  let lineNumber = 0;
  for await (const line of lines) {
    const row = parseJsonLine(line, path, ++lineNumber);
    if (row) rows.push(row as DatasetRow);
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

/**
 * Data set runs link a pair from probability 0.8 when each record is the other's best candidate
 * (`mutualBestThreshold`); `--mutual-best P` sets another level, `--mutual-best off` turns it off.
 */
function mutualBest(args: string[]): Pick<LinkRecordsOptions, 'mutualBestThreshold'> {
  const value = argument(args, '--mutual-best') ?? '0.8';
  if (value === 'off') return {};
  const level = Number(value);
  if (!(level >= 0 && level <= 1)) throw new Error(`--mutual-best needs a probability between 0 and 1 or \`off\`, got ${value}.`);
  return { mutualBestThreshold: level };
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
    ...mutualBest(args),
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
  const incremental = argument(args, '--incremental');
  if (dataset) return runDataset(dataset, args);
  if (generate) return runGenerated(Number(generate), args);
  if (incremental) return runIncremental(Number(incremental));
  console.log('Usage: npm run bench -- identity --dataset <file.jsonl> | --generate <count> | --incremental <count> [--threshold P]');
  console.log(JSON.stringify({ skipped: 'no --dataset or --generate given' }));
}

/** Deterministic pseudo-random numbers (mulberry32). */
function generator(seed: number) {
  const next = seededRandom(seed);
  return {
    next,
    integer: (below: number) => Math.floor(next() * below),
    /** Index in [0, size) with a Zipf-like skew: low indices are common. */
    skewed: (size: number) => Math.min(size - 1, Math.floor(size * next() ** 2.2)),
    chance: (probability: number) => next() < probability,
  };
}

const TURKISH_GIVEN = ['Ayşe', 'Mehmet', 'Fatma', 'Mustafa', 'Emine', 'Ahmet', 'Zeynep', 'Ali', 'Elif', 'Hüseyin', 'Merve', 'İbrahim', 'Hatice', 'Çağrı', 'Gülşen', 'Özge', 'Ümit', 'Işıl', 'Şule', 'Oğuz', 'Büşra', 'Tuğba', 'Eda', 'Burak', 'Kübra', 'Serkan', 'Gökhan', 'Dilek', 'Sevgi', 'İrem'];
const TURKISH_SURNAME = ['Yılmaz', 'Kaya', 'Demir', 'Şahin', 'Çelik', 'Yıldız', 'Yıldırım', 'Öztürk', 'Aydın', 'Özdemir', 'Arslan', 'Doğan', 'Kılıç', 'Aslan', 'Çetin', 'Kara', 'Koç', 'Kurt', 'Özkan', 'Şimşek', 'Polat', 'Erdoğan', 'Güneş', 'Akgül', 'Işık', 'Uçar', 'Bulut', 'Karaca', 'Türk', 'Ünal'];
const ENGLISH_GIVEN = ['Oliver', 'Amelia', 'George', 'Olivia', 'Harry', 'Isla', 'Jack', 'Emily', 'Noah', 'Sophie', 'James', 'Grace', 'William', 'Chloe', 'Thomas', 'Lucy', 'Daniel', 'Ella', 'Samuel', 'Hannah', 'Joseph', 'Megan', 'Lewis', 'Holly', 'Ryan', 'Jessica', 'Adam', 'Rachel', 'Matthew', 'Laura'];
const ENGLISH_SURNAME = ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Robinson', 'Wright', 'Thompson', 'Evans', 'Walker', 'White', 'Roberts', 'Green', 'Hall', 'Wood', 'Jackson', 'Clarke', 'Hughes', 'Edwards', 'Turner', 'Hill', 'Moore', 'Cooper', 'Ward', 'Morris', 'King', 'Baker'];
const TURKISH_SYLLABLES = ['ay', 'şe', 'me', 'ka', 'ya', 'dö', 'gan', 'tü', 'rk', 'er', 'al', 'çe', 'lik', 'ko', 'ç', 'sa', 'hin', 'öz', 'ku', 'ş', 'ba', 'ğ', 'ır', 'un', 'ıl', 'em', 'yi', 'ld'];
const ENGLISH_SYLLABLES = ['ash', 'ton', 'ber', 'ley', 'ham', 'win', 'ford', 'mor', 'gan', 'field', 'son', 'ell', 'wick', 'ston', 'ridge', 'ford', 'lan', 'bry', 'den', 'well', 'mar', 'shaw'];
const CHANNELS_BY_KIND = ['whatsapp', 'instagram', 'x', 'facebook', 'email', 'telegram', 'tiktok'];

/** A name list: the common names first, then rarer invented ones built from syllables. */
function nameList(common: string[], syllables: string[], size: number, random: ReturnType<typeof generator>): string[] {
  const names = [...common];
  const seen = new Set(names.map((name) => name.toLowerCase()));
  while (names.length < size) {
    let name = '';
    const parts = 2 + random.integer(2);
    for (let part = 0; part < parts; part++) name += syllables[random.integer(syllables.length)];
    if (name.length < 4 || seen.has(name)) continue;
    seen.add(name);
    names.push(name[0]!.toLocaleUpperCase('tr') + name.slice(1));
  }
  return names;
}

function asciiHandle(text: string): string {
  return text
    .toLocaleLowerCase('tr')
    .replace(/[şŞ]/g, 's')
    .replace(/[ğĞ]/g, 'g')
    .replace(/[çÇ]/g, 'c')
    .replace(/[öÖ]/g, 'o')
    .replace(/[üÜ]/g, 'u')
    .replace(/[ıİ]/g, 'i');
}

/** Generated identities, column by column (see {@link LinkRecordColumns}); record `i` belongs to person `personOf[i]`. */
export interface GeneratedIdentities {
  count: number;
  /** `name`, `email`, `phone` and `handle` columns, and the network of each identity as its source. */
  columns: LinkRecordColumns & { sources: string[] };
  personOf: Uint32Array;
}

/**
 * Generated social identities: people with one to four accounts on different networks.
 * WhatsApp and Telegram carry a phone (in varying formats), Facebook and email an address
 * (Gmail dots and plus tags vary), Instagram, X, TikTok and Telegram a handle built from the
 * name (separators and numbers vary). Display names vary in case, diacritics, emoji, typos
 * and first-name-only forms. Returns the identities as columns (no object per identity; equal
 * display names are one string) and each identity's person; a record's id is its index.
 */
export function generateIdentities(count: number, seed = 20261122): GeneratedIdentities {
  const random = generator(seed);
  const turkishGiven = nameList(TURKISH_GIVEN, TURKISH_SYLLABLES, 400, random);
  const turkishSurname = nameList(TURKISH_SURNAME, TURKISH_SYLLABLES, 1500, random);
  const englishGiven = nameList(ENGLISH_GIVEN, ENGLISH_SYLLABLES, 400, random);
  const englishSurname = nameList(ENGLISH_SURNAME, ENGLISH_SYLLABLES, 1500, random);
  const names = new Array<string | undefined>(count);
  const emails = new Array<string | undefined>(count);
  const phones = new Array<string | undefined>(count);
  const handles = new Array<string | undefined>(count);
  const sources = new Array<string>(count);
  const internedNames = new Map<string, string>();
  const intern = (text: string) => {
    const known = internedNames.get(text);
    if (known !== undefined) return known;
    internedNames.set(text, text);
    return text;
  };
  let length = 0;
  const personOf = new Uint32Array(count);
  // Addresses and handles are unique per person, as providers and networks enforce.
  const taken = new Set<string>();
  const unique = (base: string) => {
    let candidate = base;
    while (taken.has(candidate)) candidate = `${base}${random.integer(1000)}`;
    taken.add(candidate);
    return candidate;
  };
  let person = 0;
  while (length < count) {
    const turkish = random.chance(0.5);
    const given = (turkish ? turkishGiven : englishGiven)[random.skewed(400)] as string;
    const surname = (turkish ? turkishSurname : englishSurname)[random.skewed(1500)] as string;
    const year = 60 + random.integer(45);
    const separator = ['.', '_', ''][random.integer(3)] as string;
    const handleCore = unique(`handle:${asciiHandle(given)}${asciiHandle(surname)}${random.chance(0.4) ? String(year % 100) : ''}`).slice(7);
    const baseHandle = `${asciiHandle(given)}${separator}${handleCore.slice(asciiHandle(given).length)}`;
    const emailDomain = (random.chance(0.6) ? 'gmail.com' : turkish ? ['hotmail.com', 'yandex.com', 'outlook.com'][random.integer(3)] : ['outlook.com', 'yahoo.co.uk', 'icloud.com'][random.integer(3)]) as string;
    const emailLocal = unique(`${emailDomain}:${random.chance(0.7) ? `${asciiHandle(given)}.${asciiHandle(surname)}` : `${asciiHandle(given)[0]}${asciiHandle(surname)}${year % 100}`}`).slice(emailDomain.length + 1);
    const subscriber = String(1_000_000 + random.integer(9_000_000));
    const phone = turkish ? `+90 5${random.integer(6)}${random.integer(10)} ${subscriber.slice(0, 3)} ${subscriber.slice(3)}` : `+44 7${random.integer(10)}${random.integer(10)}${random.integer(10)} ${subscriber.slice(1)}`;
    const accounts = random.chance(0.35) ? 1 : random.chance(0.55) ? 2 : random.chance(0.65) ? 3 : 4;
    const channels = [...CHANNELS_BY_KIND].sort(() => random.next() - 0.5).slice(0, accounts);
    for (const channel of channels) {
      if (length >= count) break;
      let name: string | undefined = `${given} ${surname}`;
      const variant = random.next();
      if (variant < 0.15) name = name.toLocaleUpperCase(turkish ? 'tr' : 'en');
      else if (variant < 0.3) name = asciiHandle(name).replace(/\b\w/g, (letter) => letter.toUpperCase());
      else if (variant < 0.4) name = given;
      else if (variant < 0.45) name = `${name} ✨`;
      else if (variant < 0.5) name = name.slice(0, -2) + name.slice(-1);
      else if (variant < 0.55) name = undefined;
      names[length] = name === undefined ? undefined : intern(name);
      if (channel === 'whatsapp' || (channel === 'telegram' && random.chance(0.5))) {
        phones[length] = random.chance(0.3) && turkish ? `0${phone.slice(4).replace(/ /g, random.chance(0.5) ? ' ' : '')}` : phone;
      }
      if (channel === 'email' || (channel === 'facebook' && random.chance(0.6))) {
        const local = emailDomain === 'gmail.com' && random.chance(0.3) ? `${emailLocal.replace('.', '')}+${channel}` : emailLocal;
        emails[length] = `${local}@${emailDomain}`;
      }
      if (channel === 'instagram' || channel === 'x' || channel === 'tiktok' || channel === 'telegram') {
        const handleVariant = random.next();
        handles[length] = handleVariant < 0.5 ? baseHandle : handleVariant < 0.7 ? baseHandle.replace(/[._]/g, '') : handleVariant < 0.85 ? `${baseHandle}.${channel}` : `${asciiHandle(given)}${random.integer(10_000)}`;
      }
      sources[length] = channel;
      personOf[length] = person;
      length++;
    }
    person++;
  }
  return { count, columns: { fields: { name: names, email: emails, phone: phones, handle: handles }, sources }, personOf };
}

/** Pairwise precision and recall of clusters of record indexes against generated persons. */
function scoreGenerated(clusters: ReadonlyArray<ReadonlyArray<number>>, personOf: Uint32Array): Score {
  const perPerson = new Map<number, number>();
  for (const person of personOf) perPerson.set(person, (perPerson.get(person) ?? 0) + 1);
  let truePairs = 0;
  for (const size of perPerson.values()) truePairs += (size * (size - 1)) / 2;
  let predictedPairs = 0;
  let correctPairs = 0;
  for (const cluster of clusters) {
    predictedPairs += (cluster.length * (cluster.length - 1)) / 2;
    const counts = new Map<number, number>();
    for (const index of cluster) {
      const person = personOf[index] as number;
      counts.set(person, (counts.get(person) ?? 0) + 1);
    }
    for (const size of counts.values()) correctPairs += (size * (size - 1)) / 2;
  }
  const precision = predictedPairs === 0 ? 1 : correctPairs / predictedPairs;
  const recall = truePairs === 0 ? 1 : correctPairs / truePairs;
  return { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall), truePairs, predictedPairs, correctPairs };
}

/**
 * Samples the process's resident set size from a worker thread every 2 ms, so the peak is
 * seen while the main thread is busy inside one synchronous call.
 */
function rssSampler(): { reset(): void; stop(): Promise<number> } {
  const shared = new Float64Array(new SharedArrayBuffer(8));
  const worker = new Worker(
    `const { workerData } = require('node:worker_threads');
     const peak = new Float64Array(workerData);
     setInterval(() => { const rss = process.memoryUsage.rss(); if (rss > peak[0]) peak[0] = rss; }, 2);`,
    { eval: true, workerData: shared.buffer },
  );
  worker.unref();
  return {
    reset: () => {
      shared[0] = process.memoryUsage.rss();
    },
    stop: async () => {
      await worker.terminate();
      return (shared[0] as number) / 1024 / 1024;
    },
  };
}

/** A full garbage collection when the process runs with `--expose-gc`, so sizes are live data. */
function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return false;
  gc();
  return true;
}

async function runGenerated(count: number, args: string[]): Promise<void> {
  if (!Number.isInteger(count) || count < 2) throw new Error('--generate needs a whole number of identities, at least 2.');
  // The sampler thread starts first so that its own memory is part of the baseline.
  const sampler = rssSampler();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const gcExposed = collectGarbage();
  const baselineMB = process.memoryUsage.rss() / 1024 / 1024;
  const generated = performance.now();
  const { columns, personOf } = generateIdentities(count);
  const generateSeconds = (performance.now() - generated) / 1000;
  collectGarbage();
  const afterInput = process.memoryUsage();
  const inputMB = afterInput.rss / 1024 / 1024;
  const threshold = argument(args, '--threshold');
  sampler.reset();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const result = linkRecords(columns, {
    includePairs: false,
    comparisons: identityComparisons.map((comparison) => (comparison.type === 'phone' ? { ...comparison, defaultRegion: 'TR' } : comparison)),
    blocking: identityBlockingRules,
    linkType: 'dedupe',
    cannotLink: args.includes('--no-veto') ? [] : ['email', 'phone'],
    onePerSource: !args.includes('--no-veto'),
    maxBlockSize: Number(argument(args, '--max-block') ?? 50),
    ...(threshold ? { matchThreshold: Number(threshold) } : {}),
    // The merger's own parameters and auto-merge band instead of EM.
    ...(args.includes('--merger-model') ? { model: defaultIdentityModel, matchThreshold: Number(threshold ?? 0.99), reviewThreshold: 0.8 } : {}),
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const peak = Math.max(await sampler.stop(), process.memoryUsage.rss() / 1024 / 1024);
  const score = scoreGenerated(
    result.clusters.map((cluster) => cluster.map(Number)),
    personOf,
  );
  const perIdentity = (megabytes: number) => Math.round((megabytes * 1024 * 1024) / count);
  const summary = {
    dataset: `generated-${count}`,
    model: args.includes('--merger-model') ? 'merger defaults' : 'EM',
    records: count,
    persons: (personOf[count - 1] ?? 0) + 1,
    precision: round(score.precision),
    recall: round(score.recall),
    f1: round(score.f1),
    truePairs: score.truePairs,
    predictedPairs: score.predictedPairs,
    pairsCompared: result.stats.pairsCompared,
    matchedPairs: result.stats.matches,
    reviewPairs: result.stats.reviews,
    oversizedBlocks: result.stats.oversizedBlocks,
    emIterations: result.stats.emIterations,
    generateSeconds: round(generateSeconds, 2),
    seconds: round(seconds, 2),
    cpuSeconds: round(cpuSeconds, 2),
    gcExposed,
    baselineRssMB: round(baselineMB, 1),
    inputRssMB: round(inputMB - baselineMB, 1),
    inputHeapMB: round(afterInput.heapUsed / 1024 / 1024, 1),
    peakRssMB: round(peak, 1),
    maxRssMB: round(peakRssMB(), 1),
    bytesPerIdentity: perIdentity(peak - baselineMB),
    linkerBytesPerIdentity: perIdentity(peak - inputMB),
  };
  report(summary, [
    `generated    ${count} identities of ${summary.persons} people, as columns (${summary.generateSeconds} s to generate)`,
    `precision    ${summary.precision}`,
    `recall       ${summary.recall}`,
    `f1           ${summary.f1}`,
    `pairs        ${summary.pairsCompared} compared (${summary.oversizedBlocks} oversized blocks windowed), ${score.predictedPairs} predicted, ${score.truePairs} true`,
    `time         ${summary.seconds} s linkage wall clock, ${summary.cpuSeconds} s CPU (single-threaded; CPU above wall is the garbage collector's helper threads)`,
    `memory       baseline RSS ${summary.baselineRssMB} MB; the input adds ${summary.inputRssMB} MB RSS (${summary.inputHeapMB} MB heap in use${gcExposed ? ' after a full GC' : '; run with --expose-gc for live sizes'})`,
    `             peak RSS during linkage ${summary.peakRssMB} MB (sampled every 2 ms): ${summary.bytesPerIdentity} bytes per identity above the baseline, input included; ${summary.linkerBytesPerIdentity} for the linker alone`,
    `             process max RSS ${summary.maxRssMB} MB (includes generating the input)`,
  ]);
}

/**
 * The memory ledger finds a customer's identities and merges by scanning all of them; a real
 * ledger has an index on the customer. This wrapper adds one so the run measures the merger,
 * not the scans.
 */
function withCustomerIndex(ledger: InteractionLedger): InteractionLedger {
  const byCustomer = new Map<string, Set<string>>();
  const mergesByCustomer = new Map<string, Set<string>>();
  return {
    ...ledger,
    async saveMerge(record) {
      for (const customerId of [record.survivorId, ...record.absorbedIds]) {
        let ids = mergesByCustomer.get(customerId);
        if (!ids) mergesByCustomer.set(customerId, (ids = new Set()));
        ids.add(record.id);
      }
      await ledger.saveMerge(record);
    },
    async listMerges(customerId) {
      const records = await Promise.all([...(mergesByCustomer.get(customerId) ?? [])].map((id) => ledger.getMerge(id)));
      return records
        .filter((record) => record !== null)
        .sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
    },
    async saveIdentity(record) {
      const previous = await ledger.getIdentity(record.key);
      if (previous) byCustomer.get(previous.customerId)?.delete(record.key);
      let keys = byCustomer.get(record.customerId);
      if (!keys) byCustomer.set(record.customerId, (keys = new Set()));
      keys.add(record.key);
      await ledger.saveIdentity(record);
    },
    async listIdentities(customerId) {
      const records = await Promise.all([...(byCustomer.get(customerId) ?? [])].map((key) => ledger.getIdentity(key)));
      return records.filter((record) => record !== null);
    },
  };
}

/**
 * `--incremental N`: resolves N generated identities one by one through the merger (its
 * default parameters and bands), as the pipeline does, against a growing in-memory ledger.
 * Reports latency per resolution late in the run (when the ledger already holds 90 % of
 * the identities) and the quality of the customers that result.
 */
async function runIncremental(count: number): Promise<void> {
  if (!Number.isInteger(count) || count < 2) throw new Error('--incremental needs a whole number of identities, at least 2.');
  const { columns, personOf } = generateIdentities(count);
  const { name, handle, email, phone } = columns.fields as Record<string, Array<string | undefined>>;
  const ledger = withCustomerIndex(memoryLedger());
  const merger = createIdentityMerger({ defaultRegion: 'TR' });
  let counter = 0;
  const context = { ledger, now: () => new Date(), generateId: () => `c${++counter}` };
  const latencies = new Float64Array(count);
  let merges = 0;
  let suggestions = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  for (let index = 0; index < count; index++) {
    const identity: ChannelIdentity = {
      channel: columns.sources[index] as string,
      nativeId: String(index),
      ...(name?.[index] ? { displayName: name[index] } : {}),
      ...(handle?.[index] ? { handle: handle[index] } : {}),
      ...(email?.[index] ? { email: email[index] } : {}),
      ...(phone?.[index] ? { phone: phone[index] } : {}),
    };
    const before = performance.now();
    const result = await merger.resolve(identity, context);
    latencies[index] = performance.now() - before;
    merges += result.merges.length;
    suggestions += result.suggestions.length;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const byCustomer = new Map<string, number[]>();
  for (let index = 0; index < count; index++) {
    const record = await ledger.getIdentity(`${columns.sources[index]}:${index}`);
    const customerId = record?.customerId ?? `missing:${index}`;
    let members = byCustomer.get(customerId);
    if (!members) byCustomer.set(customerId, (members = []));
    members.push(index);
  }
  const clusters = [...byCustomer.values()].filter((members) => members.length > 1);
  const score = scoreGenerated(clusters, personOf);
  const late = Float64Array.from(latencies.subarray(Math.floor(count * 0.9))).sort();
  const percentile = (share: number) => round(late[Math.min(late.length - 1, Math.floor(late.length * share))] ?? 0, 3);
  const summary = {
    dataset: `incremental-${count}`,
    records: count,
    precision: round(score.precision),
    recall: round(score.recall),
    f1: round(score.f1),
    merges,
    suggestions,
    pairsCompared: null,
    seconds: round(seconds, 2),
    cpuSeconds: round(cpuSeconds, 2),
    resolutionsPerSecond: Math.round(count / seconds),
    resolutionsPerCpuSecond: Math.round(count / cpuSeconds),
    lateLatencyMs: { p50: percentile(0.5), p95: percentile(0.95), p99: percentile(0.99) },
    peakRssMB: round(peakRssMB(), 1),
  };
  report(summary, [
    `incremental  ${count} identities resolved one by one (merger defaults, in-memory ledger)`,
    `precision    ${summary.precision}`,
    `recall       ${summary.recall}`,
    `f1           ${summary.f1}`,
    `decisions    ${merges} merges, ${suggestions} suggestions for review`,
    `time         ${summary.seconds} s wall clock, ${summary.cpuSeconds} s CPU: ${summary.resolutionsPerSecond} resolutions/s (${summary.resolutionsPerCpuSecond} per CPU second); latency in the last 10 %: p50 ${summary.lateLatencyMs.p50} ms, p95 ${summary.lateLatencyMs.p95} ms, p99 ${summary.lateLatencyMs.p99} ms`,
    `peak RSS     ${summary.peakRssMB} MB (the in-memory ledger holds every record)`,
  ]);
}

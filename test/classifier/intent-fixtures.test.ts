/**
 * Per-intent precision/recall floors on the hand-written, reviewed intent sets
 * (test/fixtures/intent-en.jsonl, intent-tr.jsonl). These posts are never trained on.
 * Labelling rules: `question` whenever the post asks something; `complaint` whenever it
 * voices dissatisfaction (so escalation threats usually carry it too).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createClassifier } from 'social-crm/classifier';

interface Row {
  id: string;
  text: string;
  intents: string[];
  lang: string;
}

const load = (language: string): Row[] =>
  readFileSync(fileURLToPath(new URL(`../fixtures/intent-${language}.jsonl`, import.meta.url)), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Row);

/** Floors a little under the measured figures, so a real regression fails. */
const FLOORS: Record<string, { precision: number; recall: number }> = {
  complaint: { precision: 0.7, recall: 0.75 },
  question: { precision: 0.9, recall: 0.9 },
  praise: { precision: 0.75, recall: 0.75 },
  purchase_intent: { precision: 0.7, recall: 0.65 },
  feature_request: { precision: 0.85, recall: 0.65 },
  support_request: { precision: 0.7, recall: 0.65 },
  churn_risk: { precision: 0.85, recall: 0.65 },
  escalation_threat: { precision: 0.9, recall: 0.75 },
  spam: { precision: 0.9, recall: 0.8 },
};

describe.each(['en', 'tr'])('intent fixtures (%s)', (language) => {
  const rows = load(language);
  const classifier = createClassifier();
  const predicted = rows.map((row) => new Set<string>(classifier.classify({ text: row.text }).intents.map((item) => item.intent)));

  it('has at least 300 posts covering every intent', () => {
    expect(rows.length).toBeGreaterThanOrEqual(300);
    for (const intent of Object.keys(FLOORS)) expect(rows.some((row) => row.intents.includes(intent))).toBe(true);
  });

  it.each(Object.entries(FLOORS))('%s meets its precision and recall floors', (intent, floor) => {
    let truePositive = 0;
    let falsePositive = 0;
    let falseNegative = 0;
    rows.forEach((row, index) => {
      const gold = row.intents.includes(intent);
      const guess = predicted[index]!.has(intent);
      if (gold && guess) truePositive++;
      else if (guess) falsePositive++;
      else if (gold) falseNegative++;
    });
    const precision = truePositive / Math.max(1, truePositive + falsePositive);
    const recall = truePositive / Math.max(1, truePositive + falseNegative);
    expect(precision, `${intent} precision`).toBeGreaterThanOrEqual(floor.precision);
    expect(recall, `${intent} recall`).toBeGreaterThanOrEqual(floor.recall);
  });

  it('detects the fixture language', () => {
    const wrong = rows.filter((row) => classifier.classify({ text: row.text }).language !== row.lang);
    expect(wrong.map((row) => row.text)).toEqual([]);
  });
});

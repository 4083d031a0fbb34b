import { describe, expect, it } from 'vitest';
import { createClassifier, type Classification, type Classifier, type ClassifierInput } from 'social-crm/classifier';
import { InvalidOptionsError, classificationSchema } from '../../src/index.js';

/** A stand-in for a host's bigger model: records its calls, answers "negative, sure" unless told otherwise. */
function standIn(answer: (input: ClassifierInput) => unknown = () => undefined, batched = true) {
  const calls: ClassifierInput[][] = [];
  const result = (input: ClassifierInput): Classification => ({
    language: 'en',
    languageConfidence: 0.99,
    languageSupported: true,
    sentiment: { label: 'negative', score: -0.8, confidence: 0.95 },
    intents: [{ intent: 'complaint', confidence: 0.9 }],
    department: { department: 'customer_service', reason: 'stand-in' },
    urgency: 0.7,
    explanation: [],
    model: 'host/big-model@1',
    ...(answer(input) as object | undefined),
  });
  const classifier: Classifier = {
    id: 'host/big-model@1',
    classify: async (input) => {
      calls.push([input]);
      return result(input);
    },
    ...(batched
      ? {
          classifyBatch: async (inputs: ClassifierInput[]) => {
            calls.push(inputs);
            return inputs.map(result);
          },
        }
      : {}),
  };
  return { classifier, calls };
}

const unsure = 'The meeting moved to Thursday afternoon';
const sure = 'I absolutely love this phone, the camera is amazing and support was wonderful';

describe('cascade: createClassifier({ fallback })', () => {
  it('answers at once from the local tier and never calls the fallback within the call', () => {
    const { classifier: host, calls } = standIn();
    const refined: Classification[] = [];
    const classifier = createClassifier({ fallback: { classifier: host, when: 0.99, onResult: (result) => void refined.push(result) } });
    const result = classifier.classify({ text: unsure, id: 'msg-1' });
    expect(calls).toEqual([]);
    expect(result.model).toBe('social-crm/default@1');
    const tier = result.explanation.find((item) => item.label === 'tier:local')!;
    expect(tier.cues[0]).toMatch(/sent to host\/big-model@1/);
    expect(classifier.pending).toBe(1);
  });

  it('sends unsure results in batches and hands each answer, marked as the fallback tier, to onResult', async () => {
    const { classifier: host, calls } = standIn();
    const refined: Array<{ result: Classification; id: string | undefined; local: Classification }> = [];
    const classifier = createClassifier({
      fallback: { classifier: host, when: 0.99, batchSize: 3, maxWaitMs: 60_000, onResult: (result, { input, local }) => void refined.push({ result, id: input.id, local }) },
    });
    for (let index = 0; index < 7; index++) classifier.classify({ text: `${unsure} ${index}`, id: `msg-${index}` });
    await classifier.drain();
    expect(calls.map((batch) => batch.length)).toEqual([3, 3, 1]);
    expect(refined.map((item) => item.id).sort()).toEqual(['msg-0', 'msg-1', 'msg-2', 'msg-3', 'msg-4', 'msg-5', 'msg-6']);
    for (const { result, local } of refined) {
      expect(classificationSchema.parse(result)).toBeTruthy();
      expect(result.model).toBe('host/big-model@1');
      expect(result.explanation.at(-1)!.label).toBe('tier:fallback');
      expect(local.model).toBe('social-crm/default@1');
    }
    expect(classifier.pending).toBe(0);
  });

  it('keeps confident local results local, and defers languages without a local model', async () => {
    const { classifier: host, calls } = standIn();
    const classifier = createClassifier({ fallback: { classifier: host, when: 0.5, onResult: () => {} } });
    const confident = classifier.classify({ text: sure });
    expect(confident.sentiment.confidence).toBeGreaterThanOrEqual(0.5);
    expect(confident.explanation.at(-1)).toEqual({ label: 'tier:local', cues: ['social-crm/default@1 decided'] });
    classifier.classify({ text: 'Je voudrais annuler ma commande, le colis est arrivé endommagé.' });
    await classifier.drain();
    expect(calls.flat().map((input) => input.text)).toEqual(['Je voudrais annuler ma commande, le colis est arrivé endommagé.']);
  });

  it('refine() resolves to the final answer, and a custom rule decides what is deferred', async () => {
    const { classifier: host } = standIn(undefined, false);
    const classifier = createClassifier({ fallback: { classifier: host, when: (local) => local.intents.length === 0, maxWaitMs: 0, onResult: () => {} } });
    const final = await classifier.refine({ text: unsure });
    expect(final.model).toBe('host/big-model@1');
    const kept = await classifier.refine({ text: 'Still no refund after 3 weeks. Talking to my lawyer.' });
    expect(kept.model).toBe('social-crm/default@1');
  });

  it('keeps the local result when the fallback fails or answers something malformed, and reports a ClassifierError', async () => {
    const errors: string[] = [];
    const broken: Classifier = { id: 'host/broken', classify: async () => { throw new Error('503 from the model server'); } };
    const classifier = createClassifier({ fallback: { classifier: broken, when: 1, maxWaitMs: 0, onResult: () => {}, onError: (error) => void errors.push(`${error.name}: ${error.message}`) } });
    const final = await classifier.refine({ text: unsure });
    expect(final.model).toBe('social-crm/default@1');
    expect(final.explanation.at(-1)!.cues[0]).toMatch(/fallback host\/broken failed/);
    expect(errors[0]).toMatch(/^ClassifierError: .*503 from the model server/);

    const { classifier: sloppy } = standIn(() => ({ sentiment: { label: 'angry', score: 3, confidence: 2 } }));
    const second = createClassifier({ fallback: { classifier: sloppy, when: 1, maxWaitMs: 0, onResult: () => {}, onError: (error) => void errors.push(error.message) } });
    expect((await second.refine({ text: unsure })).model).toBe('social-crm/default@1');
    expect(errors[1]).toMatch(/does not match classificationSchema/);
  });

  it('bounds the queue: beyond maxQueue a message keeps its local result and says so', async () => {
    const { classifier: host } = standIn();
    const classifier = createClassifier({ fallback: { classifier: host, when: 1, maxQueue: 2, batchSize: 10, maxWaitMs: 60_000, onResult: () => {} } });
    classifier.classify({ text: 'one' });
    classifier.classify({ text: 'two' });
    const third = classifier.classify({ text: 'three' });
    expect(third.explanation.at(-1)!.cues[0]).toMatch(/queue full/);
    await classifier.drain();
  });

  it('rejects a malformed fallback with InvalidOptionsError', () => {
    expect(() => createClassifier({ fallback: { classifier: { id: 'x' } as unknown as Classifier, onResult: () => {} } })).toThrow(InvalidOptionsError);
    expect(() => createClassifier({ fallback: { classifier: standIn().classifier, when: 2, onResult: () => {} } })).toThrow(/when/);
  });
});

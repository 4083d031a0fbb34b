import { http, HttpResponse, delay } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isSocialCrmError } from 'social-crm';
import { remoteClassifier } from '../../examples/remote-classifier/index.js';

const BASE = 'https://nlp.example.test';

const answer = {
  language: 'en',
  languageConfidence: 0.97,
  languageSupported: true,
  sentiment: { label: 'negative', score: -0.8, confidence: 0.9 },
  intents: [{ intent: 'complaint', confidence: 0.88 }],
  department: { department: 'customer_service', reason: 'complaint' },
  urgency: 0.7,
  explanation: [{ label: 'sentiment:negative', cues: ['terrible'] }],
};

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe('remoteClassifier (example)', () => {
  it('posts the input with the bearer token and returns a validated classification', async () => {
    const seen: Array<{ body: unknown; authorization: string | null }> = [];
    server.use(
      http.post(`${BASE}/classify`, async ({ request }) => {
        seen.push({ body: await request.json(), authorization: request.headers.get('authorization') });
        return HttpResponse.json(answer);
      }),
    );
    const classifier = remoteClassifier({ baseUrl: BASE, apiKey: 'secret-key', id: 'acme/nlp@2' });
    const result = await classifier.classify({ text: 'Terrible service', locale: 'en-US', followerCount: 10 });
    expect(result).toEqual({ ...answer, model: 'acme/nlp@2' });
    expect(seen).toEqual([{ body: { text: 'Terrible service', locale: 'en-US', followerCount: 10 }, authorization: 'Bearer secret-key' }]);
  });

  it('classifies a batch in one call, in order', async () => {
    server.use(
      http.post(`${BASE}/classify/batch`, async ({ request }) => {
        const { inputs } = (await request.json()) as { inputs: Array<{ text: string }> };
        return HttpResponse.json({ results: inputs.map((input) => ({ ...answer, explanation: [{ label: 'echo', cues: [input.text] }] })) });
      }),
    );
    const results = await remoteClassifier({ baseUrl: BASE }).classifyBatch([{ text: 'one' }, { text: 'two' }]);
    expect(results.map((result) => result.explanation[0]!.cues[0])).toEqual(['one', 'two']);
    expect(results[0]!.model).toBe('remote/classifier@1');
  });

  it('retries a 503 once, then succeeds', async () => {
    let calls = 0;
    server.use(
      http.post(`${BASE}/classify`, () => {
        calls++;
        return calls === 1 ? new HttpResponse('busy', { status: 503 }) : HttpResponse.json(answer);
      }),
    );
    const result = await remoteClassifier({ baseUrl: BASE, retries: 1 }).classify({ text: 'hello' });
    expect(result.sentiment.label).toBe('negative');
    expect(calls).toBe(2);
  });

  it('turns an HTTP error into a ClassifierError with the cause', async () => {
    server.use(http.post(`${BASE}/classify`, () => HttpResponse.json({ error: 'bad input' }, { status: 400 })));
    const failure = await remoteClassifier({ baseUrl: BASE }).classify({ text: 'hello' }).catch((error: unknown) => error);
    expect(isSocialCrmError(failure, 'CLASSIFIER_ERROR')).toBe(true);
    expect((failure as Error).message).toMatch(/400/);
    expect((failure as Error).cause).toBeDefined();
  });

  it('rejects a body that is not a classification', async () => {
    server.use(http.post(`${BASE}/classify`, () => HttpResponse.json({ ...answer, sentiment: { label: 'furious', score: 3, confidence: 1 } })));
    const failure = await remoteClassifier({ baseUrl: BASE }).classify({ text: 'hello' }).catch((error: unknown) => error);
    expect(isSocialCrmError(failure, 'CLASSIFIER_ERROR')).toBe(true);
    expect((failure as Error).message).toMatch(/sentiment/);
  });

  it('rejects a batch with the wrong number of results', async () => {
    server.use(http.post(`${BASE}/classify/batch`, () => HttpResponse.json({ results: [answer] })));
    const failure = await remoteClassifier({ baseUrl: BASE }).classifyBatch([{ text: 'a' }, { text: 'b' }]).catch((error: unknown) => error);
    expect(isSocialCrmError(failure, 'CLASSIFIER_ERROR')).toBe(true);
  });

  it('times out into a ClassifierError', async () => {
    server.use(
      http.post(`${BASE}/classify`, async () => {
        await delay(500);
        return HttpResponse.json(answer);
      }),
    );
    const failure = await remoteClassifier({ baseUrl: BASE, timeoutMs: 50, retries: 0 }).classify({ text: 'slow' }).catch((error: unknown) => error);
    expect(isSocialCrmError(failure, 'CLASSIFIER_ERROR')).toBe(true);
    expect((failure as Error).message).toMatch(/50 ms/);
  });

  it('validates its options', () => {
    expect(() => remoteClassifier({ baseUrl: 'not a url' })).toThrowError(/baseUrl/);
  });
});

/**
 * A {@link Classifier} that asks an external HTTP classification service (a hosted model,
 * an LLM gateway, an in-house API) instead of classifying locally. Its `classify` is
 * async; the pipeline awaits it like the default one.
 *
 * The service contract assumed here: `POST {baseUrl}/classify` with
 * `{ text, locale?, channel?, kind?, direction?, visibility?, followerCount?, threadParticipants? }`
 * and a JSON answer shaped like social-crm's `Classification` (without `model`, which this
 * classifier fills in). `POST {baseUrl}/classify/batch` with `{ inputs: [...] }` answers
 * `{ results: [...] }`. Adapt `toRequestBody` and `responseSchema` to your service.
 *
 * Every failure (network, timeout, HTTP error, a body that does not match the schema)
 * becomes a `ClassifierError` with the cause attached, so the pipeline can dead-letter it.
 *
 * @example
 * import { createSocialCrm, memoryLedger } from 'social-crm';
 * import { remoteClassifier } from './examples/remote-classifier/index.js';
 *
 * const crm = createSocialCrm({
 *   ledger: memoryLedger(),
 *   adapters: [...],
 *   classifier: remoteClassifier({ baseUrl: 'https://nlp.internal.example', apiKey: secrets.NLP_KEY }),
 * });
 */
import ky, { HTTPError, TimeoutError } from 'ky';
import * as z from 'zod';
import { ClassifierError, InvalidOptionsError, classificationSchema } from 'social-crm';
import type { Classification, Classifier, ClassifierInput } from 'social-crm/classifier';

/** Options of {@link remoteClassifier}. */
export interface RemoteClassifierOptions {
  /** Base URL of the service, e.g. `https://nlp.internal.example`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` when given. */
  apiKey?: string;
  /** Reported as `classification.model`. @default 'remote/classifier@1' */
  id?: string;
  /** Milliseconds before one request is abandoned. @default 5000 */
  timeoutMs?: number;
  /** Retries for idempotent failures (408, 429, 5xx, network). @default 1 */
  retries?: number;
  /** A fetch implementation (tests, proxies). @default globalThis.fetch */
  fetch?: typeof fetch;
}

const optionsSchema = z.object({
  baseUrl: z.string().url(),
  apiKey: z.string().min(1).optional(),
  id: z.string().min(1).optional(),
  timeoutMs: z.number().int().positive().optional(),
  retries: z.number().int().min(0).max(5).optional(),
  fetch: z.custom<typeof fetch>((value) => typeof value === 'function').optional(),
});

/** What the service answers for one text: a Classification without `model`. */
const responseSchema = classificationSchema.omit({ model: true });
const batchResponseSchema = z.object({ results: z.array(responseSchema) });

function toRequestBody(input: ClassifierInput): Record<string, unknown> {
  const { text, locale, channel, kind, direction, visibility, followerCount, threadParticipants } = input;
  return { text, locale, channel, kind, direction, visibility, followerCount, threadParticipants };
}

/** The remote classifier: a {@link Classifier} whose calls are async. */
export interface RemoteClassifier extends Classifier {
  classify(input: ClassifierInput): Promise<Classification>;
  classifyBatch(inputs: ClassifierInput[]): Promise<Classification[]>;
}

/** Creates the remote classifier. Validates options now; connects only when `classify` is called. */
export function remoteClassifier(options: RemoteClassifierOptions): RemoteClassifier {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
    throw new InvalidOptionsError(`[remote-classifier] Invalid options:\n${issues.map((issue) => `- ${issue.path}: ${issue.message}`).join('\n')}`, issues);
  }
  const settings = parsed.data;
  const id = settings.id ?? 'remote/classifier@1';
  const client = ky.create({
    prefixUrl: settings.baseUrl,
    timeout: settings.timeoutMs ?? 5000,
    retry: { limit: settings.retries ?? 1, methods: ['post'], statusCodes: [408, 429, 500, 502, 503, 504] },
    headers: settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {},
    ...(settings.fetch ? { fetch: settings.fetch } : {}),
  });

  async function call<T>(path: string, body: unknown, schema: z.ZodType<T>): Promise<T> {
    let json: unknown;
    try {
      json = await client.post(path, { json: body }).json();
    } catch (error) {
      if (error instanceof HTTPError) {
        throw new ClassifierError(`[remote-classifier] The classification service answered ${error.response.status} (POST ${error.request.url}).`, { cause: error });
      }
      if (error instanceof TimeoutError) {
        throw new ClassifierError(`[remote-classifier] The classification service did not answer within ${settings.timeoutMs ?? 5000} ms (POST ${error.request.url}).`, { cause: error });
      }
      throw new ClassifierError(`[remote-classifier] The classification service could not be reached or sent no JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const result = schema.safeParse(json);
    if (!result.success) {
      throw new ClassifierError(`[remote-classifier] The classification service answered a body that is not a valid classification: ${result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`, { cause: result.error });
    }
    return result.data;
  }

  return {
    id,
    async classify(input) {
      const result = await call('classify', toRequestBody(input), responseSchema);
      return { ...result, model: id };
    },
    async classifyBatch(inputs) {
      if (inputs.length === 0) return [];
      const { results } = await call('classify/batch', { inputs: inputs.map(toRequestBody) }, batchResponseSchema);
      if (results.length !== inputs.length) {
        throw new ClassifierError(`[remote-classifier] The classification service answered ${results.length} results for ${inputs.length} inputs.`);
      }
      return results.map((result) => ({ ...result, model: id }));
    },
  };
}

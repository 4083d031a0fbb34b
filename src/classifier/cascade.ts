/**
 * The cascade: the local classifier answers every message at once (it stays on the webhook
 * path); the messages it is unsure about are also queued for a host-provided classifier (a
 * hosted model, a local transformer) behind the same {@link Classifier} port, sent in batches
 * off that path, and each better answer is handed to the host's `onResult` with the tier that
 * decided recorded in the result.
 *
 * @module
 */
import type { Classifier, ClassifierInput } from '../classifier-port.js';
import { ClassifierError } from '../errors.js';
import type { Classification } from '../interaction.js';

/** When and how the cascade asks the fallback classifier. */
export interface FallbackOptions {
  /** The host's classifier, reached through the classifier port (sync or async, with or without `classifyBatch`). */
  classifier: Classifier;
  /**
   * Which local results go to the fallback. A number is a confidence threshold: results whose
   * sentiment confidence is below it, and results for a language without a local model, are
   * deferred. A function decides itself.
   * @default 0.5
   */
  when?: number | ((local: Classification, input: ClassifierInput) => boolean);
  /**
   * Called with each fallback answer (validated against `classificationSchema`) and what it
   * replaces. Batches may overlap (`concurrency`), so answers can arrive out of input order;
   * match them by `input.id`.
   */
  onResult: (result: Classification, context: { input: ClassifierInput; local: Classification }) => void | Promise<void>;
  /** Called when a batch fails or answers something malformed; the local results stand. @default ignore */
  onError?: (error: ClassifierError, inputs: ClassifierInput[]) => void;
  /** Most inputs per fallback call. @default 32 */
  batchSize?: number;
  /** Longest wait before a partial batch is sent, in milliseconds. @default 250 */
  maxWaitMs?: number;
  /** Most batches in flight at once. @default 2 */
  concurrency?: number;
  /** Most inputs waiting; beyond it a message keeps its local result and says so. @default 10,000 */
  maxQueue?: number;
}

/** A classifier whose `classify` answers locally at once and may defer to a fallback. */
export interface CascadeControls {
  /**
   * The final answer for one input: the local one when it is confident enough, otherwise the
   * fallback's (the local one again, marked, when the fallback fails). For work off the
   * webhook path that can wait.
   */
  refine(input: ClassifierInput): Promise<Classification>;
  /** Resolves once every queued input has been sent and answered (shutdown, tests). */
  drain(): Promise<void>;
  /** Inputs waiting or in flight. */
  readonly pending: number;
}

/** Explanation label of the tier that decided: `tier:local` or `tier:fallback`. */
export const TIER_LOCAL = 'tier:local';
export const TIER_FALLBACK = 'tier:fallback';

interface Pending {
  input: ClassifierInput;
  local: Classification;
  settle?: (result: Classification) => void;
}

/** Resolved fallback options with defaults. */
export interface ResolvedFallback extends Required<Omit<FallbackOptions, 'onError' | 'when'>> {
  when: (local: Classification, input: ClassifierInput) => boolean;
  onError: (error: ClassifierError, inputs: ClassifierInput[]) => void;
}

/** Applies defaults; a number `when` becomes a confidence rule. */
export function resolveFallback(options: FallbackOptions): ResolvedFallback {
  const when = options.when ?? 0.5;
  return {
    classifier: options.classifier,
    onResult: options.onResult,
    onError: options.onError ?? (() => {}),
    when: typeof when === 'number' ? (local) => !local.languageSupported || local.sentiment.confidence < when : when,
    batchSize: options.batchSize ?? 32,
    maxWaitMs: options.maxWaitMs ?? 250,
    concurrency: options.concurrency ?? 2,
    maxQueue: options.maxQueue ?? 10_000,
  };
}

function withTier(result: Classification, label: string, cue: string): Classification {
  return { ...result, explanation: [...result.explanation, { label, cues: [cue] }] };
}

/**
 * Wraps a synchronous local classifier with a fallback tier. `classify` stays synchronous and
 * never waits for the fallback.
 */
export function cascade<Local extends { id: string; classify(input: ClassifierInput): Classification }>(local: Local, options: ResolvedFallback): CascadeControls & {
  id: string;
  classify(input: ClassifierInput): Classification;
  classifyBatch(inputs: ClassifierInput[]): Classification[];
} {
  const fallback = options.classifier;
  const queue: Pending[] = [];
  let inFlight = 0;
  let inFlightItems = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Set by drain(): partial batches go at once until the queue is empty. */
  let draining = false;
  let idle: Array<() => void> = [];

  const notifyIdle = () => {
    if (queue.length > 0 || inFlight > 0) return;
    draining = false;
    const waiting = idle;
    idle = [];
    for (const resolve of waiting) resolve();
  };

  const failed = (batch: Pending[], error: unknown) => {
    const wrapped = error instanceof ClassifierError ? error : new ClassifierError(`[${fallback.id}] fallback classifier failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    try {
      options.onError(wrapped, batch.map((item) => item.input));
    } catch {
      // a failing error handler must not stop the queue
    }
    for (const item of batch) item.settle?.(withTier(item.local, TIER_LOCAL, `fallback ${fallback.id} failed: ${wrapped.message}`));
  };

  const send = async (batch: Pending[]) => {
    inFlight++;
    inFlightItems += batch.length;
    try {
      const inputs = batch.map((item) => item.input);
      let answers: unknown[];
      if (fallback.classifyBatch && batch.length > 1) answers = await fallback.classifyBatch(inputs);
      else answers = await Promise.all(inputs.map((input) => fallback.classify(input)));
      if (!Array.isArray(answers) || answers.length !== batch.length) throw new ClassifierError(`[${fallback.id}] fallback answered ${Array.isArray(answers) ? answers.length : 'no'} results for ${batch.length} inputs`);
      // zod and the schemas load with the first answer, not with the classifier (cold start)
      const { classificationSchema } = await import('../interaction.js');
      const results = answers.map((answer, index) => {
        const parsed = classificationSchema.safeParse(answer);
        if (!parsed.success) throw new ClassifierError(`[${fallback.id}] fallback result ${index} does not match classificationSchema: ${parsed.error.issues[0]?.message ?? 'invalid'}`, { cause: parsed.error });
        return parsed.data;
      });
      for (const [index, item] of batch.entries()) {
        const result = withTier(results[index]!, TIER_FALLBACK, `${fallback.id} replaced ${local.id} (local ${item.local.sentiment.label} at ${item.local.sentiment.confidence})`);
        try {
          await options.onResult(result, { input: item.input, local: item.local });
        } catch (error) {
          try {
            options.onError(new ClassifierError(`[${fallback.id}] onResult failed: ${(error as Error)?.message ?? String(error)}`, { cause: error }), [item.input]);
          } catch {
            // ignored, as above
          }
        }
        item.settle?.(result);
      }
    } catch (error) {
      failed(batch, error);
    } finally {
      inFlight--;
      inFlightItems -= batch.length;
      pump(draining);
      notifyIdle();
    }
  };

  /** Sends full batches (all batches when `force`) while there is room; a partial batch waits for the timer. */
  const pump = (force: boolean) => {
    while (queue.length > 0 && inFlight < options.concurrency) {
      if (queue.length < options.batchSize && !force) {
        if (timer === undefined) {
          timer = setTimeout(() => {
            timer = undefined;
            pump(true);
          }, options.maxWaitMs);
          (timer as { unref?: () => void }).unref?.();
        }
        return;
      }
      if (timer !== undefined) {
        clearTimeout(timer);
        timer = undefined;
      }
      void send(queue.splice(0, options.batchSize));
    }
  };

  const enqueue = (item: Pending): boolean => {
    if (queue.length >= options.maxQueue) return false;
    queue.push(item);
    // never within the caller's turn: the webhook path returns before any fallback call starts
    if (queue.length === 1 || queue.length >= options.batchSize) queueMicrotask(() => pump(draining));
    return true;
  };

  const classify = (input: ClassifierInput): Classification => {
    const result = local.classify(input);
    let deferred = false;
    try {
      deferred = options.when(result, input);
    } catch {
      deferred = false;
    }
    if (!deferred) return withTier(result, TIER_LOCAL, `${local.id} decided`);
    const queued = enqueue({ input, local: result });
    return withTier(result, TIER_LOCAL, queued ? `${local.id} decided for now; sent to ${fallback.id}` : `${local.id} decided; ${fallback.id} queue full`);
  };

  return {
    id: local.id,
    classify,
    classifyBatch: (inputs) => inputs.map(classify),
    refine(input) {
      const result = local.classify(input);
      let deferred = false;
      try {
        deferred = options.when(result, input);
      } catch {
        deferred = false;
      }
      if (!deferred) return Promise.resolve(withTier(result, TIER_LOCAL, `${local.id} decided`));
      return new Promise((resolve) => {
        if (!enqueue({ input, local: result, settle: resolve })) resolve(withTier(result, TIER_LOCAL, `${local.id} decided; ${fallback.id} queue full`));
      });
    },
    drain() {
      if (queue.length === 0 && inFlight === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        idle.push(resolve);
        draining = true;
        pump(true);
      });
    },
    get pending() {
      return queue.length + inFlightItems;
    },
  };
}

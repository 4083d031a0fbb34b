/**
 * The queue port. A {@link WorkQueue} carries work from the processes that acknowledge
 * webhooks to the workers that run the pipeline.
 *
 * ## Rules every implementation follows
 * - **At least once.** A message is delivered again until a handler resolves for it. A worker
 *   that dies mid-message must not lose it.
 * - **In order per key.** Messages with the same `key` reach handlers in enqueue order, and a
 *   message is handed out only after every earlier message of its key was acknowledged. A
 *   batch may hold several messages of one key (in order); no two batches in flight share a
 *   key. Different keys run in parallel.
 * - **Deduplication is best effort.** A queue may drop a message whose `id` it saw recently.
 *   The idempotent ledger makes repeated delivery harmless in any case.
 *
 * `consume` (one message at a time) is what every queue implements. `consumeBatches` is
 * optional: workers use it when a queue offers it and fall back to `consume` otherwise.
 *
 * @module
 */

/** A message as enqueued. `payload` must survive `JSON.stringify`. */
export interface WorkMessageInput {
  /** Stable id of the content; queues may use it to drop duplicates. */
  id: string;
  /** Ordering key: messages with one key are delivered in order, never two at once. */
  key: string;
  payload: unknown;
}

/** A message as delivered. */
export interface WorkMessage extends WorkMessageInput {
  /** 1 on the first delivery, then 2, 3 ... */
  attempt: number;
}

/** Processes one message: resolve to acknowledge, throw to have it delivered again later. */
export type WorkHandler = (message: WorkMessage) => Promise<void>;

/**
 * Processes a batch: resolve to acknowledge every message of it, throw to have all of them
 * delivered again (each with `attempt` + 1), before anything later of their keys.
 */
export type WorkBatchHandler = (messages: WorkMessage[]) => Promise<void>;

/** A running consumer. */
export interface WorkSubscription {
  /** Stop taking messages and wait for the handlers in flight. */
  stop(): Promise<void>;
}

/** Options of {@link WorkQueue.consume}. */
export interface ConsumeOptions {
  /** Most messages (of different keys) handled at once by this consumer. Implementations may cap it. */
  concurrency?: number;
}

/** Options of {@link WorkQueue.consumeBatches}. */
export interface ConsumeBatchesOptions {
  /** Most messages in one batch. Implementations may cap it (the JetStream queue at its own `maxBatch`). @default 100 */
  maxBatch?: number;
  /** How long a batch that is not full may wait for more messages after its first one. @default 10 */
  maxWaitMs?: number;
  /**
   * Most batches handled at once by this consumer, which bounds the messages in handlers at
   * `concurrency × maxBatch`. @default 4
   */
  concurrency?: number;
}

/** A durable (or, for `memoryQueue`, in-process) queue with per-key ordering. */
export interface WorkQueue {
  /** Enqueue messages; resolves once the queue holds all of them (durably, where it can). */
  enqueue(messages: ReadonlyArray<WorkMessageInput>): Promise<void>;
  /** Start handing messages to `handler`, one per call, until the subscription is stopped. */
  consume(handler: WorkHandler, options?: ConsumeOptions): Promise<WorkSubscription>;
  /**
   * Start handing batches to `handler` until the subscription is stopped. Optional: a queue
   * without it is consumed one message at a time.
   */
  consumeBatches?(handler: WorkBatchHandler, options?: ConsumeBatchesOptions): Promise<WorkSubscription>;
  /** Release connections. Stop subscriptions first. */
  close(): Promise<void>;
}

/** Defaults of {@link ConsumeBatchesOptions}, shared by the queues and the worker. */
export const BATCH_DEFAULTS = { maxBatch: 100, maxWaitMs: 10, concurrency: 4 } as const;

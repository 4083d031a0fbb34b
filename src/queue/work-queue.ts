/**
 * The queue port. A {@link WorkQueue} carries work from the processes that acknowledge
 * webhooks to the workers that run the pipeline.
 *
 * ## Rules every implementation follows
 * - **At least once.** A message is delivered again until a handler resolves for it. A worker
 *   that dies mid-message must not lose it.
 * - **In order per key.** Messages with the same `key` are handed out one at a time, in
 *   enqueue order. The next one is delivered only after the previous one was acknowledged.
 *   Different keys run in parallel.
 * - **Deduplication is best effort.** A queue may drop a message whose `id` it saw recently.
 *   The idempotent ledger makes repeated delivery harmless in any case.
 *
 * @module
 */

/** A message as enqueued. `payload` must survive `JSON.stringify`. */
export interface WorkMessageInput {
  /** Stable id of the content; queues may use it to drop duplicates. */
  id: string;
  /** Ordering key: messages with one key are delivered one at a time, in order. */
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

/** A durable (or, for `memoryQueue`, in-process) queue with per-key ordering. */
export interface WorkQueue {
  /** Enqueue messages; resolves once the queue holds all of them (durably, where it can). */
  enqueue(messages: ReadonlyArray<WorkMessageInput>): Promise<void>;
  /** Start handing messages to `handler` until the subscription is stopped. */
  consume(handler: WorkHandler, options?: ConsumeOptions): Promise<WorkSubscription>;
  /** Release connections. Stop subscriptions first. */
  close(): Promise<void>;
}

/**
 * Scale-out: acknowledge webhooks in one process and run the pipeline in many. The intake
 * verifies and enqueues; workers consume, with at-least-once delivery and per-conversation
 * order. The idempotent ledger turns that into effectively-once storage.
 *
 * `memoryQueue()` keeps it all in one process. `natsQueue()` runs on NATS JetStream and needs
 * the optional peer dependencies `@nats-io/transport-node` and `@nats-io/jetstream`, which
 * are loaded on first use.
 *
 * @see docs/guide/scale-out.md
 * @module social-crm/queue
 */
export { createWebhookIntake } from './intake.js';
export type { WebhookIntake, WebhookIntakeOptions } from './intake.js';
export { createWorker } from './worker.js';
export type { Worker, WorkerOptions, WorkerStats } from './worker.js';
export { memoryQueue } from './memory-queue.js';
export type { MemoryQueue, MemoryQueueOptions } from './memory-queue.js';
export { natsQueue } from './nats-queue.js';
export type { NatsQueueOptions } from './nats-queue.js';
export type { WorkItem } from './work-item.js';
export type { ConsumeBatchesOptions, ConsumeOptions, WorkBatchHandler, WorkHandler, WorkMessage, WorkMessageInput, WorkQueue, WorkSubscription } from './work-queue.js';

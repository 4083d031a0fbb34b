import * as z from 'zod';
import type { ChannelEvent, Logger, RejectedItem } from '../adapter.js';
import type { SocialCrm } from '../crm.js';
import { redactSecrets } from '../errors.js';
import { describeError } from '../pipeline/dead-letters.js';
import { errorResponse } from '../pipeline/front-door.js';
import { loggerFrom, parseOptions } from '../_options.js';
import type { LoggerLike } from '../logger.js';
import { orderingKey, toMessage } from './work-item.js';
import type { WorkMessageInput, WorkQueue } from './work-queue.js';

/** Options of {@link createWebhookIntake}. The adapters' clock, `fetch` and HTTP settings are the crm's. */
export interface WebhookIntakeOptions {
  /** Path prefix before the adapter id. @default the crm's `webhookPath` */
  webhookPath?: string;
  /** Largest body accepted when the adapter sets no limit. @default the crm's `maxBodyBytes` (1 MiB) */
  maxBodyBytes?: number;
  /** The SDK's logger shape, or pino, winston or the console as they are. @default warnings and errors to the console */
  logger?: LoggerLike;
}

/** Acknowledges webhooks fast: verifies, enqueues, answers. Workers do the rest. */
export interface WebhookIntake {
  /**
   * Verify the request with its adapter, enqueue what it carries, and answer. Never throws:
   * 404 unknown adapter, 413, 415, 400, 401/403 as `crm.handleWebhook` does, 503 when the queue
   * cannot take the work (the network will redeliver), 200 once the work is queued.
   */
  handle(request: Request, options?: { adapterId?: string }): Promise<Response>;
}

const optionsSchema = z.strictObject({
  webhookPath: z.string().startsWith('/').optional(),
  maxBodyBytes: z.number().int().positive().optional(),
  logger: z.custom<Logger>((value) => typeof value === 'object' && value !== null).optional(),
});

/**
 * The receiving half of a scaled-out deployment. It runs the adapter's verification
 * (`doHandleWebhook`), so that only authentic deliveries reach the queue, and enqueues every
 * event keyed by its conversation. It answers as soon as the queue holds the work; the
 * pipeline (identity, classification, storage) runs in workers ({@link createWorker}).
 *
 * @example
 * const intake = createWebhookIntake(crm, natsQueue({ servers: process.env.NATS_URL! }));
 * app.post('/webhooks/:adapter', (request) => intake.handle(request));
 */
export function createWebhookIntake(crm: SocialCrm, queue: WorkQueue, options: WebhookIntakeOptions = {}): WebhookIntake {
  const settings = parseOptions('createWebhookIntake', optionsSchema, options);
  const logger = loggerFrom(options.logger);

  /** The stored item's conversation, in its tenant; without the database, the item keys itself (the intake must not depend on it). */
  async function conversationOf(id: string, tenant: string | undefined): Promise<string | undefined> {
    try {
      const ledger = tenant === undefined ? crm.ledger : (await crm.tenant(tenant)).ledger;
      return (await ledger.getInteraction(id))?.conversationId;
    } catch {
      return undefined;
    }
  }

  return {
    async handle(request, callOptions = {}) {
      // The crm's own front door: the adapters' HTTP clients use the host's `fetch` and `http` options.
      const verified = await crm.verifyWebhook(request, {
        ...(callOptions.adapterId ? { adapterId: callOptions.adapterId } : {}),
        ...(settings.webhookPath ? { webhookPath: settings.webhookPath } : {}),
        ...(settings.maxBodyBytes ? { maxBodyBytes: settings.maxBodyBytes } : {}),
      });
      if (verified.status === 'answered') return verified.response;
      if (verified.status === 'failed') {
        // Nothing is kept: the network delivers it again. Logged without credentials.
        logger.error(`[social-crm] Webhook rejected at intake: ${describeError(verified.error).message}`, { url: redactSecrets(request.url) });
        return verified.response;
      }
      if (verified.events.length === 0 && verified.rejected.length === 0) return verified.response;
      try {
        await queue.enqueue(await messagesFor(verified.adapterId, verified.events, verified.rejected));
        return verified.response;
      } catch (error) {
        logger.error(`[${verified.adapterId}] The queue did not take a verified webhook; answering 503 so that the network delivers it again.`, {
          error: describeError(error).message,
        });
        return errorResponse(error, 503);
      }
    },
  };

  /** One message per event, keyed by conversation; rejected items go on a key of their own. */
  async function messagesFor(adapterId: string, events: ChannelEvent[], rejected: RejectedItem[]): Promise<WorkMessageInput[]> {
    const keys = await Promise.all(events.map((event) => orderingKey(event, conversationOf)));
    return [
      ...events.map((event, index) => toMessage({ type: 'event', adapterId, source: 'webhook', event }, keys[index]!)),
      ...rejected.map((entry) =>
        toMessage(
          { type: 'rejected', adapterId, item: entry.payload, error: { name: entry.error.name, message: entry.error.message }, ...(entry.tenant === undefined ? {} : { tenant: entry.tenant }) },
          entry.tenant === undefined ? `rejected:${adapterId}` : `tenant:${entry.tenant}/rejected:${adapterId}`,
        ),
      ),
    ];
  }
}

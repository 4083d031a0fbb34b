import { z } from 'zod';
import type { AdapterContext, ChannelAdapter, ChannelEvent, Logger, RejectedItem } from '../adapter.js';
import type { SocialCrm } from '../crm.js';
import {
  InvalidOptionsError,
  UnknownAdapterError,
  UnsupportedCapabilityError,
  formatIssues,
  isSocialCrmError,
  toValidationIssues,
  type InvalidPayloadError,
} from '../errors.js';
import { createHttpClient } from '../http.js';
import { randomId } from '../_utils.js';
import { DEFAULT_MAX_BODY_BYTES, readRawBody, webhookErrorStatus } from '../webhook.js';
import { orderingKey, toMessage } from './work-item.js';
import type { WorkMessageInput, WorkQueue } from './work-queue.js';

/** Options of {@link createWebhookIntake}. */
export interface WebhookIntakeOptions {
  /** Path prefix before the adapter id, as in `createSocialCrm`. @default '/webhooks' */
  webhookPath?: string;
  /** Largest body accepted when the adapter sets no limit. @default 1 MiB */
  maxBodyBytes?: number;
  /** @default warnings and errors to the console */
  logger?: Logger;
  /** The clock adapters verify timestamps against. @default () => new Date() */
  now?: () => Date;
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

const consoleLogger: Logger = {
  debug() {},
  info() {},
  warn: (message, details) => console.warn(message, details ?? ''),
  error: (message, details) => console.error(message, details ?? ''),
};

const optionsSchema = z
  .object({
    webhookPath: z.string().startsWith('/').default('/webhooks'),
    maxBodyBytes: z.number().int().positive().optional(),
    logger: z.custom<Logger>((value) => typeof value === 'object' && value !== null).optional(),
    now: z.custom<() => Date>((value) => typeof value === 'function').optional(),
  })
  .strict();


function errorResponse(error: unknown, status: number): Response {
  const body = isSocialCrmError(error)
    ? { error: { code: error.code, message: error.message } }
    : { error: { code: 'INTERNAL', message: '[social-crm] The webhook could not be queued; deliver it again.' } };
  return Response.json(body, { status });
}

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
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issues = toValidationIssues(parsed.error.issues);
    throw new InvalidOptionsError(`createWebhookIntake() options are invalid:\n${formatIssues(issues)}`, issues);
  }
  const logger = options.logger ?? consoleLogger;
  const now = options.now ?? (() => new Date());
  const webhookPath = parsed.data.webhookPath.replace(/\/+$/, '');
  const contexts = new Map<string, AdapterContext>();

  function contextOf(adapter: ChannelAdapter): AdapterContext {
    let context = contexts.get(adapter.id);
    if (!context) {
      context = {
        http: createHttpClient({ adapter, logger, now, userAgent: `social-crm-intake ${adapter.id}` }),
        logger,
        now,
        generateId: () => randomId('id'),
      };
      contexts.set(adapter.id, context);
    }
    return context;
  }

  function routeAdapterId(request: Request, explicit: string | undefined): string {
    if (explicit) return explicit;
    const path = new URL(request.url).pathname.replace(/\/+$/, '');
    const rest = path.startsWith(`${webhookPath}/`) ? path.slice(webhookPath.length + 1) : (path.split('/').at(-1) ?? '');
    return decodeURIComponent(rest.split('/')[0] ?? '');
  }

  /** The stored item's conversation; without the database, the item keys itself (the intake must not depend on it). */
  async function conversationOf(id: string): Promise<string | undefined> {
    try {
      return (await crm.ledger.getInteraction(id))?.conversationId;
    } catch {
      return undefined;
    }
  }

  return {
    async handle(request, callOptions = {}) {
      let adapter: ChannelAdapter;
      let body: Uint8Array;
      let outcome: Awaited<ReturnType<NonNullable<ChannelAdapter['doHandleWebhook']>>>;
      try {
        const id = routeAdapterId(request, callOptions.adapterId);
        const found = crm.adapters.get(id);
        if (!found) throw new UnknownAdapterError(id, [...crm.adapters.keys()]);
        adapter = found;
        if (!adapter.doHandleWebhook) throw new UnsupportedCapabilityError(adapter.id, 'webhook');
        body = await readRawBody(request, adapter.maxBodyBytes ?? parsed.data.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
        const forwarded = new Request(request.url, {
          method: request.method,
          headers: request.headers,
          ...(request.method === 'GET' || request.method === 'HEAD' ? {} : { body: body as BodyInit }),
        });
        outcome = await adapter.doHandleWebhook(forwarded, contextOf(adapter));
      } catch (error) {
        const status = webhookErrorStatus(error);
        (status >= 500 ? logger.error : logger.warn)(`[social-crm] Webhook rejected at intake: ${(error as Error)?.message ?? String(error)}`, { status, url: request.url });
        return errorResponse(error, status);
      }

      for (const warning of outcome.warnings ?? []) logger.debug(`[${adapter.id}] ${warning.message}`, warning.details);
      const acknowledgement = outcome.response ?? Response.json({ received: outcome.events.length }, { status: 200 });
      if (outcome.events.length === 0 && !outcome.rejected?.length) return acknowledgement;
      try {
        await queue.enqueue(await messagesFor(adapter.id, outcome.events, outcome.rejected ?? []));
        return acknowledgement;
      } catch (error) {
        logger.error(`[${adapter.id}] The queue did not take a verified webhook; answering 503 so that the network delivers it again.`, {
          error: (error as Error)?.message ?? String(error),
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
        toMessage({ type: 'rejected', adapterId, item: entry.payload, error: { name: entry.error.name, message: entry.error.message } }, `rejected:${adapterId}`),
      ),
    ];
  }
}

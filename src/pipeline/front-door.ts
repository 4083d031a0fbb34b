/**
 * The front door: route a webhook request to its adapter, read the body within its limit, and
 * let the adapter verify and parse it. Nothing is stored here. `crm.handleWebhook` and the queue
 * intake both go through it.
 *
 * @internal
 * @module
 */
import type { ChannelAdapter, ChannelEvent, RejectedItem } from '../adapter.js';
import { UnsupportedCapabilityError, isSocialCrmError } from '../errors.js';
import { DEFAULT_MAX_BODY_BYTES, readRawBody, webhookErrorStatus } from '../webhook.js';
import type { PipelineContext } from './context.js';

/** What the front door made of a request: see {@link SocialCrm.verifyWebhook}. */
export type WebhookVerification =
  /** Authentic: what it carries, and the acknowledgement to answer with once it is safe. */
  | { status: 'verified'; adapterId: string; events: ChannelEvent[]; rejected: RejectedItem[]; response: Response; body: Uint8Array }
  /** Refused (unknown adapter, too large, wrong type, malformed, bad signature) or a handshake answered: send `response`. */
  | { status: 'answered'; response: Response }
  /** The adapter failed unexpectedly: `request` and `body` are what to keep for replay. */
  | { status: 'failed'; adapterId: string; error: unknown; request: Request; body: Uint8Array; response: Response };

/** The JSON error body every refusal answers with. */
export function errorResponse(error: unknown, status = webhookErrorStatus(error)): Response {
  const body = isSocialCrmError(error)
    ? { error: { code: error.code, message: error.message } }
    : { error: { code: 'INTERNAL', message: '[social-crm] The webhook could not be processed; deliver it again.' } };
  return Response.json(body, { status });
}

/** The adapter id a request is for: the explicit one, or the path segment after `webhookPath`. */
export function routeAdapterId(request: Request, webhookPath: string, explicit: string | undefined): string {
  if (explicit) return explicit;
  const path = new URL(request.url).pathname.replace(/\/+$/, '');
  const rest = path.startsWith(`${webhookPath}/`) ? path.slice(webhookPath.length + 1) : (path.split('/').at(-1) ?? '');
  return decodeURIComponent(rest.split('/')[0] ?? '');
}

/** Runs a request through the front door; never throws. */
export async function verifyWebhook(
  context: PipelineContext,
  settings: { webhookPath: string; maxBodyBytes: number | undefined },
  request: Request,
  explicitId: string | undefined,
): Promise<WebhookVerification> {
  let adapter: ChannelAdapter;
  let body: Uint8Array;
  try {
    adapter = context.adapter(routeAdapterId(request, settings.webhookPath, explicitId)).adapter;
    if (!adapter.doHandleWebhook) throw new UnsupportedCapabilityError(adapter.id, 'webhook');
    body = await readRawBody(request, adapter.maxBodyBytes ?? settings.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  } catch (error) {
    const status = webhookErrorStatus(error);
    context.warn(undefined, { type: 'other', message: error instanceof Error ? error.message : String(error), details: { status, url: request.url } });
    return { status: 'answered', response: errorResponse(error, status) };
  }
  const forwarded = new Request(request.url, {
    method: request.method,
    headers: request.headers,
    ...(request.method === 'GET' || request.method === 'HEAD' ? {} : { body: body as BodyInit }),
  });
  try {
    const outcome = await adapter.doHandleWebhook(forwarded, context.adapter(adapter.id).context);
    for (const warning of outcome.warnings ?? []) context.warn(adapter.id, warning);
    return {
      status: 'verified',
      adapterId: adapter.id,
      events: outcome.events,
      rejected: outcome.rejected ?? [],
      response: outcome.response ?? Response.json({ received: outcome.events.length }, { status: 200 }),
      body,
    };
  } catch (error) {
    const status = webhookErrorStatus(error);
    if (status < 500) {
      context.warn(adapter.id, { type: 'other', message: error instanceof Error ? error.message : String(error), details: { status } });
      return { status: 'answered', response: errorResponse(error, status) };
    }
    return { status: 'failed', adapterId: adapter.id, error, request, body, response: errorResponse(error, status) };
  }
}

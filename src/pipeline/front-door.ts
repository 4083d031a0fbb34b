/**
 * The front door: route a webhook request to its adapter, read the body within its limit, and
 * let the adapter verify and parse it. Nothing is stored here. `crm.handleWebhook` and the queue
 * intake both go through it.
 *
 * @internal
 * @module
 */
import type { ChannelAdapter, ChannelEvent, RejectedItem } from '../adapter.js';
import { InvalidPayloadError, UnknownAdapterError, UnsupportedCapabilityError, isSocialCrmError, redactSecrets } from '../errors.js';
import { DEFAULT_MAX_BODY_BYTES, MAX_JSON_DEPTH, forwardedRequest, inspectJson, readRawBody, webhookErrorStatus } from '../webhook.js';
import type { PipelineContext } from './context.js';

/** What the front door made of a request: see {@link SocialCrm.verifyWebhook}. */
export type WebhookVerification =
  /** Authentic: what it carries, and the acknowledgement to answer with once it is safe. */
  | { status: 'verified'; adapterId: string; events: ChannelEvent[]; rejected: RejectedItem[]; response: Response; body: Uint8Array }
  /** Refused (unknown adapter, too large, wrong type, malformed, bad signature) or a handshake answered: send `response`. */
  | { status: 'answered'; response: Response }
  /** The adapter failed unexpectedly: `request` and `body` are what to keep for replay. */
  | { status: 'failed'; adapterId: string; error: unknown; request: Request; body: Uint8Array; response: Response };

/**
 * The JSON error body every refusal answers with. It names the code and says what was wrong with
 * the request, never what the server holds: an unknown adapter does not list the registered ones,
 * and an unexpected failure says nothing of its cause.
 */
export function errorResponse(error: unknown, status = webhookErrorStatus(error)): Response {
  const body = !isSocialCrmError(error)
    ? { error: { code: 'INTERNAL', message: '[social-crm] The webhook could not be processed; deliver it again.' } }
    : error.code === 'UNKNOWN_ADAPTER' || error.code === 'UNSUPPORTED_CAPABILITY'
      ? { error: { code: error.code, message: '[social-crm] No webhook is served at this path.' } }
      : { error: { code: error.code, message: redactSecrets(error.message) } };
  return Response.json(body, { status });
}

/**
 * The adapter id a request is for: the explicit one, or the path segment after `webhookPath`.
 * @throws UnknownAdapterError for a segment that is not valid percent-encoding (HTTP 404).
 */
export function routeAdapterId(request: Request, webhookPath: string, explicit: string | undefined): string {
  if (explicit) return explicit;
  const path = new URL(request.url).pathname.replace(/\/+$/, '');
  const rest = path.startsWith(`${webhookPath}/`) ? path.slice(webhookPath.length + 1) : (path.split('/').at(-1) ?? '');
  const segment = rest.split('/')[0] ?? '';
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new UnknownAdapterError(segment, []);
  }
}

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;

/**
 * Checks a body before any adapter code runs: a body that opens with `{` or `[` must nest at most
 * {@link MAX_JSON_DEPTH} levels, and a body sent as JSON must be one object (every network's
 * notification is; a scalar is what a handshake oracle could have signed).
 * @throws InvalidPayloadError (HTTP 400).
 */
export function assertAcceptableBody(request: Request, body: Uint8Array): void {
  if (body.byteLength === 0) return;
  const top = inspectJson(body);
  const mediaType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (JSON_MEDIA_TYPE.test(mediaType) && top !== 'object') {
    throw new InvalidPayloadError(`A webhook body sent as JSON must be one object, not ${top === 'empty' ? 'empty' : `a JSON ${top}`}.`);
  }
}

/** Runs a request through the front door; never throws. */
export async function verifyWebhook(
  context: PipelineContext,
  settings: { webhookPath: string; maxBodyBytes: number | undefined; verifiedBefore?: boolean },
  request: Request,
  explicitId: string | undefined,
): Promise<WebhookVerification> {
  let adapter: ChannelAdapter;
  let body: Uint8Array;
  try {
    adapter = context.adapter(routeAdapterId(request, settings.webhookPath, explicitId)).adapter;
    if (!adapter.doHandleWebhook) throw new UnsupportedCapabilityError(adapter.id, 'webhook');
    body = await readRawBody(request, adapter.maxBodyBytes ?? settings.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    assertAcceptableBody(request, body);
  } catch (error) {
    const status = webhookErrorStatus(error);
    logRefusal(context, undefined, error, status, request);
    return { status: 'answered', response: errorResponse(error, status) };
  }
  const forwarded = forwardedRequest(request, body);
  try {
    const adapterContext = context.adapter(adapter.id).context;
    const outcome = await adapter.doHandleWebhook(forwarded, settings.verifiedBefore ? { ...adapterContext, verifiedBefore: true } : adapterContext);
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
      logRefusal(context, adapter.id, error, status, request);
      return { status: 'answered', response: errorResponse(error, status) };
    }
    return { status: 'failed', adapterId: adapter.id, error, request, body, response: errorResponse(error, status) };
  }
}

/**
 * A refused request is logged (info), never announced: anyone can send one, so it must not reach
 * `crm.on` listeners, alerts or storage. The log line carries no credentials.
 */
function logRefusal(context: PipelineContext, adapterId: string | undefined, error: unknown, status: number, request: Request): void {
  const code = isSocialCrmError(error) ? error.code : 'INTERNAL';
  context.logger.info(`[${adapterId ?? 'social-crm'}] Webhook refused with ${status}: ${redactSecrets(error instanceof Error ? error.message : String(error))}`, {
    status,
    code,
    method: request.method,
    url: redactSecrets(request.url),
  });
}

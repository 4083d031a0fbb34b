import * as z from 'zod';
import { InvalidOptionsError, ReplyNotAllowedError } from 'social-crm';
import { parseChannelOptions, type AdapterContext, type OutboundMessage, type SendResult } from 'social-crm/adapter-kit';
import { createGraphApi } from '../_shared/meta/index.js';
import { isBusinessScopedUserId } from './normalize.js';
import { postMessage, type SendReplySettings } from './send-reply.js';

/** Per-message options under `channelOptions.whatsapp` of a business-initiated message. */
export const whatsappMessageOptionsSchema = z.object({
  /**
   * The approved template to send. `parameters` fill the body's `{{1}}`, `{{2}}` … in order;
   * `parameterCount` (the number of variables the approved body has) makes a short list an error
   * before anything is sent. `components` are passed as they are, for headers and buttons.
   */
  template: z
    .object({
      name: z.string().min(1),
      language: z.union([z.string().min(2), z.looseObject({ code: z.string().min(2), policy: z.string().optional() })]),
      parameters: z.array(z.string()).optional(),
      parameterCount: z.number().int().min(0).optional(),
      components: z.array(z.record(z.string(), z.unknown())).optional(),
    })
    .optional(),
  /** Let WhatsApp render a preview of the first URL of a free-text message. @default false */
  previewUrl: z.boolean().optional(),
  /** The number to send from, for an adapter that serves several (`accounts`). @default the number the customer last wrote to */
  phoneNumberId: z.string().regex(/^\d+$/).optional(),
});
export type WhatsappMessageOptions = z.input<typeof whatsappMessageOptionsSchema>;
type Template = NonNullable<z.output<typeof whatsappMessageOptionsSchema>['template']>;

const DAY_MS = 24 * 3_600_000;
/** WhatsApp's limit on `biz_opaque_callback_data`. */
const MAX_CALLBACK_DATA = 512;

/**
 * The template's wire shape: `{ name, language: { code }, components }` with the body's text
 * parameters. A blank parameter, or fewer than `parameterCount`, throws before any network call.
 */
export function templatePayload(adapterId: string, template: Template): Record<string, unknown> {
  const parameters = template.parameters ?? [];
  const issues = parameters.flatMap((value, index) => (value.trim() ? [] : [{ path: `channelOptions.${adapterId}.template.parameters.${index}`, message: `Parameter {{${index + 1}}} is empty.` }]));
  if (template.parameterCount !== undefined && parameters.length < template.parameterCount) {
    issues.push({ path: `channelOptions.${adapterId}.template.parameters`, message: `The template \`${template.name}\` has ${template.parameterCount} body parameters; ${parameters.length} were given.` });
  }
  if (issues.length) {
    throw new InvalidOptionsError(`[${adapterId}] The template \`${template.name}\` is missing parameters:\n${issues.map((issue) => `- ${issue.path}: ${issue.message}`).join('\n')}`, issues);
  }
  const language = typeof template.language === 'string' ? { code: template.language } : template.language;
  const others = (template.components ?? []).filter((component) => !(parameters.length && component.type === 'body'));
  const components = [...(parameters.length ? [{ type: 'body', parameters: parameters.map((text) => ({ type: 'text', text })) }] : []), ...others];
  return { name: template.name, language, ...(components.length ? { components } : {}) };
}

/**
 * Starts a conversation with `POST /{phone-number-id}/messages`: an approved template at any time,
 * free text only inside the 24-hour customer-service window (else `ReplyNotAllowedError` before any
 * call). The idempotency key rides along as `biz_opaque_callback_data`, so statuses name it.
 */
export async function sendWhatsappMessage(message: OutboundMessage, context: AdapterContext, settings: SendReplySettings): Promise<SendResult> {
  const options = parseChannelOptions(settings.adapterId, whatsappMessageOptionsSchema, message.channelOptions);
  let content: Record<string, unknown>;
  if (options.template) {
    content = { type: 'template', template: templatePayload(settings.adapterId, options.template) };
  } else {
    const last = message.lastInboundAt ? Date.parse(message.lastInboundAt) : Number.NaN;
    if (!(context.now().getTime() - last <= DAY_MS)) {
      throw new ReplyNotAllowedError(
        'messaging-window-closed',
        `[${settings.adapterId}] ${message.recipient.nativeId} has not written in the last 24 hours: outside the customer-service window WhatsApp only delivers approved templates. Pass \`channelOptions.${settings.adapterId}.template\`.`,
      );
    }
    if (!message.text.trim()) throw new InvalidOptionsError(`[${settings.adapterId}] A WhatsApp message needs text or a template.`);
    content = { type: 'text', text: { body: message.text, preview_url: options.previewUrl ?? false } };
  }
  const id = message.recipient.nativeId;
  const body = {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    ...(isBusinessScopedUserId(id) ? { recipient: id } : { to: id }),
    ...content,
    ...(message.idempotencyKey.length <= MAX_CALLBACK_DATA ? { biz_opaque_callback_data: message.idempotencyKey } : {}),
  };
  return postMessage(createGraphApi(context, settings), context, settings, body, options.template?.name);
}

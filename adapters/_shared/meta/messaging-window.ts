import { ReplyNotAllowedError, type OutboundReply } from 'social-crm';

/**
 * Refuses a free-form message outside the customer-service window (Messenger, Instagram and
 * WhatsApp all allow one for `hours` after the customer's last message), before any network call.
 * The window starts at `reply.lastInboundAt`, or at the answered message when it is inbound.
 * @param hint What the caller can do instead (a template, a message tag), appended to the message.
 * @throws ReplyNotAllowedError `messaging-window-closed`
 */
export function assertMessagingWindow(
  reply: Pick<OutboundReply, 'channel' | 'lastInboundAt' | 'inReplyTo'>,
  now: Date,
  hours = 24,
  hint = '',
): void {
  const lastInbound = reply.lastInboundAt ?? (reply.inReplyTo.direction === 'inbound' ? reply.inReplyTo.createdAt : undefined);
  const at = lastInbound === undefined ? Number.NaN : Date.parse(lastInbound);
  if (Number.isFinite(at) && now.getTime() - at <= hours * 3_600_000) return;
  const since = Number.isFinite(at) ? `the customer last wrote at ${new Date(at).toISOString()}, more than ${hours} hours ago` : 'the customer has not written in this conversation';
  throw new ReplyNotAllowedError(
    'messaging-window-closed',
    `[${reply.channel}] The ${hours}-hour customer-service window is closed: ${since}.${hint ? ` ${hint}` : ''}`,
  );
}

import type { Transport } from './transports.js';

/**
 * A stand-in for the networks' APIs, so the demo's agents and surveys can answer through
 * `crm.reply()` (the real outbound path: consent, windows, adapters, request bodies) and the polling
 * adapters can read, with no keys and no network. Each endpoint answers as its platform documents
 * a success; anything else is a 404, so a wrong URL shows up in the report as a failed reply.
 * Meta's and X's send endpoints are served here; the other networks' by their transports
 * (`Transport.serve`), at the replay clock `now`. Pass it as `createSocialCrm({ fetch })`.
 */
export interface DemoNetwork {
  fetch: typeof fetch;
  /** Every write the demo sent (POST, PUT …), in order: method, URL and JSON body. */
  readonly sent: Array<{ method: string; url: string; body: unknown }>;
  /** Every read (GET) the polling adapters made, in order. */
  readonly reads: Array<{ url: string; status: number }>;
}

export function demoNetwork(transports: Iterable<Transport> = [], now: () => Date = () => new Date()): DemoNetwork {
  const sent: DemoNetwork['sent'] = [];
  const reads: DemoNetwork['reads'] = [];
  const served = [...transports].filter((transport) => transport.serve);
  let counter = 0;
  const nextId = () => String(++counter).padStart(6, '0');
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  async function handle(request: Request): Promise<Response> {
    if (request.method === 'GET') {
      const response = await serve(request);
      reads.push({ url: request.url, status: response.status });
      return response;
    }
    const body: unknown = await request.clone().json().catch(() => undefined);
    sent.push({ method: request.method, url: request.url, body });
    return serve(request, body);
  }

  async function serve(request: Request, body?: unknown): Promise<Response> {
    for (const transport of served) {
      const response = await transport.serve!(request, now());
      if (response) return response;
    }
    const url = new URL(request.url);
    const path = url.pathname;
    const fields = (body ?? {}) as { to?: string; recipient?: { id?: string; comment_id?: string }; text?: string };
    if (url.hostname === 'graph.facebook.com' && request.method === 'POST') {
      // WhatsApp Cloud API: POST /{phone-number-id}/messages with messaging_product.
      if (path.endsWith('/messages') && (body as { messaging_product?: string })?.messaging_product === 'whatsapp') {
        return json({ messaging_product: 'whatsapp', contacts: [{ input: fields.to, wa_id: fields.to }], messages: [{ id: `wamid.DEMO${nextId()}` }] });
      }
      // Messenger / Instagram Send API: POST /{page-id}/messages.
      if (path.endsWith('/messages')) return json({ recipient_id: fields.recipient?.id ?? fields.recipient?.comment_id ?? '', message_id: `m_DEMO${nextId()}` });
      // Comment replies: POST /{comment-id}/comments (Facebook), /{ig-comment-id}/replies (Instagram).
      if (path.endsWith('/comments') || path.endsWith('/replies')) return json({ id: `${path.split('/').at(-2)}_DEMO${nextId()}` });
    }
    if (url.hostname === 'api.x.com' && request.method === 'POST') {
      if (path === '/2/tweets') return json({ data: { id: `17${nextId().padStart(17, '0')}`, text: fields.text ?? '', edit_history_tweet_ids: [] } }, 201);
      const dm = /^\/2\/dm_conversations\/with\/([^/]+)\/messages$/.exec(path);
      if (dm) return json({ data: { dm_conversation_id: `demo-${dm[1]}`, dm_event_id: `18${nextId().padStart(17, '0')}` } }, 201);
    }
    return json({ error: { message: `The demo network does not serve ${request.method} ${path}.` } }, 404);
  }

  return {
    sent,
    reads,
    fetch: (input, init) => handle(input instanceof Request && init === undefined ? input : new Request(input, init)),
  };
}

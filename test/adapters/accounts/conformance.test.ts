import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { HttpResponse } from 'msw';
import { afterAll, beforeAll, expect } from 'vitest';
import { createChannelTestServer, describeChannelAdapter } from 'social-crm/testing';
import { whatsappAdapter, type WhatsappAccountsOptions } from 'social-crm/adapters/whatsapp';

// The conformance kit on an adapter that resolves its accounts: the same fixtures and endpoints
// as test/adapters/whatsapp, with the number's token coming from the resolver (no tenant: the kit's
// crm serves the default tenant only).
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../whatsapp/fixtures/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
const APP_SECRET = 'whatsapp-app-secret-accounts';
const VERIFY_TOKEN = 'crm-verify-token-accounts';
const PHONE_NUMBER_ID = '106540352242922';
const GRAPH_MESSAGES = `https://graph.facebook.com/v23.0/${PHONE_NUMBER_ID}/messages`;
const WEBHOOK_URL = 'https://crm.example.test/webhooks/whatsapp';
const sign = (body: string) => ({ 'x-hub-signature-256': `sha256=${createHmac('sha256', APP_SECRET).update(body, 'utf8').digest('hex')}` });

const options: WhatsappAccountsOptions = {
  appSecret: APP_SECRET,
  verifyToken: VERIFY_TOKEN,
  accounts: { resolve: (phoneNumberId) => (phoneNumberId === PHONE_NUMBER_ID ? { credentials: { accessToken: 'EAAJ-resolved-token' } } : null) },
};

function recentText(id: string, body: string): Record<string, unknown> {
  const envelope = fixture('text-tr-reply') as { entry: Array<{ changes: Array<{ value: { messages: Array<Record<string, unknown>> } }> }> };
  const message = envelope.entry[0]!.changes[0]!.value.messages[0]!;
  Object.assign(message, { id, timestamp: String(Math.floor(Date.now() / 1000) - 60), text: { body } });
  delete message.context;
  return envelope;
}

const server = createChannelTestServer();
beforeAll(() => server.listen());
afterAll(() => server.close());

describeChannelAdapter('WhatsApp Cloud API with accounts', {
  factory: whatsappAdapter,
  options,
  invalidOptions: [{ ...options, accounts: { resolve: 'table' } }, { ...options, accounts: { resolve: () => null, ttl: 5 } }, { ...options, appSecret: '' }],
  server,
  webhook: {
    sign: (body) => sign(body),
    handshake: {
      request: () => new Request(`${WEBHOOK_URL}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${VERIFY_TOKEN}`),
      expectStatus: 200,
      expectBody: /^1158201444$/,
      invalid: () => new Request(`${WEBHOOK_URL}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guessed`),
    },
    fixtures: [
      { name: 'an English text', body: fixture('text-en'), interactions: 1, kinds: ['direct_message'] },
      { name: 'a batch of two entries, several changes and messages', body: fixture('batch'), interactions: 6, kinds: ['direct_message', 'reaction'] },
      { name: 'image, video, audio, document and sticker', body: fixture('media'), interactions: 5, kinds: ['direct_message'] },
    ],
    unknownEvent: fixture('template-status-update'),
    malformedStatus: 200,
  },
  reply: {
    target: { body: recentText('wamid.RECENT_ACCOUNTS', 'Kargom nerede?') },
    targetId: 'whatsapp:wamid.RECENT_ACCOUNTS',
    routes: (mocked) => mocked.route('post', GRAPH_MESSAGES, () => fixture('send-response')),
    expectRequest(call) {
      expect(call.url).toBe(GRAPH_MESSAGES);
      expect(call.headers.authorization).toBe('Bearer EAAJ-resolved-token');
    },
    rateLimited(mocked, seconds) {
      mocked.route('post', GRAPH_MESSAGES, ({ index }) =>
        index === 0 ? HttpResponse.json(fixture('error-130429'), { status: 429, headers: { 'retry-after': String(seconds) } }) : HttpResponse.json(fixture('send-response')),
      );
    },
    error: {
      routes: (mocked) => mocked.route('post', GRAPH_MESSAGES, () => HttpResponse.json(fixture('error-190'), { status: 401 })),
      platformCode: 190,
      status: 401,
    },
  },
  attachments: {
    target: { body: fixture('media') },
    targetId: 'whatsapp:wamid.MEDIA01',
    routes(mocked, bytes) {
      const answer = fixture('media-url');
      mocked.route('get', 'https://graph.facebook.com/v23.0/2754859441498128', ({ call }) => {
        expect(call.headers.authorization).toBe('Bearer EAAJ-resolved-token');
        return { ...answer, sha256: createHash('sha256').update(bytes).digest('hex'), file_size: String(bytes.length) };
      });
      mocked.route('get', 'https://lookaside.fbsbx.com/whatsapp_business/attachments/', () => new Response(new Uint8Array(bytes), { headers: { 'content-type': 'image/jpeg' } }));
    },
  },
});

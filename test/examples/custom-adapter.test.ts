import { createHmac } from 'node:crypto';
import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSocialCrm, isSocialCrmError, memoryLedger } from 'social-crm';
import { createChannelTestServer, describeChannelAdapter } from 'social-crm/testing';
import {
  complaintSiteAdapter,
  COMPLAINT_SIGNATURE_HEADER,
  COMPLAINT_TIMESTAMP_HEADER,
  type ComplaintSiteAdapterOptions,
} from '../../examples/custom-adapter/index.js';

const SECRET = 'complaints-signing-secret-0123456789';
const API = 'https://api.complaints.example';
const options: ComplaintSiteAdapterOptions = { secret: SECRET, apiToken: 'brand-api-token' };

function sign(body: string, at = Math.floor(Date.now() / 1000)): Record<string, string> {
  return {
    [COMPLAINT_TIMESTAMP_HEADER]: String(at),
    [COMPLAINT_SIGNATURE_HEADER]: createHmac('sha256', SECRET).update(`${at}.${body}`).digest('hex'),
  };
}

const ayse = { id: 'u-1001', username: 'ayse.y', display_name: 'Ayşe Yılmaz', city: 'İzmir', avatar_url: 'https://complaints.example/a/u-1001.png' };
const tom = { id: 'u-2002', username: 'tom_b', display_name: 'Tom Baker' };

function complaint(id: string, title: string, body: string, type = 'complaint.created', extra: Record<string, unknown> = {}) {
  return {
    type,
    occurred_at: '2026-11-20T10:00:05Z',
    data: { id, title, body, category: 'kargo', url: `https://complaints.example/c/${id}`, language: 'tr', author: ayse, created_at: '2026-11-20T10:00:00Z', unknown_field: [1, 2], ...extra },
  };
}

function reply(id: string, complaintId: string, body: string, extra: Record<string, unknown> = {}) {
  return { type: 'reply.created', occurred_at: '2026-11-20T10:05:05Z', data: { id, complaint_id: complaintId, body, author: tom, created_at: '2026-11-20T10:05:00Z', ...extra } };
}

const delivery = (...events: unknown[]) => ({ delivery_id: `d-${events.length}-${JSON.stringify(events).length}`, events });

const server = createChannelTestServer();
beforeAll(() => server.listen());
afterEach(() => server.reset());
afterAll(() => server.close());

describeChannelAdapter('examples/custom-adapter complaint site', {
  factory: complaintSiteAdapter,
  options,
  invalidOptions: [{}, { ...options, secret: 'short' }, { secret: SECRET }, { ...options, apiBaseUrl: 'not a url' }],
  server,
  webhook: {
    sign: (body) => sign(body),
    stale: (body) => sign(body, Math.floor(Date.now() / 1000) - 3600),
    fixtures: [
      {
        name: 'a Turkish complaint with an English reply',
        body: delivery(
          complaint('c-1', 'Kargom 10 gündür gelmedi 😡', 'Sipariş 4411, hâlâ "dağıtımda" görünüyor.'),
          reply('r-1', 'c-1', 'Same for me, order 7781 is stuck too.'),
        ),
        interactions: 2,
        kinds: ['post', 'comment'],
        expect: [
          { id: 'complaint-site:c-1', createdAt: '2026-11-20T10:00:00.000Z', visibility: 'public', direction: 'inbound', brand: false, authorId: 'u-1001', kind: 'post' },
          { id: 'complaint-site:r-1', createdAt: '2026-11-20T10:05:00.000Z', visibility: 'public', brand: false, authorId: 'u-2002', kind: 'comment' },
        ],
      },
    ],
    unknownEvent: delivery({ type: 'complaint.upvoted', occurred_at: '2026-11-20T10:00:00Z', data: { id: 'c-1', votes: 12 } }),
    malformedStatus: 400,
    edit: {
      original: delivery(complaint('c-2', 'Ürün bozuk', 'Kutudan bozuk çıktı.')),
      edited: delivery(complaint('c-2', 'Ürün bozuk', 'Kutudan bozuk çıktı, değişim istiyorum.', 'complaint.updated', { updated_at: '2026-11-20T11:00:00Z' })),
      id: 'complaint-site:c-2',
      text: 'Ürün bozuk\n\nKutudan bozuk çıktı, değişim istiyorum.',
    },
    deletion: {
      original: delivery(complaint('c-3', 'Telefonum', 'Numaram 0555 111 22 33, arayın.')),
      deletion: delivery({ type: 'complaint.deleted', occurred_at: '2026-11-20T12:00:00Z', data: { id: 'c-3' } }),
      id: 'complaint-site:c-3',
    },
  },
  reply: {
    target: { body: delivery(complaint('c-4', 'İade yapılmadı', 'İki haftadır paramı bekliyorum.')) },
    targetId: 'complaint-site:c-4',
    routes(mocked) {
      mocked.route('post', `${API}/v1/complaints/:complaintId/replies`, () => HttpResponse.json({ id: 'r-900', created_at: '2026-11-20T10:30:00Z', url: 'https://complaints.example/c/c-4#r-900' }, { status: 201 }));
    },
    expectRequest(call) {
      expect(call.url).toBe(`${API}/v1/complaints/c-4/replies`);
      expect(call.headers.authorization).toBe('Bearer brand-api-token');
      expect(call.headers['idempotency-key']).toBeTruthy();
      expect(call.bodyJson).toEqual({ body: 'Thank you, we are on it.' });
    },
    error: {
      routes(mocked) {
        mocked.route('post', `${API}/v1/complaints/:complaintId/replies`, () => HttpResponse.json({ error: { code: 'complaint_closed', message: 'This complaint is closed for replies.' } }, { status: 403 }));
      },
      platformCode: 'complaint_closed',
      status: 403,
    },
    rateLimited(mocked, seconds) {
      mocked.route('post', `${API}/v1/complaints/:complaintId/replies`, ({ index }) =>
        index === 0
          ? HttpResponse.json({ error: { code: 'rate_limited', message: 'Slow down' } }, { status: 429, headers: { 'retry-after': String(seconds), 'ratelimit-remaining': '0', 'ratelimit-reset': String(seconds) } })
          : HttpResponse.json({ id: 'r-901', created_at: '2026-11-20T10:31:00Z' }, { status: 201 }),
      );
    },
  },
});

describe('examples/custom-adapter beyond the kit', () => {
  function setup() {
    const ledger = memoryLedger();
    const crm = createSocialCrm({ ledger, adapters: [complaintSiteAdapter(options)], classifier: false, logger: { debug() {}, info() {}, warn() {}, error() {} } });
    const deliver = (body: unknown) => {
      const text = JSON.stringify(body);
      return crm.handleWebhook(new Request('https://crm.example.test/webhooks/complaint-site', { method: 'POST', headers: { 'content-type': 'application/json', ...sign(text) }, body: text }));
    };
    return { ledger, crm, deliver };
  }

  it('nests a reply to a reply under parent_id in the complaint thread', async () => {
    const { crm, deliver, ledger } = setup();
    await deliver(delivery(complaint('c-5', 'Fatura hatalı', 'İki kez ücret alındı.'), reply('r-5', 'c-5', 'Happened to me as well.')));
    const stored = await ledger.getInteraction('complaint-site:r-5');
    expect(stored).toMatchObject({ kind: 'comment', parentId: 'c-5', conversationId: 'complaint-site:c-5', direction: 'peer' });
    server.route('post', `${API}/v1/complaints/:complaintId/replies`, () => HttpResponse.json({ id: 'r-950', created_at: '2026-11-20T10:40:00Z' }, { status: 201 }));
    const sent = await crm.reply(stored!.id, 'We have refunded both of you.');
    expect(server.calls[0]?.params.complaintId).toBe('c-5');
    expect(server.calls[0]?.bodyJson).toEqual({ body: 'We have refunded both of you.', parent_id: 'r-5' });
    expect(sent).toMatchObject({ nativeId: 'r-950', conversationId: 'complaint-site:c-5', direction: 'outbound' });
  });

  it('decodes the site error body into a typed, non-retryable error', async () => {
    const { crm, deliver } = setup();
    await deliver(delivery(complaint('c-6', 'Kapalı şikayet', 'Çözüldü.')));
    server.route('post', `${API}/v1/complaints/:complaintId/replies`, () => HttpResponse.json({ error: { code: 'complaint_closed', message: 'The complaint is closed.' } }, { status: 409 }));
    const thrown = await crm.reply('complaint-site:c-6', 'Hello').then(() => undefined, (error: unknown) => error);
    expect(isSocialCrmError(thrown, 'CHANNEL_API_ERROR')).toBe(true);
    expect(thrown).toMatchObject({ status: 409, platformCode: 'complaint_closed', isRetryable: false });
  });
});

import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ChannelAdapter } from 'social-crm/adapter-kit';
import { canonicalWebhookAdapter } from 'social-crm/adapters/canonical';
import { X_SIGNATURE_HEADER } from 'social-crm/adapters/x';
import { ADAPTER_IDS, BASE_URL, CREDENTIALS, builtInAdapters, createHostileRig, signatureHeaders, signedRequest, type Entry } from './harness.js';
import { authenticDelivery, canonicalPost, messengerWatermark, nested, xMention } from './payloads.js';

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** What an attacker gets from X's CRC endpoint, if it answers: the webhook signature of `token`. */
const oracleSignature = (token: string) => `sha256=${createHmac('sha256', CREDENTIALS.x.consumerSecret).update(token).digest('base64')}`;

describe.each<Entry>(['handleWebhook', 'queue-intake'])('the front door through %s', (entry) => {
  async function expectNothingKept(rig: ReturnType<typeof createHostileRig>) {
    expect(await rig.deadLetters()).toBe(0);
    expect((await rig.ledger.queryInteractions({ includeDeleted: true })).items).toHaveLength(0);
    expect(rig.events.map((event) => event.name)).toEqual([]);
    expect(rig.enqueued).toHaveLength(0);
  }

  describe('X challenge-response check', () => {
    it('answers only one GET crc_token shaped like X’s, with the documented response_token', async () => {
      const rig = createHostileRig({ entry });
      const token = 'ZjA0YjM2NDctMmUxNS00YzM2LWE0YTQtOWQ0ZWJhZDM3ZmJj';
      const answer = await rig.send(new Request(`${BASE_URL}/x?crc_token=${token}&nonce=1a2b3c`));
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual({ response_token: oracleSignature(token) });
      for (const scalar of ['12345', 'true', 'false', 'null', '-1.5e3', '0']) {
        expect((await rig.send(new Request(`${BASE_URL}/x?crc_token=${scalar}`))).status, scalar).toBe(403);
      }
      expect((await rig.send(new Request(`${BASE_URL}/x?crc_token=${encodeURIComponent('{"a":1}')}`))).status).toBe(403);
      expect((await rig.send(new Request(`${BASE_URL}/x?crc_token=abcdefgh&crc_token=ijklmnop`))).status).toBe(400);
      expect((await rig.send(new Request(`${BASE_URL}/x`))).status).toBe(400);
      // Not on another method: a HEAD or PUT with a token is not the challenge.
      expect((await rig.send(new Request(`${BASE_URL}/x?crc_token=${token}`, { method: 'HEAD' }))).status).toBe(405);
      expect((await rig.send(new Request(`${BASE_URL}/x?crc_token=${token}`, { method: 'PUT', body: token }))).status).toBe(405);
      await expectNothingKept(rig);
    });

    it('refuses a POST whose body is a token the oracle could have signed: 400, nothing stored, announced or enqueued', async () => {
      const rig = createHostileRig({ entry });
      for (const body of ['12345', 'true', 'null', 'false', '"text"', '[]', '[{"a":1}]', 'ZjA0YjM2NDctMmUxNS00YzM2', '']) {
        for (const contentType of ['application/json', 'text/plain']) {
          const response = await rig.send(
            new Request(`${BASE_URL}/x`, { method: 'POST', headers: { 'content-type': contentType, [X_SIGNATURE_HEADER]: oracleSignature(body) }, body }),
          );
          expect(response.status, `${contentType} ${body}`).toBe(400);
          expect(await response.json()).toMatchObject({ error: { code: 'INVALID_PAYLOAD' } });
        }
      }
      await expectNothingKept(rig);
    });
  });

  it('refuses a body sent as JSON that is not one object, for every adapter, before the adapter runs', async () => {
    const rig = createHostileRig({ entry });
    for (const adapterId of ADAPTER_IDS) {
      for (const body of ['42', 'null', '"x"', '[1,2]', 'not json at all']) {
        const response = await rig.send(signedRequest(adapterId, body));
        expect(response.status, `${adapterId} ${body}`).toBe(400);
      }
    }
    await expectNothingKept(rig);
  });

  it('answers a malformed path with 404, not 500, and keeps nothing', async () => {
    const rig = createHostileRig({ entry });
    const body = JSON.stringify(authenticDelivery('whatsapp', nowSeconds()));
    for (const path of ['/%E0%A4%A', '/%', '/whats%ZZapp', '/%C0%AF']) {
      const response = await rig.send(signedRequest('whatsapp', body, {}, path));
      expect(response.status, path).toBe(404);
      const text = await response.text();
      expect(text).not.toMatch(/kept|replay/i);
    }
    await expectNothingKept(rig);
  });

  it('does not tell an unknown path which adapters are registered', async () => {
    const rig = createHostileRig({ entry });
    const response = await rig.send(signedRequest('whatsapp', '{}', {}, '/telegram'));
    expect(response.status).toBe(404);
    const text = await response.text();
    for (const adapterId of ADAPTER_IDS) expect(text).not.toContain(adapterId);
    expect(JSON.parse(text)).toEqual({ error: { code: 'UNKNOWN_ADAPTER', message: '[social-crm] No webhook is served at this path.' } });
  });

  describe('bounded input', () => {
    it.each([
      ['arrays', 'array' as const, 100_000],
      ['objects', 'object' as const, 50_000],
      ['arrays, just past the limit', 'array' as const, 65],
    ])('refuses signed bodies nested %s deep (%#) with a typed 400 for every adapter', async (_label, kind, depth) => {
      const rig = createHostileRig({ entry });
      const inner = nested(kind, depth);
      for (const adapterId of ADAPTER_IDS) {
        for (const body of [inner, `{"entry":${inner}}`]) {
          const response = await rig.send(signedRequest(adapterId, body));
          expect(response.status, adapterId).toBe(400);
          expect(await response.json()).toMatchObject({ error: { code: 'INVALID_PAYLOAD' } });
        }
      }
      await expectNothingKept(rig);
    });

    it('refuses an X delivery with a 3,000-deep array, and the dead letters stay listable and replayable', async () => {
      const rig = createHostileRig({ entry });
      const body = `{"for_user_id":"1234567890","tweet_create_events":${nested('array', 3_000)}}`;
      expect((await rig.send(signedRequest('x', body))).status).toBe(400);
      expect((await rig.ledger.listDeadLetters()).items).toEqual([]);
      expect(await rig.crm.retryDeadLetters()).toMatchObject({ retried: 0, failed: 0 });
    });

    it('keeps a host-supplied event nested 5,000 deep as a readable dead letter that is not replayed as if whole', async () => {
      const rig = createHostileRig();
      let deep: unknown = 'bottom';
      for (let level = 0; level < 5_000; level++) deep = [deep];
      const summary = await rig.crm.ingest({ channel: 'canonical', nativeId: 'deep1', kind: 'comment', author: { channel: 'canonical', nativeId: 'ayse' }, text: 'Deep', createdAt: new Date().toISOString(), channelMetadata: { canonical: { deep } } } as never);
      expect(summary).toMatchObject({ stored: 0, deadLettered: 1 });
      const [letter] = (await rig.ledger.listDeadLetters()).items;
      expect(letter?.payload).toMatchObject({ type: 'rejected' });
      expect(letter?.error.message).toMatch(/deeper parts were dropped/);
      expect(JSON.stringify(letter).length).toBeLessThan(5_000);
      expect(await rig.crm.retryDeadLetters()).toMatchObject({ retried: 0, skipped: 1 });
      expect(await rig.ledger.getInteraction('canonical:deep1')).toBeNull();
    });

    it('accepts a delivery nested as deep as real ones are', async () => {
      const rig = createHostileRig({ entry });
      const delivery = xMention(nowSeconds());
      (delivery.tweet_create_events as Array<Record<string, unknown>>)[0]!.extended = JSON.parse(nested('object', 40));
      expect((await rig.send(signedRequest('x', JSON.stringify(delivery)))).status).toBe(200);
    });
  });

  describe('numeric times out of range', () => {
    it.each([9007199254740992, 1e300, -1, 86_400_000 * 365 * 200])('skips a Messenger watermark of %d with a warning: 200, no dead letter, nothing to replay', async (watermark) => {
      const rig = createHostileRig({ entry });
      for (const kind of ['read', 'delivery'] as const) {
        const response = await rig.send(signedRequest('messenger', JSON.stringify(messengerWatermark(kind, watermark, nowSeconds()))));
        expect(response.status).toBe(200);
      }
      expect(await rig.deadLetters()).toBe(0);
      expect(rig.events.filter((event) => event.name === 'dead-lettered')).toEqual([]);
      if (entry === 'handleWebhook') {
        expect(rig.events.filter((event) => event.name === 'warning').map((event) => (event.payload as { warning: { type: string } }).warning.type)).toEqual(['malformed', 'malformed']);
      }
      expect(await rig.crm.retryDeadLetters()).toMatchObject({ retried: 0 });
    });

    it('stores the receiving time, not a time before 2006 or years ahead, for messages dated so', async () => {
      const received = new Date();
      const rig = createHostileRig({ entry: 'handleWebhook', now: () => received });
      for (const [index, at] of [0, 946_684_800, 4_102_444_800 + 86_400].entries()) {
        const body = JSON.stringify(authenticDelivery('whatsapp', at)).replace(`wamid.${at}`, `wamid.range${index}`);
        expect((await rig.send(signedRequest('whatsapp', body))).status).toBe(200);
      }
      const stored = (await rig.ledger.queryInteractions({ channel: 'whatsapp' })).items;
      expect(stored).toHaveLength(3);
      for (const row of stored) expect(row.createdAt).toBe(received.toISOString());
    });
  });

  it('dead-letters a canonical item dated before 2006 or days ahead instead of storing it', async () => {
    const rig = createHostileRig({ entry: 'handleWebhook' });
    for (const [index, at] of [631_152_000, nowSeconds() + 3 * 86_400].entries()) {
      expect((await rig.send(signedRequest('canonical', JSON.stringify(canonicalPost(at, `dated${index}`))))).status).toBe(200);
    }
    expect((await rig.ledger.queryInteractions({ channel: 'canonical' })).items).toEqual([]);
    const letters = (await rig.ledger.listDeadLetters()).items;
    expect(letters.map((letter) => letter.error.message)).toEqual([expect.stringMatching(/^createdAt: .*before 2006/), expect.stringMatching(/^createdAt: .*before 2006/)]);
  });

  it('still refuses forged requests, and still stores an authentic delivery once however often it is redelivered', async () => {
    const rig = createHostileRig({ entry });
    for (const adapterId of ADAPTER_IDS) {
      const body = JSON.stringify(authenticDelivery(adapterId, nowSeconds()));
      const wrongKey: Record<string, string> = adapterId === 'x' ? { [X_SIGNATURE_HEADER]: 'sha256=AAAA' } : adapterId === 'canonical' ? { 'x-social-crm-signature': '00' } : { 'x-hub-signature-256': 'sha256=00' };
      expect((await rig.send(signedRequest(adapterId, body, wrongKey))).status, adapterId).toBe(401);
      const unsigned = new Request(`${BASE_URL}/${adapterId}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect((await rig.send(unsigned)).status, adapterId).toBe(401);
    }
    await expectNothingKept(rig);
    for (const adapterId of ADAPTER_IDS) {
      const body = JSON.stringify(authenticDelivery(adapterId, nowSeconds()));
      for (let copy = 0; copy < 3; copy++) expect((await rig.send(signedRequest(adapterId, body))).status, adapterId).toBe(200);
    }
    if (entry === 'handleWebhook') {
      const rows = (await rig.ledger.queryInteractions({ limit: 100 })).items;
      expect(rows.map((row) => row.channel).sort()).toEqual([...ADAPTER_IDS].sort());
    } else {
      expect(rig.enqueued).toHaveLength(ADAPTER_IDS.length * 3);
    }
  });
});

describe('what a crash dead letter keeps', () => {
  function crashingCanonical(state: { crash: boolean }): ChannelAdapter {
    const inner = canonicalWebhookAdapter(CREDENTIALS.canonical);
    return {
      ...inner,
      async doHandleWebhook(request, context) {
        if (state.crash) throw new TypeError(`cannot read properties of undefined (token ${CREDENTIALS.whatsapp.accessToken})`);
        return inner.doHandleWebhook!(request, context);
      },
    };
  }

  it('keeps the body and the headers that describe it, names the signature headers, drops the rest, and replays without them', async () => {
    const state = { crash: true };
    const rig = createHostileRig({ adapters: [...builtInAdapters().filter((adapter) => adapter.id !== 'canonical'), crashingCanonical(state)] });
    const body = JSON.stringify(authenticDelivery('canonical', nowSeconds()));
    const request = signedRequest('canonical', body, {
      authorization: 'Bearer upstream-proxy-bearer-0123456789abcdef',
      cookie: 'session=abcdef0123456789',
      'x-forwarded-for': '203.0.113.9',
      'x-hub-signature-256': signatureHeaders('facebook', body)['x-hub-signature-256']!,
      'user-agent': 'Forms/1.0',
    });
    const url = `${BASE_URL}/canonical?access_token=${CREDENTIALS.facebook.accessToken}`;
    const response = await rig.send(new Request(url, { method: 'POST', headers: request.headers, body }));
    expect(response.status).toBe(500);
    const [letter] = (await rig.ledger.listDeadLetters()).items;
    expect(letter?.payload).toEqual({
      type: 'webhook',
      adapterId: 'canonical',
      url: `${BASE_URL}/canonical?access_token=[redacted]`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Forms/1.0' },
      signatures: { authorization: 'present', 'x-hub-signature-256': 'present', 'x-social-crm-signature': 'present' },
      body,
    });
    expect(letter?.error.message).not.toContain(CREDENTIALS.whatsapp.accessToken);
    const [event] = rig.events.filter((candidate) => candidate.name === 'dead-lettered');
    expect((event?.payload as { deadLetter: unknown }).deadLetter).toEqual(letter);
    expect(await rig.leaks()).toEqual([]);

    state.crash = false;
    expect(await rig.crm.retryDeadLetters()).toMatchObject({ retried: 1, succeeded: 1, failed: 0 });
    expect((await rig.ledger.queryInteractions({ channel: 'canonical' })).items).toHaveLength(1);
    expect(await rig.deadLetters()).toBe(0);
  });

  it('never replays a live request as verified: a forged request with a crash-shaped body is still refused', async () => {
    const rig = createHostileRig();
    const body = JSON.stringify(authenticDelivery('canonical', nowSeconds()));
    const forged = new Request(`${BASE_URL}/canonical`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-social-crm-signature': 'present', 'x-social-crm-timestamp': String(nowSeconds()) }, body });
    expect((await rig.send(forged)).status).toBe(401);
    expect(await rig.deadLetters()).toBe(0);
  });
});

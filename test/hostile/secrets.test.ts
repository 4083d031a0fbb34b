import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChannelApiError, isChannelApiError } from 'social-crm';
import { redactSecrets } from 'social-crm/adapter-kit';
import { createChannelTestServer } from 'social-crm/testing';
import { X_SIGNATURE_HEADER } from 'social-crm/adapters/x';
import { ADAPTER_IDS, BASE_URL, CREDENTIALS, PHONE_NUMBER_ID, createHostileRig, signedRequest, type Entry, type HostileRig } from './harness.js';
import { authenticDelivery, messengerWatermark, nested, whatsappText, xMention } from './payloads.js';

const server = createChannelTestServer();
beforeAll(() => server.listen());
afterEach(() => server.reset());
afterAll(() => server.close());

const GRAPH_MESSAGES = `https://graph.facebook.com/v23.0/${PHONE_NUMBER_ID}/messages`;
const X_TWEETS = 'https://api.x.com/2/tweets';
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Every kind of hostile request the suite knows, sent through one rig. */
async function sendHostileSuite(rig: HostileRig): Promise<void> {
  const at = nowSeconds();
  for (const adapterId of ADAPTER_IDS) {
    const body = JSON.stringify(authenticDelivery(adapterId, at));
    await rig.send(signedRequest(adapterId, body));
    await rig.send(signedRequest(adapterId, body));
    await rig.send(signedRequest(adapterId, `${body} `, adapterId === 'x' ? { [X_SIGNATURE_HEADER]: 'sha256=forged' } : { 'x-hub-signature-256': 'sha256=00', 'x-social-crm-signature': '00' }));
    await rig.send(signedRequest(adapterId, nested('array', 5_000)));
    await rig.send(signedRequest(adapterId, '12345'));
    // The upstream proxy's credentials ride along on every request.
    await rig.send(signedRequest(adapterId, body, { authorization: `Bearer ${CREDENTIALS.x.bearerToken}`, 'x-api-key': CREDENTIALS.facebook.accessToken }));
  }
  for (const adapterId of ['facebook', 'messenger', 'instagram', 'whatsapp'] as const) {
    // Handshakes, with the right token and with another adapter's.
    await rig.send(new Request(`${BASE_URL}/${adapterId}?hub.mode=subscribe&hub.verify_token=${CREDENTIALS[adapterId].verifyToken}&hub.challenge=1158201444`));
    await rig.send(new Request(`${BASE_URL}/${adapterId}?hub.mode=subscribe&hub.verify_token=${CREDENTIALS.x.consumerSecret}&hub.challenge=1158201444`));
  }
  await rig.send(new Request(`${BASE_URL}/%E0%A4%A?access_token=${CREDENTIALS.whatsapp.accessToken}`, { method: 'POST', body: '{}' }));
  await rig.send(new Request(`${BASE_URL}/unknown?access_token=${CREDENTIALS.whatsapp.accessToken}`, { method: 'POST', body: '{}' }));
  await rig.send(signedRequest('messenger', JSON.stringify(messengerWatermark('read', 1e300, at))));
  await rig.send(new Request(`${BASE_URL}/x?crc_token=ZjA0YjM2NDctMmUxNS00YzM2`));
}

describe.each<Entry>(['handleWebhook', 'queue-intake'])('no configured secret, signature or bearer value leaves through %s', (entry) => {
  it('in any response, log line, event, queue message or stored row of the hostile-input suite', async () => {
    const rig = createHostileRig({ entry });
    await sendHostileSuite(rig);
    expect(rig.responses.length).toBeGreaterThan(40);
    expect(rig.sentSignatures.length).toBeGreaterThan(10);
    expect(await rig.leaks()).toEqual([]);
  });
});

describe('errors from the networks are redacted', () => {
  it('drops a token a WhatsApp error page echoes, from the error, its response body, the reply-failed event and the logs', async () => {
    const rig = createHostileRig();
    const at = nowSeconds();
    expect((await rig.send(signedRequest('whatsapp', JSON.stringify(whatsappText(at, 'wamid.SECRET01'))))).status).toBe(200);
    const token = CREDENTIALS.whatsapp.accessToken;
    server.route('post', GRAPH_MESSAGES, () =>
      HttpResponse.json(
        {
          error: {
            message: `Invalid OAuth access token - Cannot parse access token: ${token}`,
            type: 'OAuthException',
            code: 190,
            error_data: { request: `${GRAPH_MESSAGES}?access_token=${token}&appsecret_proof=${CREDENTIALS.whatsapp.appSecret}` },
            fbtrace_id: 'A7Kq2mZ1pQrStUv',
          },
        },
        { status: 401 },
      ),
    );
    const error = await rig.crm.reply('whatsapp:wamid.SECRET01', 'Merhaba').catch((caught: unknown) => caught);
    rig.errors.push(error);
    expect(isChannelApiError(error)).toBe(true);
    expect((error as ChannelApiError).responseBody).toContain('[redacted]');
    expect((error as ChannelApiError).message).toMatch(/Invalid OAuth access token/);
    expect(server.calls[0]?.headers.authorization).toBe(`Bearer ${token}`);
    expect(rig.events.some((event) => event.name === 'reply-failed')).toBe(true);
    expect(await rig.leaks()).toEqual([]);
  });

  it('drops the bearer token an X problem answer echoes', async () => {
    const rig = createHostileRig();
    const at = nowSeconds();
    const delivery = xMention(at, '1891400000000000777');
    expect((await rig.send(signedRequest('x', JSON.stringify(delivery)))).status).toBe(200);
    server.route('post', X_TWEETS, () =>
      HttpResponse.json(
        { title: 'Unauthorized', type: 'about:blank', status: 401, detail: `Authorization: Bearer ${CREDENTIALS.x.userAccessToken} is not valid for this endpoint` },
        { status: 401 },
      ),
    );
    const error = await rig.crm.reply('x:1891400000000000777', 'Sorry to hear that').catch((caught: unknown) => caught);
    rig.errors.push(error);
    expect(isChannelApiError(error)).toBe(true);
    expect(await rig.leaks()).toEqual([]);
  });

  it('redacts token-named values, bearer values, signature digests and Meta and X token shapes', () => {
    const text = [
      'GET https://graph.facebook.com/v23.0/me?fields=id&access_token=EAAB1234567890abcdefghijklmnop&appsecret_proof=abc123def456',
      '{"access_token":"tok-123456789","client_secret":"s3cr3t-value","next_token":"keep-me"}',
      'Authorization: Bearer abc.def.ghi-0123456789',
      'x-hub-signature-256: sha256=0f2b6c5a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b',
      'bearer AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI',
      'the page said EAAGm0PX4ZCpsBAKZB1Zz was invalid',
    ].join('\n');
    const redacted = redactSecrets(text, ['abc123def456']);
    for (const secret of ['EAAB1234567890abcdefghijklmnop', 'abc123def456', 'tok-123456789', 's3cr3t-value', 'abc.def.ghi-0123456789', '0f2b6c5a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b', 'AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0', 'EAAGm0PX4ZCpsBAKZB1Zz']) {
      expect(redacted).not.toContain(secret);
    }
    expect(redacted).toContain('"next_token":"keep-me"');
    expect(redacted).toContain('fields=id');
    const error = new ChannelApiError(`The API refused the call: ${text}`, { adapterId: 'x', method: 'GET', url: 'https://api.x.com/2/users/me?oauth_token=tok-999999', status: 401, isRetryable: false, responseBody: text });
    expect(`${error.message}${error.url}${error.responseBody}`).not.toMatch(/tok-999999|tok-123456789|EAAB1234567890/);
  });
});

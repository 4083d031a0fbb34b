import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isSocialCrmError, memoryLedger, type SocialCrm } from 'social-crm';
import { emailAdapter } from 'social-crm/adapters/email';
import { createCampaigns, type CampaignDefinition } from 'social-crm/campaigns';
import { createChannelTestServer } from 'social-crm/testing';
import { WA_MESSAGES, adapters, customerWrote, makeCrm, whatsappSent } from './_setup.js';

// Mailgun Messages API: `POST /v3/{domain}/messages` (form fields from, to, subject, text, h:<header>),
// answered `{ "id": "<…>", "message": "Queued. Thank you." }`; values invented.
const DOMAIN = 'mg.acme.example';
const MAILGUN_SEND = `https://api.mailgun.net/v3/${DOMAIN}/messages`;

const server = createChannelTestServer();
beforeAll(() => server.listen());
afterEach(() => server.reset());
afterAll(() => server.close());

const longAgo = new Date(Date.now() - 10 * 24 * 3_600_000);

function withEmail(): SocialCrm {
  const email = emailAdapter({
    signingKey: 'key-campaign-signing',
    apiKey: 'test-mailgun-api-key',
    domain: DOMAIN,
    from: 'Acme <news@mg.acme.example>',
    listUnsubscribe: { mailto: 'unsubscribe@mg.acme.example', url: ({ address }) => `https://acme.example/unsubscribe/${encodeURIComponent(address)}` },
  });
  return makeCrm(memoryLedger(), { adapters: [...adapters(), email] });
}

function spring(audience: string[], email: CampaignDefinition['messages'][string] = { subject: 'Bahar indirimi, {{firstName}}', text: 'Merhaba {{firstName}}, bahar indirimi başladı.' }): CampaignDefinition {
  return {
    id: 'spring-mail',
    purpose: 'marketing',
    audience,
    messages: { whatsapp: { template: { name: 'spring_sale', language: 'tr', parameters: ['{{firstName}}'], parameterCount: 1 } }, email },
  };
}

/** A customer on WhatsApp, one reached by e-mail, and one on e-mail who never opted in. */
async function audience(crm: SocialCrm): Promise<string[]> {
  const onWhatsapp = await customerWrote(crm, 'whatsapp', '905321112233', 'Merhaba', longAgo, 'Ayşe Kaya');
  await crm.setConsent('whatsapp:905321112233', 'opted-in', 'crm:signup', { purpose: 'marketing' });
  const byEmail = await customerWrote(crm, 'email', 'zeynep@musteri.example', 'Fatura sorusu', longAgo, 'Zeynep Demir');
  await crm.setConsent('email:zeynep@musteri.example', 'opted-in', 'crm:newsletter-form', { purpose: 'marketing' });
  const neverOptedIn = await customerWrote(crm, 'email', 'kemal@firma.example', 'Kargo nerede?', longAgo, 'Kemal Arslan');
  return [onWhatsapp, byEmail, neverOptedIn];
}

describe('campaigns: e-mail', () => {
  it('reaches a customer by e-mail (subject filled, List-Unsubscribe set) and never one without consent', async () => {
    server.route('post', WA_MESSAGES, ({ index }) => whatsappSent('905321112233', index));
    server.route('post', MAILGUN_SEND, () => HttpResponse.json({ id: '<20270301090000.1.SPRING@mg.acme.example>', message: 'Queued. Thank you.' }));
    const crm = withEmail();
    const [onWhatsapp, byEmail, neverOptedIn] = await audience(crm);
    const campaigns = createCampaigns(crm, { optOut: false });

    const preview = await campaigns.preview(spring([onWhatsapp!, byEmail!, neverOptedIn!]));
    expect(preview.byChannel).toEqual({ whatsapp: 1, email: 1 });
    expect(preview.included.find((member) => member.channel === 'email')).toMatchObject({ customerId: byEmail, identityKey: 'email:zeynep@musteri.example', channelOptions: { email: { subject: 'Bahar indirimi, Zeynep' } } });
    expect(preview.excluded).toEqual([expect.objectContaining({ customerId: neverOptedIn, channel: 'email', reason: 'no-consent' })]);

    const result = await campaigns.run(spring([onWhatsapp!, byEmail!, neverOptedIn!]));
    expect(result.sent.map((sent) => [sent.customerId, sent.channel])).toEqual([
      [onWhatsapp, 'whatsapp'],
      [byEmail, 'email'],
    ]);
    const mails = server.calls.filter((call) => call.url === MAILGUN_SEND);
    expect(mails).toHaveLength(1);
    const fields = new URLSearchParams(mails[0]!.bodyText);
    expect(fields.get('to')).toContain('zeynep@musteri.example');
    expect(fields.get('subject')).toBe('Bahar indirimi, Zeynep');
    expect(fields.get('text')).toBe('Merhaba Zeynep, bahar indirimi başladı.');
    expect(fields.get('h:List-Unsubscribe')).toBe('<mailto:unsubscribe@mg.acme.example?subject=unsubscribe>, <https://acme.example/unsubscribe/zeynep%40musteri.example>');
    expect(fields.get('h:List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(server.calls.some((call) => call.bodyText.includes('kemal'))).toBe(false);
    const stored = await crm.ledger.getInteraction(result.sent[1]!.interactionId);
    expect(stored).toMatchObject({ channel: 'email', nativeId: '20270301090000.1.SPRING@mg.acme.example', direction: 'outbound', customerId: byEmail, channelMetadata: { email: { campaignId: 'spring-mail', subject: 'Bahar indirimi, Zeynep' } } });
    expect(result.status).toBe('completed');
  });

  it('an e-mail message without a subject is a typed error before anything is sent, on any channel', async () => {
    server.route('post', WA_MESSAGES, ({ index }) => whatsappSent('905321112233', index));
    server.route('post', MAILGUN_SEND, () => HttpResponse.json({ id: '<x@mg.acme.example>', message: 'Queued. Thank you.' }));
    const crm = withEmail();
    const ids = await audience(crm);
    const campaigns = createCampaigns(crm, { optOut: false });
    for (const email of [{ text: 'Bahar indirimi başladı.' }, { subject: '   ', text: 'Bahar indirimi başladı.' }]) {
      const error = await campaigns.run(spring(ids, email)).catch((thrown: unknown) => thrown);
      expect(isSocialCrmError(error, 'INVALID_OPTIONS')).toBe(true);
      expect((error as Error).message).toContain('messages.email.subject');
    }
    expect(server.calls).toHaveLength(0);
    expect(await campaigns.status('spring-mail')).toBe('draft');
  });

  it('a subject placeholder without a value for a member stops the run before anything is sent', async () => {
    server.route('post', WA_MESSAGES, ({ index }) => whatsappSent('905321112233', index));
    const crm = withEmail();
    const ids = await audience(crm);
    const error = await createCampaigns(crm, { optOut: false })
      .run(spring(ids, { subject: 'Kuponunuz: {{coupon}}', text: 'Bahar indirimi başladı.' }))
      .catch((thrown: unknown) => thrown);
    expect(isSocialCrmError(error, 'INVALID_OPTIONS')).toBe(true);
    expect((error as Error).message).toContain('coupon');
    expect(server.calls).toHaveLength(0);
  });
});

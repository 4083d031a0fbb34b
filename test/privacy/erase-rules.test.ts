import { describe, expect, it } from 'vitest';
import { erasedInteraction, erasureSubjectOf, interactionsToErase, subjectMatcher, type Interaction } from 'social-crm';
import { makeCustomer, makeIdentityRecord, makeInteraction } from 'social-crm/testing';

const identity = { channel: 'whatsapp', nativeId: '905321234567', phone: '+905321234567', displayName: 'Zeynep Kılıçarslan', email: 'Zeynep.K@Example.test' };

function subjectOf(interactions: Interaction[] = []) {
  const customer = makeCustomer({ id: 'cus_zeynep', crmContactId: '1234', identityKeys: ['whatsapp:905321234567'] });
  const identities = [makeIdentityRecord({ customerId: customer.id, identity })];
  const { rows, owned } = interactionsToErase(interactions, new Set([customer.id]), new Set(identities.map((record) => record.key)));
  return erasureSubjectOf({ customers: [customer], identities, interactions: rows, merges: [] }, owned);
}

describe('erasure rules', () => {
  it('decide that free-form data names the person by whole identifiers, case-insensitively', () => {
    const mentions = subjectMatcher(subjectOf());
    expect(mentions({ entry: [{ messages: [{ from: '905321234567' }] }] }), 'a webhook body with their number').toBe(true);
    expect(mentions(JSON.stringify({ to: '+905321234567' })), 'a raw string body').toBe(true);
    expect(mentions({ email: 'zeynep.k@example.test' }), 'their email in another case').toBe(true);
    expect(mentions({ orderingKey: 'customer:cus_zeynep' }), 'their customer id').toBe(true);
    expect(mentions({ from: '9053212345678' }), 'a longer number that contains theirs is someone else').toBe(false);
    expect(mentions({ amount: 1234, note: 'order 1234' }), 'a short number (their CRM contact id) is not distinctive enough').toBe(false);
    expect(mentions({ text: 'Zeynep Hanım' }), 'a name alone does not make a record theirs').toBe(false);
    expect(mentions(null)).toBe(false);
  });

  it('cover the brand\'s messages in their private conversation and to them, and leave public threads to their owners', () => {
    const own = makeInteraction({ channel: 'whatsapp', visibility: 'private', kind: 'direct_message', author: identity, customerId: 'cus_zeynep', conversationId: 'whatsapp:pc-1' });
    const brandInThread = makeInteraction({ channel: 'whatsapp', visibility: 'private', kind: 'direct_message', direction: 'outbound', author: { channel: 'whatsapp', nativeId: '106540352242922', isBrand: true }, conversationId: 'whatsapp:pc-1' });
    const brandTemplate = makeInteraction({ channel: 'whatsapp', direction: 'outbound', recipientId: '905321234567', author: { channel: 'whatsapp', nativeId: '106540352242922', isBrand: true }, conversationId: 'whatsapp:pc-other' });
    const publicRoot = makeInteraction({ channel: 'x', conversationId: 'x:1', author: { channel: 'x', nativeId: 'mehmet' }, customerId: 'cus_mehmet' });
    const publicReply = makeInteraction({ channel: 'x', conversationId: 'x:1', author: identity, customerId: 'cus_zeynep' });
    const { rows, renamed } = interactionsToErase([own, brandInThread, brandTemplate, publicRoot, publicReply], new Set(['cus_zeynep']), new Set(['whatsapp:905321234567']));
    expect(rows.map((row) => row.id).sort()).toEqual([own.id, brandInThread.id, brandTemplate.id, publicReply.id].sort());
    expect([...renamed.keys()], 'only private conversations are re-keyed').toEqual(['whatsapp:pc-1']);
    expect(renamed.get('whatsapp:pc-1')).toMatch(/^whatsapp:erased_[0-9a-f]{32}$/);
  });

  it('keep of an interaction only what counts need', () => {
    const erased = erasedInteraction(makeInteraction({ author: identity, customerId: 'cus_42', direction: 'outbound', recipientId: '905321234567', text: 'Merhaba Zeynep', mentions: ['zeynep'], hashtags: ['iade'], url: 'https://x.test/1', raw: { a: 1 }, reaction: '👍' }), 'test:new');
    expect(JSON.stringify(erased)).not.toMatch(/Zeynep|905321234567|iade|x\.test|👍/i);
    expect(erased).toMatchObject({ text: '', conversationId: 'test:new', customerId: 'cus_42', author: { nativeId: 'erased:cus_42' } });
  });
});

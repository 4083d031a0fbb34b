/**
 * The erase scenario of the ledger suite: one person planted in every kind of record a ledger keeps,
 * and a reader that goes through every read method afterwards. Also used by the SDK's end-to-end
 * erase tests.
 *
 * @internal
 * @module
 */
import {
  hasBatchStore,
  hasOutbox,
  hasReviewStore,
  hasSendStore,
  privateConversationKey,
  type Interaction,
  type InteractionLedger,
  type MergeRecord,
  type Page,
  type SendRecord,
} from 'social-crm';
import { makeCustomer, makeIdentityRecord, makeInteraction } from './fixtures.js';

/** The planted person: everything about them that must be gone after the erase. */
export const ERASED_PERSON = {
  customerId: 'cus_erase_survivor',
  absorbedId: 'cus_erase_absorbed',
  name: 'Zeynep Kılıçarslan',
  phone: '+905321234567',
  waId: '905321234567',
  email: 'zeynep.kilicarslan@example.test',
  handle: 'zeynep_k_2026',
  xUserId: '1790000000000000001',
  texts: ['Siparişim ZK-77 hâlâ gelmedi, param iade edilsin', 'Lütfen bu numarayı bir daha aramayın', 'Merhaba Zeynep Hanım, siparişiniz yarın kapınızda'],
} as const;

/** Every string that identifies {@link ERASED_PERSON}, as a scan looks for it. */
export function erasedPersonTerms(): string[] {
  const person = ERASED_PERSON;
  // ZK-77, their order number, is also a cue the classifier quoted in its explanation.
  return ['Zeynep', 'Kılıçarslan', 'ZK-77', person.phone, person.waId, person.email, person.handle, person.xUserId, ...person.texts];
}

/** Where each planted record lives, to read back and to check that neighbours survive. */
export interface PlantedPerson {
  interactionIds: string[];
  identityKeys: string[];
  privateConversationId: string;
  deadLetterId: string;
  mergeId: string;
  sendKey: string | null;
  blockingKeys: string[];
  /** Another customer's records, which must come out of the erase unchanged. */
  bystander: { interaction: Interaction; deadLetterId: string; cursor: { adapterId: string; stream: string; cursor: string }; outboxId: string | null; sendKey: string | null };
}

const BUSINESS_NUMBER = '106540352242922';
const at = (minute: number) => new Date(Date.UTC(2026, 1, 3, 9, minute)).toISOString();

/**
 * Stores the person as the pipeline would after two of their handles were merged by an agent, a
 * delivery about them was dead-lettered, they opted out, the brand answered them, and a poll
 * stream followed their DMs; and one bystander beside them.
 */
export async function plantPerson(ledger: InteractionLedger): Promise<PlantedPerson> {
  const person = ERASED_PERSON;
  const whatsapp = { channel: 'whatsapp', nativeId: person.waId, phone: person.phone, displayName: person.name };
  const x = { channel: 'x', nativeId: person.xUserId, handle: person.handle, displayName: 'Zeynep K.', email: person.email, profileUrl: `https://x.com/${person.handle}` };
  const blockingKeys = [`phone:${person.phone}`, `email:${person.email}`, 'name:zeynep kilicarslan'];
  await ledger.saveCustomer(makeCustomer({ id: person.customerId, displayName: person.name, identityKeys: [`whatsapp:${person.waId}`, `x:${person.xUserId}`], crmContactId: 'crm-zeynep-1', attributes: { city: 'İzmir', email: person.email } }));
  await ledger.saveCustomer(makeCustomer({ id: person.absorbedId, displayName: 'Zeynep K.', identityKeys: [], mergedInto: person.customerId }));
  await ledger.saveIdentity(makeIdentityRecord({ customerId: person.customerId, identity: whatsapp, blockingKeys: [blockingKeys[0]!, blockingKeys[2]!] }));
  await ledger.saveIdentity(makeIdentityRecord({ customerId: person.customerId, identity: x, blockingKeys: [blockingKeys[1]!, blockingKeys[2]!] }));
  const merge: MergeRecord = {
    id: 'merge_erase_1',
    survivorId: person.customerId,
    absorbedIds: [person.absorbedId],
    decidedBy: { type: 'agent', name: 'agent-7' },
    evidence: { comparisons: [{ field: 'email', left: person.email, right: person.email.toUpperCase() }, { field: 'name', left: person.name, right: 'Zeynep K.' }] },
    snapshot: { customers: [makeCustomer({ id: person.absorbedId, displayName: 'Zeynep K.', identityKeys: [`x:${person.xUserId}`] })], identities: [{ key: `x:${person.xUserId}`, customerId: person.absorbedId }] },
    createdAt: at(5),
  };
  await ledger.saveMerge(merge);

  const privateConversationId = `whatsapp:${privateConversationKey(BUSINESS_NUMBER, person.waId)}`;
  const inbound = makeInteraction({
    channel: 'whatsapp', nativeId: 'wamid.erase-in-1', kind: 'direct_message', visibility: 'private', author: whatsapp, customerId: person.customerId,
    conversationId: privateConversationId, recipientId: BUSINESS_NUMBER, text: person.texts[0], createdAt: at(1),
    attachments: [{ type: 'image', url: `https://lookaside.example.test/${person.waId}.jpg`, caption: person.texts[0] }],
    channelMetadata: { whatsapp: { from: person.waId, profileName: person.name } }, raw: { from: person.waId, text: { body: person.texts[0] } },
  });
  const optOut = makeInteraction({
    channel: 'whatsapp', nativeId: 'wamid.erase-in-2', kind: 'direct_message', visibility: 'private', author: whatsapp, customerId: person.customerId,
    conversationId: privateConversationId, recipientId: BUSINESS_NUMBER, text: person.texts[1], createdAt: at(2),
  });
  // The brand's answer: attributed to no one, found through the conversation and its recipient.
  const reply = makeInteraction({
    channel: 'whatsapp', nativeId: 'wamid.erase-out-1', kind: 'direct_message', visibility: 'private', direction: 'outbound',
    author: { channel: 'whatsapp', nativeId: BUSINESS_NUMBER, isBrand: true }, conversationId: privateConversationId, recipientId: person.waId, parentId: inbound.nativeId,
    text: person.texts[2], createdAt: at(3), deliveryStatus: 'delivered',
  });
  const mention = makeInteraction({
    channel: 'x', nativeId: '1890000000000000042', kind: 'mention', author: x, customerId: person.customerId, text: `@acme ${person.texts[0]}`,
    url: `https://x.com/${person.handle}/status/1890000000000000042`, mentions: ['acme'], hashtags: ['iade'], createdAt: at(4),
    classification: {
      language: 'tr', languageConfidence: 0.9, languageSupported: true, sentiment: { label: 'negative', score: -0.7, confidence: 0.8 },
      intents: [{ intent: 'complaint', confidence: 0.9 }], department: { department: 'customer_service', reason: 'complaint' }, urgency: 0.6,
      explanation: [{ label: 'complaint', cues: ['gelmedi', 'ZK-77'] }], model: 'test',
    },
  });
  const bystanderInteraction = makeInteraction({ channel: 'x', nativeId: '1890000000000000043', author: { channel: 'x', nativeId: '1790000000000000099', handle: 'mehmet' }, customerId: 'cus_erase_bystander', text: 'Kargom geldi, teşekkürler', createdAt: at(6) });
  for (const interaction of [inbound, optOut, reply, mention, bystanderInteraction]) await ledger.appendInteraction(interaction);

  await ledger.setConsent({ identityKey: `whatsapp:${person.waId}`, status: 'opted-out', source: 'whatsapp:STOP', updatedAt: at(2) });
  const deadLetter = await ledger.addDeadLetter({
    stage: 'webhook', adapterId: 'whatsapp', attempts: 1, createdAt: at(7), lastAttemptAt: at(7),
    payload: { type: 'webhook', adapterId: 'whatsapp', url: 'https://crm.example.test/webhooks/whatsapp', method: 'POST', headers: {}, body: JSON.stringify({ entry: [{ changes: [{ value: { contacts: [{ wa_id: person.waId, profile: { name: person.name } }], messages: [{ from: person.waId, text: { body: person.texts[0] } }] } }] }] }) },
    error: { name: 'LedgerError', code: 'LEDGER_ERROR', message: 'connection reset' },
  });
  const bystanderDeadLetter = await ledger.addDeadLetter({
    stage: 'validate', adapterId: 'x', attempts: 1, createdAt: at(8), lastAttemptAt: at(8), payload: { type: 'rejected', item: { id: '1890000000000000043', text: 'Kargom geldi' } }, error: { name: 'InvalidInteractionError', message: 'bad date' },
  });
  await ledger.setCursor('x', `dm:${person.xUserId}`, '1890000000000000042');
  const bystanderCursor = { adapterId: 'x', stream: 'mentions', cursor: '1890000000000000043' };
  await ledger.setCursor(bystanderCursor.adapterId, bystanderCursor.stream, bystanderCursor.cursor);

  if (hasReviewStore(ledger)) {
    await ledger.saveSuggestion({ id: 'sugg_erase_1', customerId: person.customerId, candidateCustomerId: 'cus_erase_bystander', score: 0.91, reason: 'review-band', evidence: { names: [person.name, 'Mehmet'] }, createdAt: at(9) });
  }
  let bystanderOutboxId: string | null = null;
  if (hasOutbox(ledger)) {
    await ledger.appendOutbox([
      { id: 'evt_erase_1', name: 'interaction-received', payload: { interaction: inbound }, orderingKey: `customer:${person.customerId}`, createdAt: at(1) },
      { id: 'evt_erase_2', name: 'consent-changed', payload: { consent: { identityKey: `whatsapp:${person.waId}`, status: 'opted-out' } }, orderingKey: `identity:whatsapp:${person.waId}`, createdAt: at(2) },
      { id: 'evt_erase_3', name: 'dead-lettered', payload: { deadLetter }, orderingKey: `dead-letter:${deadLetter.id}`, createdAt: at(7) },
      { id: 'evt_erase_bystander', name: 'interaction-received', payload: { interaction: bystanderInteraction }, orderingKey: 'customer:cus_erase_bystander', createdAt: at(6) },
    ]);
    bystanderOutboxId = 'evt_erase_bystander';
  }
  let sendKey: string | null = null;
  let bystanderSendKey: string | null = null;
  if (hasSendStore(ledger)) {
    const send = (key: string, inReplyTo: string, text: string, interactionId?: string): SendRecord => ({
      key, channel: 'whatsapp', inReplyTo, state: 'sent', reply: { text }, attempts: 1, ...(interactionId ? { interactionId } : {}), createdAt: at(3), updatedAt: at(3),
    });
    await ledger.createSend(send('send-erase-1', inbound.id, person.texts[2], reply.id));
    await ledger.createSend(send('send-erase-bystander', bystanderInteraction.id, 'Rica ederiz Mehmet Bey'));
    sendKey = 'send-erase-1';
    bystanderSendKey = 'send-erase-bystander';
  }
  return {
    interactionIds: [inbound.id, optOut.id, reply.id, mention.id],
    identityKeys: [`whatsapp:${person.waId}`, `x:${person.xUserId}`],
    privateConversationId,
    deadLetterId: deadLetter.id,
    mergeId: merge.id,
    sendKey,
    blockingKeys,
    bystander: { interaction: bystanderInteraction, deadLetterId: bystanderDeadLetter.id, cursor: bystanderCursor, outboxId: bystanderOutboxId, sendKey: bystanderSendKey },
  };
}

async function everyPage<T>(read: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await read(cursor);
    items.push(...page.items);
    if (!page.nextCursor) return items;
    cursor = page.nextCursor;
  }
  throw new Error('more than 10,000 pages: nextCursor never became null');
}

/**
 * Everything the ledger's read methods return about the planted records and in its lists, by
 * method: what a scan for the person's data goes through.
 */
export async function readEverything(ledger: InteractionLedger, planted: Pick<PlantedPerson, 'interactionIds' | 'identityKeys' | 'deadLetterId' | 'mergeId' | 'sendKey' | 'blockingKeys'>, customerIds: string[], cursors: Array<{ adapterId: string; stream: string }>): Promise<Record<string, unknown>> {
  const read: Record<string, unknown> = {
    getCustomer: await Promise.all(customerIds.map((id) => ledger.getCustomer(id))),
    listCustomers: await everyPage((cursor) => ledger.listCustomers({ includeMerged: true, limit: 50, ...(cursor ? { cursor } : {}) })),
    getIdentity: await Promise.all(planted.identityKeys.map((key) => ledger.getIdentity(key))),
    listIdentities: await Promise.all(customerIds.map((id) => ledger.listIdentities(id))),
    findIdentitiesByBlockingKeys: await ledger.findIdentitiesByBlockingKeys(planted.blockingKeys),
    getInteraction: await Promise.all(planted.interactionIds.map((id) => ledger.getInteraction(id))),
    queryInteractions: await everyPage((cursor) => ledger.queryInteractions({ includeDeleted: true, limit: 50, ...(cursor ? { cursor } : {}) })),
    getMerge: await ledger.getMerge(planted.mergeId),
    listMerges: await Promise.all(customerIds.map((id) => ledger.listMerges(id))),
    getConsent: await Promise.all(planted.identityKeys.map((key) => ledger.getConsent(key))),
    listDeadLetters: await everyPage((cursor) => ledger.listDeadLetters({ limit: 50, ...(cursor ? { cursor } : {}) })),
    getCursor: await Promise.all(cursors.map((entry) => ledger.getCursor(entry.adapterId, entry.stream))),
    exportCustomer: await Promise.all(customerIds.map((id) => ledger.exportCustomer(id))),
  };
  if (hasBatchStore(ledger)) {
    read.getInteractions = await ledger.getInteractions(planted.interactionIds);
    read.getIdentities = await ledger.getIdentities(planted.identityKeys);
    read.getCustomers = await ledger.getCustomers(customerIds);
  }
  if (hasReviewStore(ledger)) read.listSuggestions = await everyPage((cursor) => ledger.listSuggestions({ limit: 50, ...(cursor ? { cursor } : {}) }));
  if (hasOutbox(ledger)) read.listOutbox = await everyPage((cursor) => ledger.listOutbox({ limit: 50, ...(cursor ? { cursor } : {}) }));
  if (hasSendStore(ledger)) {
    if (planted.sendKey) read.getSend = await ledger.getSend(planted.sendKey);
    read.listSends = await Promise.all((['pending', 'sent', 'unknown', 'failed'] as const).map((state) => everyPage((cursor) => ledger.listSends({ state, limit: 50, ...(cursor ? { cursor } : {}) }))));
  }
  return read;
}

/** `method: term` for every term found (case-insensitively) in what each method returned. */
export function findTerms(read: Record<string, unknown>, terms: string[]): string[] {
  const found: string[] = [];
  for (const [method, value] of Object.entries(read)) {
    const text = (JSON.stringify(value) ?? '').toLocaleLowerCase('tr');
    for (const term of terms) if (text.includes(term.toLocaleLowerCase('tr'))) found.push(`${method}: ${term}`);
  }
  return found;
}

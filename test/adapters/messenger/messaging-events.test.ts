import { describe, expect, it } from 'vitest';
import { parseInteraction, type InteractionInput, privateConversationKey } from 'social-crm';
// The shared Meta layer is bundled into each Meta adapter and has no entry of its own.
import { metaTime, readMessagingItems } from '../../../adapters/_shared/meta/messaging-events.js';

const PAGE = '104711112223334';
const PSID = '6543210987654321';
const NOW = new Date('2026-03-02T12:00:00.000Z');
const context = { channel: 'messenger', brandIds: new Set([PAGE]), now: NOW };
const from = (extra: Record<string, unknown>) => ({ sender: { id: PSID }, recipient: { id: PAGE }, timestamp: 1772445599876, ...extra });

function interactions(items: unknown[]): InteractionInput[] {
  return readMessagingItems(items, context).events.flatMap((event) => (event.type === 'interaction' ? [event.interaction] : []));
}

describe('metaTime', () => {
  it('reads epoch seconds, epoch milliseconds and Graph time strings, and falls back for anything else', () => {
    expect(metaTime(1772445600, NOW)).toBe('2026-03-02T10:00:00.000Z');
    expect(metaTime(1772445600123, NOW)).toBe('2026-03-02T10:00:00.123Z');
    expect(metaTime('1772445600', NOW)).toBe('2026-03-02T10:00:00.000Z');
    expect(metaTime('2026-03-02T09:30:00+0000', NOW)).toBe('2026-03-02T09:30:00.000Z');
    expect(metaTime('2026-03-02T12:30:00+0300', NOW)).toBe('2026-03-02T09:30:00.000Z');
    expect(metaTime(undefined, NOW)).toBe(NOW.toISOString());
    expect(metaTime('yesterday', NOW)).toBe(NOW.toISOString());
  });
});

describe('readMessagingItems', () => {
  it('turns every message kind into schema-valid interactions', () => {
    const inputs = interactions([
      from({ message: { mid: 'm_1', text: 'Merhaba 👋', quick_reply: { payload: 'YES' } } }),
      from({ message: { mid: 'm_2', attachments: [{ type: 'location', payload: { coordinates: { lat: 41.01, long: 28.97 } } }, { type: 'fallback', payload: { url: 'https://acme.example/p/1', title: 'Acme' } }, { type: 'template', payload: null }] } }),
      from({ postback: { title: 'Start', payload: 'GET_STARTED' } }),
      from({ reaction: { mid: 'm_1', action: 'react', reaction: 'like' } }),
      from({ message_edit: { mid: 'm_1', text: 'Merhaba!', num_edit: 2 } }),
      { sender: { id: PAGE }, recipient: { id: PSID }, timestamp: 1772445600000, message: { mid: 'm_3', text: 'Hi', is_echo: true } },
    ]);
    expect(inputs).toHaveLength(6);
    const parsed = inputs.map((input) => parseInteraction(input, { now: () => NOW }));
    expect(parsed.map((row) => row.kind)).toEqual(['direct_message', 'direct_message', 'direct_message', 'reaction', 'direct_message', 'direct_message']);
    expect(parsed[1]?.attachments).toEqual([
      { type: 'location', data: { nativeType: 'location', latitude: 41.01, longitude: 28.97 } },
      { type: 'link', url: 'https://acme.example/p/1', name: 'Acme', data: { nativeType: 'fallback' } },
      { type: 'other', data: { nativeType: 'template' } },
    ]);
    expect(parsed[2]).toMatchObject({ nativeId: `postback:${PSID}:1772445599876`, text: 'Start' });
    expect(parsed[3]).toMatchObject({ nativeId: `reaction:m_1:${PSID}`, reaction: 'like', parentId: 'm_1' });
    expect(parsed[4]).toMatchObject({ state: 'edited', editedAt: '2026-03-02T09:59:59.876Z', channelMetadata: { messenger: { editCount: 2 } } });
    expect(parsed[5]).toMatchObject({ direction: 'outbound', recipientId: PSID, conversationId: `messenger:${privateConversationKey(`${PAGE}-${PSID}`)}`, deliveryStatus: 'sent' });
    expect(parsed[0]?.conversationId).toBe(parsed[5]?.conversationId);
  });

  it('reports deletions, receipts that name messages, and bare watermarks for the whole conversation', () => {
    const { events, warnings, rejected } = readMessagingItems(
      [
        from({ message: { mid: 'm_9', is_deleted: true } }),
        from({ reaction: { mid: 'm_1', action: 'unreact' } }),
        from({ delivery: { mids: ['m_a', 'm_b'], watermark: 1772445599000 } }),
        from({ delivery: { watermark: 1772445599000 } }),
        from({ read: { watermark: 1772445599000 } }),
        from({ read: { mid: 'm_c' } }),
      ],
      context,
    );
    expect(events.map((event) => [event.type, 'nativeId' in event ? event.nativeId : undefined, 'status' in event ? event.status : undefined])).toEqual([
      ['deletion', 'm_9', undefined],
      ['deletion', `reaction:m_1:${PSID}`, undefined],
      ['delivery-status', 'm_a', 'delivered'],
      ['delivery-status', 'm_b', 'delivered'],
      ['delivery-watermark', undefined, 'delivered'],
      ['delivery-watermark', undefined, 'read'],
      ['delivery-status', 'm_c', 'read'],
    ]);
    // A watermark names the conversation and the moment (milliseconds), not the messages.
    expect(events[5]).toMatchObject({ channel: 'messenger', conversationId: privateConversationKey(`${PAGE}-${PSID}`), upTo: new Date(1772445599000).toISOString() });
    expect(warnings).toEqual([]);
    expect(rejected).toEqual([]);
  });

  it('rejects items it cannot read and warns about the ones it does not store', () => {
    const { events, warnings, rejected } = readMessagingItems(['not an object', { sender: {}, recipient: { id: PAGE } }, from({ account_linking: { status: 'linked' } }), from({ something_new: true })], context);
    expect(events).toEqual([]);
    expect(rejected).toHaveLength(2);
    expect(rejected[1]?.error.message).toMatch(/^\[messenger\] A messaging event could not be read: sender\.id/);
    expect(warnings.map((warning) => warning.type)).toEqual(['ignored', 'unsupported']);
  });
});

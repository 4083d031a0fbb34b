import { IG_ACCOUNT_ID, PAGE_ID, PHONE_NUMBER_ID, WABA_ID, X_BRAND_ID, type HostileAdapterId } from './harness.js';

/*
 * One small, authentic-looking delivery per adapter, shaped as each network documents it, for
 * tests that need a body the adapter accepts. `at` is epoch seconds.
 */

const CUSTOMER_PSID = '6543210987654321';

export function messengerText(at: number, mid = `m_${at}`, text = 'Merhaba, siparişim nerede?'): Record<string, unknown> {
  return {
    object: 'page',
    entry: [{ id: PAGE_ID, time: at * 1000, messaging: [{ sender: { id: CUSTOMER_PSID }, recipient: { id: PAGE_ID }, timestamp: at * 1000, message: { mid, text } }] }],
  };
}

/** A Messenger read or delivery receipt that names only a watermark. */
export function messengerWatermark(kind: 'read' | 'delivery', watermark: number | string, at: number): Record<string, unknown> {
  return {
    object: 'page',
    entry: [{ id: PAGE_ID, time: at * 1000, messaging: [{ sender: { id: CUSTOMER_PSID }, recipient: { id: PAGE_ID }, timestamp: at * 1000, [kind]: { watermark } }] }],
  };
}

export function facebookComment(at: number, id = `${PAGE_ID}_1_${at}`): Record<string, unknown> {
  return {
    object: 'page',
    entry: [
      {
        id: PAGE_ID,
        time: at,
        changes: [
          {
            field: 'feed',
            value: {
              from: { id: '7001', name: 'Ayşe Yılmaz' },
              post_id: `${PAGE_ID}_1`,
              comment_id: id,
              parent_id: `${PAGE_ID}_1`,
              message: 'Kargo ne zaman gelir?',
              created_time: at,
              item: 'comment',
              verb: 'add',
            },
          },
        ],
      },
    ],
  };
}

export function instagramComment(at: number, id = `1790${at}`): Record<string, unknown> {
  return {
    object: 'instagram',
    entry: [{ id: IG_ACCOUNT_ID, time: at, changes: [{ field: 'comments', value: { from: { id: '178414', username: 'ayse.yilmaz' }, media: { id: '1790001', media_product_type: 'FEED' }, id, text: 'Bu renk stokta var mı?' } }] }],
  };
}

export function whatsappText(at: number, id = `wamid.${at}`, body = 'Can I change my delivery address?'): Record<string, unknown> {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: WABA_ID,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID },
              contacts: [{ profile: { name: 'Priya Natarajan' }, wa_id: '447700900123' }],
              messages: [{ from: '447700900123', id, timestamp: String(at), type: 'text', text: { body } }],
            },
          },
        ],
      },
    ],
  };
}

export function xMention(at: number, id = `18914${at}`): Record<string, unknown> {
  return {
    for_user_id: X_BRAND_ID,
    tweet_create_events: [
      {
        created_at: new Date(at * 1000).toUTCString(),
        id_str: id,
        text: '@acme my router keeps dropping',
        timestamp_ms: String(at * 1000),
        user: { id_str: '1456789012345678901', screen_name: 'ayseyilmaz', name: 'Ayşe Yılmaz' },
        entities: { user_mentions: [{ id_str: X_BRAND_ID, screen_name: 'acme' }] },
      },
    ],
  };
}

export function canonicalPost(at: number, nativeId = `c${at}`): Record<string, unknown> {
  return {
    events: [
      { nativeId, kind: 'comment', author: { channel: 'canonical', nativeId: 'ayse', handle: 'ayse', displayName: 'Ayşe Yılmaz' }, text: 'Form message', createdAt: new Date(at * 1000).toISOString() },
    ],
  };
}

/** A delivery each adapter stores one interaction from. */
export function authenticDelivery(adapterId: HostileAdapterId, at: number): Record<string, unknown> {
  switch (adapterId) {
    case 'facebook':
      return facebookComment(at);
    case 'messenger':
      return messengerText(at);
    case 'instagram':
      return instagramComment(at);
    case 'whatsapp':
      return whatsappText(at);
    case 'x':
      return xMention(at);
    case 'canonical':
      return canonicalPost(at);
  }
}

/** `[[[…]]]` or `{"a":{"a":…}}` nested `depth` levels, built without recursion. */
export function nested(kind: 'array' | 'object', depth: number): string {
  return kind === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

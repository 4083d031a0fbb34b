/**
 * Turns demo scenes into the signed webhook requests each network would send, and builds the
 * adapters that receive them: Meta's Graph webhooks (Facebook Page feed, Messenger, Instagram,
 * WhatsApp Cloud API) signed with `X-Hub-Signature-256`, X Account Activity deliveries signed
 * with the consumer secret, Telegram updates with the webhook's secret token, and Google's Pub/Sub
 * pushes of new reviews. YouTube has no push: its transport serves the comment threads published
 * so far to the adapter's polls, through the demo's stand-in network. A network without an adapter
 * of its own is replayed through the canonical JSON webhook adapter registered under the network's id.
 */
import type { ChannelAdapter } from 'social-crm';
import { hmac, toHex } from 'social-crm/adapter-kit';
import { canonicalWebhookAdapter, CANONICAL_SIGNATURE_HEADER, CANONICAL_TIMESTAMP_HEADER } from 'social-crm/adapters/canonical';
import { facebookAdapter } from 'social-crm/adapters/facebook';
import { instagramAdapter } from 'social-crm/adapters/instagram';
import { messengerAdapter } from 'social-crm/adapters/messenger';
import { whatsappAdapter } from 'social-crm/adapters/whatsapp';
import { xAdapter, X_SIGNATURE_HEADER } from 'social-crm/adapters/x';
import { telegramAdapter } from 'social-crm/adapters/telegram';
import { youtubeAdapter } from 'social-crm/adapters/youtube';
import { googleBusinessAdapter } from 'social-crm/adapters/google-business';
import { toBase64 } from 'social-crm/adapter-kit';
import { BRAND, PLACES, type Scene } from './stream.js';

const SECRET = 'demo-secret-not-for-production';

export interface Transport {
  adapter: ChannelAdapter;
  /** The webhook delivery of a scene; absent for a network the adapter polls. */
  request?(scene: Scene, now: Date): Promise<Request>;
  /** The network's own API as the adapter calls it (reads, replies): a response, or undefined for a request it does not serve. */
  serve?(request: Request, now: Date): Promise<Response | undefined>;
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function canonicalTransport(network: string): Transport {
  return {
    adapter: canonicalWebhookAdapter({ secret: SECRET, id: network }),
    async request(scene, now) {
      const body = JSON.stringify({
        events: [
          {
            nativeId: scene.nativeId,
            kind: scene.kind,
            visibility: scene.visibility,
            author: { channel: network, ...scene.author },
            text: scene.text,
            createdAt: scene.createdAt,
            ...(scene.parentId ? { parentId: scene.parentId } : {}),
            ...(scene.conversationId ? { conversationId: scene.conversationId } : {}),
          },
        ],
      });
      const timestamp = Math.floor(now.getTime() / 1000);
      const signature = toHex(await hmac('SHA-256', SECRET, `${timestamp}.${body}`));
      return new Request(`https://crm.example.test/webhooks/${network}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CANONICAL_SIGNATURE_HEADER]: signature, [CANONICAL_TIMESTAMP_HEADER]: String(timestamp) },
        body,
      });
    },
  };
}

const X_CONSUMER_SECRET = 'demo-consumer-secret';

/** `created_at` as X's v1.1 objects write it: `Tue Feb 17 09:20:00 +0000 2026`. */
function xDate(iso: string): string {
  const [weekday, day, month, year, time] = new Date(iso).toUTCString().replace(',', '').split(' ') as [string, string, string, string, string];
  return `${weekday} ${month} ${day} ${time} +0000 ${year}`;
}

/** X Account Activity deliveries (`tweet_create_events`), signed with the consumer secret. */
function xTransport(): Transport {
  return {
    adapter: xAdapter({ userId: BRAND.x.nativeId, consumerSecret: X_CONSUMER_SECRET, bearerToken: 'demo-bearer', userAccessToken: 'demo-user-token' }),
    async request(scene) {
      const mentionsBrand = scene.text.includes('@yildizair');
      const body = JSON.stringify({
        for_user_id: BRAND.x.nativeId,
        tweet_create_events: [
          {
            created_at: xDate(scene.createdAt),
            id_str: scene.nativeId,
            text: scene.text,
            truncated: false,
            in_reply_to_status_id_str: scene.parentId ?? null,
            user: {
              id_str: scene.author.nativeId,
              name: scene.author.displayName ?? scene.author.handle ?? scene.author.nativeId,
              screen_name: scene.author.handle ?? scene.author.nativeId,
              followers_count: scene.author.followerCount ?? 0,
              verified: false,
            },
            entities: {
              hashtags: [...scene.text.matchAll(/#(\w+)/g)].map((match) => ({ text: match[1]!, indices: [match.index!, match.index! + match[0].length] })),
              urls: [],
              user_mentions: mentionsBrand ? [{ screen_name: 'yildizair', id_str: BRAND.x.nativeId, indices: [scene.text.indexOf('@yildizair'), scene.text.indexOf('@yildizair') + 10] }] : [],
            },
            lang: scene.author.locale?.startsWith('tr') ? 'tr' : 'en',
            timestamp_ms: String(Date.parse(scene.createdAt)),
          },
        ],
      });
      const signature = `sha256=${toBase64(await hmac('SHA-256', X_CONSUMER_SECRET, body))}`;
      return new Request('https://crm.example.test/webhooks/x', { method: 'POST', headers: { 'content-type': 'application/json', [X_SIGNATURE_HEADER]: signature }, body });
    },
  };
}

const META_APP = { appSecret: 'demo-meta-app-secret', verifyToken: 'demo-verify-token', accessToken: 'demo-page-token' };
const WHATSAPP_PHONE_NUMBER_ID = '106540352242922';
const WHATSAPP_BUSINESS_ACCOUNT_ID = '102290129340398';

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** A Graph webhook notification, signed as Meta signs it (hex HMAC-SHA256 of the raw body with the app secret). */
async function metaRequest(path: string, notification: unknown): Promise<Request> {
  const body = JSON.stringify(notification);
  const signature = `sha256=${toHex(await hmac('SHA-256', META_APP.appSecret, body))}`;
  return new Request(`https://crm.example.test/webhooks/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body });
}

/** Page `feed` changes: a comment (or a reply to one) on a Page post. */
function facebookTransport(): Transport {
  const pageId = BRAND.facebook.nativeId;
  return {
    adapter: facebookAdapter({ ...META_APP, pageId }),
    request: (scene) =>
      metaRequest('facebook', {
        object: 'page',
        entry: [
          {
            id: pageId,
            time: seconds(scene.createdAt),
            changes: [
              {
                field: 'feed',
                value: {
                  from: { id: scene.author.nativeId, name: scene.author.displayName ?? scene.author.nativeId },
                  item: 'comment',
                  verb: 'add',
                  comment_id: scene.nativeId,
                  post_id: scene.conversationId ?? scene.nativeId,
                  parent_id: scene.parentId ?? scene.conversationId ?? scene.nativeId,
                  message: scene.text,
                  created_time: seconds(scene.createdAt),
                },
              },
            ],
          },
        ],
      }),
  };
}

/** Instagram `comments` changes on the brand's media. */
function instagramTransport(): Transport {
  const accountId = BRAND.instagram.nativeId;
  return {
    adapter: instagramAdapter({ ...META_APP, accountId, username: BRAND.instagram.handle, fetchMentions: false }),
    request: (scene) =>
      metaRequest('instagram', {
        object: 'instagram',
        entry: [
          {
            id: accountId,
            time: seconds(scene.createdAt),
            changes: [
              {
                field: 'comments',
                value: {
                  id: scene.nativeId,
                  from: { id: scene.author.nativeId, username: scene.author.handle ?? scene.author.nativeId },
                  text: scene.text,
                  media: { id: scene.conversationId ?? scene.nativeId, media_product_type: 'FEED' },
                  ...(scene.parentId ? { parent_id: scene.parentId } : {}),
                },
              },
            ],
          },
        ],
      }),
  };
}

/** Messenger `messaging` events sent to the Page. */
function messengerTransport(): Transport {
  const pageId = BRAND.facebook.nativeId;
  return {
    adapter: messengerAdapter({ ...META_APP, pageId }),
    request: (scene) =>
      metaRequest('messenger', {
        object: 'page',
        entry: [
          {
            id: pageId,
            time: Date.parse(scene.createdAt),
            messaging: [
              {
                sender: { id: scene.author.nativeId },
                recipient: { id: pageId },
                timestamp: Date.parse(scene.createdAt),
                message: { mid: scene.nativeId, text: scene.text },
              },
            ],
          },
        ],
      }),
  };
}

/** A signed WhatsApp Cloud API `messages` change for the demo's number: `fields` are the value's messages, contacts or statuses. */
function whatsappRequest(fields: Record<string, unknown>): Promise<Request> {
  return metaRequest('whatsapp', {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: WHATSAPP_BUSINESS_ACCOUNT_ID,
        changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '908502223344', phone_number_id: WHATSAPP_PHONE_NUMBER_ID }, ...fields } }],
      },
    ],
  });
}

/** WhatsApp Cloud API `messages` changes: the sender's profile in `contacts`, a text message. */
function whatsappTransport(): Transport {
  return {
    adapter: whatsappAdapter({ ...META_APP, phoneNumberId: WHATSAPP_PHONE_NUMBER_ID, businessAccountId: WHATSAPP_BUSINESS_ACCOUNT_ID }),
    request: (scene) =>
      whatsappRequest({
        contacts: [{ profile: { name: scene.author.displayName ?? scene.author.nativeId }, wa_id: scene.author.nativeId }],
        messages: [{ from: scene.author.nativeId, id: scene.nativeId, timestamp: String(seconds(scene.createdAt)), type: 'text', text: { body: scene.text } }],
      }),
  };
}

/** A WhatsApp `statuses` webhook: what happened to messages the business sent (delivered, read). */
export function whatsappStatusRequest(statuses: Array<{ id: string; status: 'delivered' | 'read'; recipientId: string; at: Date }>): Promise<Request> {
  return whatsappRequest({ statuses: statuses.map((status) => ({ id: status.id, status: status.status, timestamp: String(seconds(status.at.toISOString())), recipient_id: status.recipientId })) });
}

const TELEGRAM = { botToken: `${PLACES.telegram.botId}:AAH-demo-token-not-for-production`, secretToken: 'demo-telegram-secret' };

/**
 * Telegram Bot API: each scene is an `Update` POSTed to the webhook with the secret token in
 * `X-Telegram-Bot-Api-Secret-Token`; `sendMessage` answers as the bot.
 */
function telegramTransport(scenes: Map<string, Scene>): Transport {
  const group = PLACES.telegram;
  const chat = { id: group.chatId, type: 'supergroup', title: group.title, username: group.username };
  const messageId = (nativeId: string) => Number(nativeId.slice(nativeId.lastIndexOf('_') + 1));
  const user = (author: Scene['author']) => {
    const [first, ...last] = (author.displayName ?? author.nativeId).split(' ');
    return { id: Number(author.nativeId), is_bot: false, first_name: first, ...(last.length ? { last_name: last.join(' ') } : {}), ...(author.handle ? { username: author.handle } : {}), ...(author.locale ? { language_code: author.locale.slice(0, 2) } : {}) };
  };
  const bot = { id: group.botId, is_bot: true, first_name: 'Yıldız Air Destek', username: group.botUsername };
  let sent = 1000;
  return {
    adapter: telegramAdapter({ ...TELEGRAM, botUsername: group.botUsername }),
    async request(scene) {
      const parent = scene.parentId ? scenes.get(scene.parentId) : undefined;
      const mention = scene.text.indexOf(`@${group.botUsername}`);
      const body = JSON.stringify({
        update_id: 400_000 + messageId(scene.nativeId),
        message: {
          message_id: messageId(scene.nativeId),
          from: user(scene.author),
          chat,
          date: seconds(scene.createdAt),
          text: scene.text,
          ...(mention >= 0 ? { entities: [{ type: 'mention', offset: mention, length: group.botUsername.length + 1 }] } : {}),
          ...(parent ? { reply_to_message: { message_id: messageId(parent.nativeId), from: user(parent.author), chat, date: seconds(parent.createdAt), text: parent.text } } : {}),
        },
      });
      return new Request('https://crm.example.test/webhooks/telegram', { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TELEGRAM.secretToken }, body });
    },
    async serve(request, now) {
      const url = new URL(request.url);
      if (url.hostname !== 'api.telegram.org' || request.method !== 'POST') return undefined;
      if (url.pathname !== `/bot${TELEGRAM.botToken}/sendMessage`) return json({ ok: false, error_code: 404, description: 'Not Found' }, 404);
      const body = (await request.clone().json()) as { chat_id: number; text: string; reply_parameters?: { message_id: number } };
      return json({ ok: true, result: { message_id: ++sent, from: bot, chat, date: seconds(now.toISOString()), text: body.text, ...(body.reply_parameters ? { reply_to_message: { message_id: body.reply_parameters.message_id, chat, date: seconds(now.toISOString()) } } : {}) } });
    },
  };
}

const YOUTUBE_TOKEN = 'demo-youtube-token';

/**
 * YouTube Data API v3, which the adapter polls: `commentThreads.list` answers the threads on the
 * brand's channel published by the replay clock, newest first, with up to five replies each
 * (`comments.list?parentId=` has them all).
 */
function youtubeTransport(scenes: Scene[]): Transport {
  const { channelId, videoId } = PLACES.youtube;
  const comments = scenes.filter((scene) => scene.network === 'youtube');
  const resource = (scene: Scene) => ({
    kind: 'youtube#comment',
    id: scene.nativeId,
    snippet: {
      channelId,
      videoId,
      textDisplay: scene.text,
      textOriginal: scene.text,
      ...(scene.parentId ? { parentId: scene.parentId } : {}),
      authorDisplayName: scene.author.displayName ?? scene.author.nativeId,
      authorChannelUrl: `http://www.youtube.com/channel/${scene.author.nativeId}`,
      authorChannelId: { value: scene.author.nativeId },
      likeCount: 0,
      publishedAt: scene.createdAt,
      updatedAt: scene.createdAt,
    },
  });
  return {
    adapter: youtubeAdapter({ channelId, accessToken: YOUTUBE_TOKEN }),
    async serve(request, now) {
      const url = new URL(request.url);
      if (url.hostname !== 'www.googleapis.com' || !url.pathname.startsWith('/youtube/v3/')) return undefined;
      if (request.headers.get('authorization') !== `Bearer ${YOUTUBE_TOKEN}`) return json({ error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } }, 401);
      const published = comments.filter((scene) => Date.parse(scene.createdAt) <= now.getTime());
      const repliesTo = (thread: string) => published.filter((scene) => scene.parentId === thread).map(resource);
      if (request.method === 'GET' && url.pathname === '/youtube/v3/commentThreads' && url.searchParams.get('allThreadsRelatedToChannelId') === channelId) {
        const items = published
          .filter((scene) => !scene.parentId)
          .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
          .map((scene) => {
            const replies = repliesTo(scene.nativeId);
            return { kind: 'youtube#commentThread', id: scene.nativeId, snippet: { channelId, videoId, topLevelComment: resource(scene), canReply: true, totalReplyCount: replies.length, isPublic: true }, ...(replies.length ? { replies: { comments: replies.slice(-5) } } : {}) };
          });
        return json({ kind: 'youtube#commentThreadListResponse', pageInfo: { totalResults: items.length, resultsPerPage: 100 }, items });
      }
      if (request.method === 'GET' && url.pathname === '/youtube/v3/comments' && url.searchParams.has('parentId')) {
        return json({ kind: 'youtube#commentListResponse', items: repliesTo(url.searchParams.get('parentId')!) });
      }
      return undefined;
    },
  };
}

const GOOGLE = { accessToken: 'demo-google-token', verificationToken: 'demo-pubsub-verification-token' };
const STARS = ['STAR_RATING_UNSPECIFIED', 'ONE', 'TWO', 'THREE', 'FOUR', 'FIVE'] as const;

/**
 * Google Business Profile: a Pub/Sub push announces each new review (authenticated with the
 * token in the push URL); the adapter then reads the review with `GET /v4/{name}`, and answers
 * with `PUT /v4/{name}/reply`, which the stand-in keeps so a later read shows it.
 */
function googleBusinessTransport(scenes: Scene[]): Transport {
  const location = `accounts/${PLACES.google.accountId}/locations/${PLACES.google.locationId}`;
  const reviews = new Map(scenes.filter((scene) => scene.network === 'google-business').map((scene) => [scene.nativeId, scene]));
  const replies = new Map<string, { comment: string; updateTime: string }>();
  return {
    adapter: googleBusinessAdapter({ accountId: PLACES.google.accountId, locationIds: [PLACES.google.locationId], accessToken: GOOGLE.accessToken, push: { verificationToken: GOOGLE.verificationToken } }),
    async request(scene, now) {
      const notification = { type: 'NEW_REVIEW', review_name: scene.nativeId, location_name: location };
      const body = JSON.stringify({
        message: { data: toBase64(new TextEncoder().encode(JSON.stringify(notification))), messageId: `1${seconds(scene.createdAt)}`, publishTime: now.toISOString() },
        subscription: 'projects/yildiz-air-crm/subscriptions/business-profile-reviews',
      });
      return new Request(`https://crm.example.test/webhooks/google-business?token=${GOOGLE.verificationToken}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    },
    async serve(request, now) {
      const url = new URL(request.url);
      if (url.hostname !== 'mybusiness.googleapis.com') return undefined;
      if (request.headers.get('authorization') !== `Bearer ${GOOGLE.accessToken}`) return json({ error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } }, 401);
      const name = decodeURIComponent(url.pathname.replace(/^\/v4\//, '').replace(/\/reply$/, ''));
      const scene = reviews.get(name);
      if (!scene) return json({ error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } }, 404);
      if (request.method === 'PUT' && url.pathname.endsWith('/reply')) {
        const reply = { comment: ((await request.clone().json()) as { comment: string }).comment, updateTime: now.toISOString() };
        replies.set(name, reply);
        return json(reply);
      }
      if (request.method !== 'GET') return undefined;
      const reply = replies.get(name);
      return json({
        name,
        reviewId: name.split('/').at(-1),
        reviewer: { displayName: scene.author.displayName, profilePhotoUrl: 'https://lh3.googleusercontent.com/a/demo-reviewer' },
        starRating: STARS[scene.rating ?? 0],
        comment: scene.text,
        createTime: scene.createdAt,
        updateTime: reply?.updateTime ?? scene.createdAt,
        ...(reply ? { reviewReply: reply } : {}),
      });
    },
  };
}

const NATIVE: Record<string, (scenes: Scene[]) => Transport> = {
  x: xTransport,
  facebook: facebookTransport,
  instagram: instagramTransport,
  messenger: messengerTransport,
  whatsapp: whatsappTransport,
  telegram: (scenes) => telegramTransport(new Map(scenes.map((scene) => [scene.nativeId, scene]))),
  youtube: youtubeTransport,
  'google-business': googleBusinessTransport,
};

/** One transport per network in the stream: the network's own adapter where one ships, else the canonical replay. */
export function demoTransports(scenes: Scene[]): Map<string, Transport> {
  const networks = [...new Set(scenes.map((scene) => scene.network))];
  return new Map(networks.map((network) => [network, NATIVE[network]?.(scenes.filter((scene) => scene.network === network)) ?? canonicalTransport(network)]));
}

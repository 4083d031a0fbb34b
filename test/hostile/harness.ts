import { createHmac } from 'node:crypto';
import { createSocialCrm, memoryLedger, type InteractionLedger, type Logger, type SocialCrm, type SocialCrmEventName } from 'social-crm';
import type { ChannelAdapter } from 'social-crm/adapter-kit';
import { canonicalWebhookAdapter, CANONICAL_SIGNATURE_HEADER, CANONICAL_TIMESTAMP_HEADER } from 'social-crm/adapters/canonical';
import { facebookAdapter } from 'social-crm/adapters/facebook';
import { instagramAdapter } from 'social-crm/adapters/instagram';
import { messengerAdapter } from 'social-crm/adapters/messenger';
import { whatsappAdapter } from 'social-crm/adapters/whatsapp';
import { xAdapter, X_SIGNATURE_HEADER } from 'social-crm/adapters/x';
import { createWebhookIntake, memoryQueue, type WebhookIntake } from 'social-crm/queue';
import { DURABLE_EVENT_NAMES } from '../../src/pipeline/change-log.js';

/*
 * A crm with every built-in webhook adapter, each with its own credentials, and a record of
 * everything that could leave the process: responses, log lines, events, queue messages, stored
 * rows. The hostile-input and fuzz suites send their requests through it and scan the record.
 */

export const PAGE_ID = '104711112223334';
export const IG_ACCOUNT_ID = '17841400000000001';
export const PHONE_NUMBER_ID = '106540352242922';
export const WABA_ID = '102290129340398';
export const X_BRAND_ID = '1234567890';

/** Every configured credential, by adapter. None of them may ever appear in what the record holds. */
export const CREDENTIALS = {
  facebook: { appSecret: 'fb-app-secret-5f4dcc3b5aa765d61d83', verifyToken: 'fb-verify-token-e99a18c428cb', accessToken: 'EAAFBpagetoken0123456789abcdefghij' },
  messenger: { appSecret: 'ms-app-secret-0cc175b9c0f1b6a831c3', verifyToken: 'ms-verify-token-92eb5ffee6ae', accessToken: 'EAAMSpagetoken0123456789abcdefghij' },
  instagram: { appSecret: 'ig-app-secret-4a8a08f09d37b7379564', verifyToken: 'ig-verify-token-8277e0910d75', accessToken: 'EAAIGpagetoken0123456789abcdefghij' },
  whatsapp: { appSecret: 'wa-app-secret-e4da3b7fbbce2345d777', verifyToken: 'wa-verify-token-1679091c5a88', accessToken: 'EAAWAsystemusertoken0123456789abcd' },
  x: { consumerSecret: 'x-consumer-secret-c9f0f895fb98ab9159f5', bearerToken: 'AAAAAAAAAAAAAAAAAAAAAx-app-bearer-45c48cce2e2d', userAccessToken: 'x-user-access-token-d3d9446802a4' },
  canonical: { secret: 'canonical-secret-6512bd43d9caa6e02c99' },
} as const;

export type HostileAdapterId = keyof typeof CREDENTIALS;
export const ADAPTER_IDS = Object.keys(CREDENTIALS) as HostileAdapterId[];

export const BASE_URL = 'https://crm.example.test/webhooks';

export function builtInAdapters(): ChannelAdapter[] {
  return [
    facebookAdapter({ pageId: PAGE_ID, ...CREDENTIALS.facebook }),
    messengerAdapter({ pageId: PAGE_ID, ...CREDENTIALS.messenger }),
    instagramAdapter({ accountId: IG_ACCOUNT_ID, pageId: PAGE_ID, username: 'acme_store', ...CREDENTIALS.instagram }),
    whatsappAdapter({ phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID, ...CREDENTIALS.whatsapp }),
    xAdapter({ userId: X_BRAND_ID, ...CREDENTIALS.x }),
    canonicalWebhookAdapter(CREDENTIALS.canonical),
  ];
}

/** The headers that authenticate `body` for `adapterId`, computed as the network does (independently of the adapters' helpers). */
export function signatureHeaders(adapterId: HostileAdapterId, body: string | Uint8Array, at = Math.floor(Date.now() / 1000)): Record<string, string> {
  switch (adapterId) {
    case 'x':
      return { [X_SIGNATURE_HEADER]: `sha256=${createHmac('sha256', CREDENTIALS.x.consumerSecret).update(body).digest('base64')}` };
    case 'canonical': {
      const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
      return {
        [CANONICAL_SIGNATURE_HEADER]: createHmac('sha256', CREDENTIALS.canonical.secret).update(`${at}.${text}`).digest('hex'),
        [CANONICAL_TIMESTAMP_HEADER]: String(at),
      };
    }
    default:
      return { 'x-hub-signature-256': `sha256=${createHmac('sha256', CREDENTIALS[adapterId].appSecret).update(body).digest('hex')}` };
  }
}

/** A signed POST for `adapterId` (JSON content type unless `headers` says otherwise). */
export function signedRequest(adapterId: HostileAdapterId, body: string | Uint8Array, headers: Record<string, string> = {}, path = `/${adapterId}`): Request {
  return new Request(`${BASE_URL}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signatureHeaders(adapterId, body), ...headers },
    body: body as BodyInit,
  });
}

/** Which entry the requests go through: the crm's own webhook handler, or the scale-out intake in front of a queue. */
export type Entry = 'handleWebhook' | 'queue-intake';

export interface HostileRig {
  crm: SocialCrm;
  ledger: InteractionLedger;
  intake: WebhookIntake;
  /** Sends a request through the chosen entry; records the answer. */
  send(request: Request): Promise<Response>;
  /** Every log line, as `level message details`. */
  logs: string[];
  /** Every event emitted, as `name JSON`. */
  events: Array<{ name: SocialCrmEventName; payload: unknown }>;
  /** Every message the intake put on the queue. */
  enqueued: unknown[];
  /** Every response body read by `send`. */
  responses: string[];
  /** Errors the test caught and wants scanned too. */
  errors: unknown[];
  /** Everything readable: logs, events, queue messages, responses, errors, and every stored row. */
  everything(): Promise<string>;
  /** Stored dead letters. */
  deadLetters(): Promise<number>;
  /** Every signature and authorization value the requests carried. */
  sentSignatures: string[];
  /** The configured credentials and sent signature values found in {@link everything}. */
  leaks(): Promise<string[]>;
}

/** Every event the crm emits: the durable ones and the three in-process only. */
const EVENT_NAMES: SocialCrmEventName[] = [...DURABLE_EVENT_NAMES, 'interaction-skipped', 'poll-failed', 'warning'];

/** JSON that keeps what errors carry (message, code, response body, cause) instead of `{}`. */
export function dump(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, member: unknown) => {
    if (typeof member === 'bigint') return String(member);
    if (typeof member !== 'object' || member === null) return member;
    if (seen.has(member)) return '[circular]';
    seen.add(member);
    if (member instanceof Error) return { ...member, name: member.name, message: member.message, stack: member.stack, cause: member.cause };
    if (member instanceof Uint8Array) return Buffer.from(member).toString('utf8');
    return member;
  });
}

export interface HostileRigOptions {
  entry?: Entry;
  /** @default the six built-in webhook adapters, with {@link CREDENTIALS} */
  adapters?: ChannelAdapter[];
  /** Credentials of `adapters` beyond {@link CREDENTIALS}, scanned for too. */
  secrets?: string[];
  now?: () => Date;
  fetch?: typeof fetch;
}

export function createHostileRig(options: HostileRigOptions = {}): HostileRig {
  const logs: string[] = [];
  const record = (level: string) => (message: string, details?: Record<string, unknown>) => logs.push(`${level} ${message} ${details === undefined ? '' : dump(details)}`);
  const logger: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  const ledger = memoryLedger();
  const crm = createSocialCrm({
    ledger,
    adapters: options.adapters ?? builtInAdapters(),
    classifier: false,
    logger,
    ...(options.now ? { now: options.now } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    http: { retries: 0, maxRateLimitWaitMs: 1_000, backoffBaseMs: 1 },
  });
  const events: HostileRig['events'] = [];
  for (const name of EVENT_NAMES) crm.on(name, (payload: unknown) => events.push({ name, payload }));
  const enqueued: unknown[] = [];
  const queue = memoryQueue();
  const recordingQueue = { ...queue, enqueue: async (messages: Parameters<typeof queue.enqueue>[0]) => void enqueued.push(...messages) };
  const intake = createWebhookIntake(crm, recordingQueue, { logger });
  const responses: string[] = [];
  const errors: unknown[] = [];
  const sentSignatures: string[] = [];
  async function everything() {
    const interactions = await ledger.queryInteractions({ includeDeleted: true, limit: 1000 });
    const deadLetters = await ledger.listDeadLetters({ limit: 1000 });
    return [...logs, ...events.map((event) => `${event.name} ${dump(event.payload)}`), ...enqueued.map(dump), ...responses, ...errors.map(dump), dump(interactions), dump(deadLetters)].join('\n');
  }
  return {
    crm,
    ledger,
    intake,
    logs,
    events,
    enqueued,
    responses,
    errors,
    sentSignatures,
    async send(request) {
      for (const [name, value] of request.headers) {
        if (/signature|authorization/i.test(name)) sentSignatures.push(value, value.replace(/^[\w-]+[= ]/, ''));
      }
      const response = options.entry === 'queue-intake' ? await intake.handle(request) : await crm.handleWebhook(request);
      const text = await response.clone().text();
      responses.push(`${response.status} ${text}`);
      return response;
    },
    everything,
    async leaks() {
      return leakedSecrets(await everything(), [...(options.secrets ?? []), ...sentSignatures.filter((value) => value.length >= 16)]);
    },
    async deadLetters() {
      return (await ledger.listDeadLetters({ limit: 1000 })).items.length;
    },
  };
}

/** Every configured credential and every signature value in `sent`, found in `text`. */
export function leakedSecrets(text: string, sent: string[] = []): string[] {
  const secrets = [...ADAPTER_IDS.flatMap((id) => Object.values(CREDENTIALS[id]) as string[]), ...sent];
  return secrets.filter((secret) => text.includes(secret) || text.includes(encodeURIComponent(secret)));
}

import { expect } from 'vitest';
// Runtime imports go through the public entries so that the built kit shares one copy of the
// core (and its error classes) with the host and the adapters under test.
import { createSocialCrm, interactionSchema, isChannelApiError, isSocialCrmError, memoryLedger } from 'social-crm';
import type { ChannelApiError, Interaction, InteractionDirection, InteractionInput, InteractionKind, InteractionLedger, PublishRequest, SocialCrm, SocialCrmError, SocialCrmEvents } from 'social-crm';
import { EARLIEST_PLAUSIBLE_TIME, FUTURE_TOLERANCE_MS, capabilityMismatches, webhookAuthentication, type ChannelAdapter } from 'social-crm/adapter-kit';
import { createChannelTestServer, type ChannelTestServer, type RecordedCall } from './test-server.js';
import { defineChecks, describeChecks, runChecks, type ConformanceResult, type KitCheck, type KitHooks } from './_kit.js';

/** Named groups of the channel suite; skip any with `skip`. Groups also skip by capability. */
export type ChannelSuiteGroup =
  | 'options'
  | 'capabilities'
  | 'signatures'
  | 'parsing'
  | 'idempotency'
  | 'malformed'
  | 'edits'
  | 'deletes'
  | 'threading'
  | 'reply-errors'
  | 'rate-limit'
  | 'polling'
  | 'attachments'
  | 'publishing'
  | 'publish-errors'
  | 'publish-rate-limit';

/** A webhook body: a string is sent as is, anything else as JSON. */
export type WebhookBody = string | object;

/**
 * What one interaction of a fixture must look like, as you read it off the payload. Declare what
 * your mapping decides: these are the mistakes a schema check cannot see.
 */
export interface ExpectedInteraction {
  /** Its id, `<channel>:<nativeId>`. */
  id: string;
  /**
   * The time the network gives, as ISO-8601 UTC (e.g. `2026-01-01T00:25:32.000Z` for the epoch
   * seconds `1767227132`). Catches seconds read as milliseconds and lost time zones.
   */
  createdAt?: string;
  /** `private` for a direct message or a closed chat; `public` for what anyone can read. */
  visibility?: 'public' | 'private';
  direction?: InteractionDirection;
  /** Whether the author is the brand's own account (`author.isBrand`). */
  brand?: boolean;
  /** The author's stable id on the network (`author.nativeId`), not their handle or username. */
  authorId?: string;
  kind?: InteractionKind;
}

/** A documented payload the adapter must turn into interactions. */
export interface WebhookFixture {
  name: string;
  body: WebhookBody;
  /** How many new interactions it holds. */
  interactions: number;
  /** Kinds expected among them (any order). */
  kinds?: InteractionKind[];
  /** What some (or all) of them must look like; see {@link ExpectedInteraction}. */
  expect?: ExpectedInteraction[];
}

/** What the kit publishes through an adapter that declares `publish`, and how the network answers. */
export interface PublishFixture {
  /** What to publish (the kit adds `channel`, `campaignId` and `idempotencyKey`). @default a short English and Turkish text */
  request?: Omit<PublishRequest, 'channel' | 'idempotencyKey' | 'campaignId'>;
  /** Install the network's publishing endpoint(s). */
  routes(server: ChannelTestServer): void;
  /** Assert the recorded calls (all of them, in order) have the network's documented shape. */
  expectRequest(calls: RecordedCall[]): void;
  /** The stored post's native id, as the network's comment webhooks name the post. */
  nativeId?: string;
  /**
   * A signed-as-usual webhook delivery of a comment (or reply) on the post `routes` publishes: it
   * must land in the post's conversation. For adapters with webhooks.
   */
  comment?: WebhookBody;
  /** Install a publishing endpoint that answers 429 with a reset `seconds` ahead, then succeeds. */
  rateLimited?(server: ChannelTestServer, seconds: number): void;
  /** A post the network refuses, with its documented error body. */
  error?: RefusalFixture;
}

/**
 * A send the network refuses, with its documented error body (a blocked user, a closed thread, a
 * post too long): the call must fail with a `ChannelApiError` (code `CHANNEL_API_ERROR`) carrying
 * the network's own error code as `platformCode`.
 */
export interface RefusalFixture {
  /** Install the endpoint answering with the refusal (installed after `routes`, whose other endpoints stay). */
  routes(server: ChannelTestServer): void;
  /**
   * The network's error code in that body (Telegram's `error_code` 403, Meta's `code` 190, Google's
   * `reason` `commentsDisabled`). Leave it out only for a network whose error bodies carry no code.
   */
  platformCode?: string | number;
  /** The HTTP status of the refusal, when the network uses one. */
  status?: number;
  /** @default true for a 5xx status, else false */
  retryable?: boolean;
}

/** Options of {@link describeChannelAdapter}. */
export interface DescribeChannelAdapterOptions<Options> {
  /** The adapter factory, e.g. `whatsappAdapter`. */
  factory: (options: Options) => ChannelAdapter;
  /** Valid options for tests (fake secrets are fine). */
  options: Options;
  /** Options that must be rejected with `InvalidOptionsError`. */
  invalidOptions?: unknown[];
  /**
   * Required when the adapter declares `webhook`. What the `signatures` group checks follows the
   * adapter's `webhook.authentication`: a tampered body for `signature`, a wrong secret for
   * `shared-secret`; a `none-polling` adapter skips every webhook group.
   */
  webhook?: {
    /** Path the webhook is mounted at. @default `/webhooks/<adapter id>` */
    path?: string;
    /** @default 'application/json' */
    contentType?: string;
    /** Headers that make `body` authentic (signature, timestamp ..., or the shared secret). */
    sign(body: string): Record<string, string> | Promise<Record<string, string>>;
    /**
     * For `shared-secret` adapters: headers carrying a wrong secret. @default the headers of `sign`
     * with the last character of each value changed (same length, so a length check cannot pass it)
     */
    wrongSecret?(body: string): Record<string, string> | Promise<Record<string, string>>;
    /** Headers carrying a signature that is stale or replayed (for schemes with a timestamp). */
    stale?(body: string): Record<string, string> | Promise<Record<string, string>>;
    /** A verification handshake, for networks that have one. */
    handshake?: {
      request(): Request;
      expectStatus?: number;
      expectBody?: string | RegExp;
      /** The same handshake with a wrong token; must not succeed. */
      invalid?(): Request;
    };
    fixtures: WebhookFixture[];
    /** A valid, signed payload of an event kind the adapter does not handle: acknowledged, nothing stored. */
    unknownEvent?: WebhookBody;
    /** Status the adapter answers for a signed body that is not JSON. @default 400 */
    malformedStatus?: number;
    edit?: { original: WebhookBody; edited: WebhookBody; id: string; text: string };
    deletion?: { original: WebhookBody; deletion: WebhookBody; id: string };
  };
  /** Required when the adapter declares `reply` or `directMessage`. */
  reply?: {
    /** A webhook body, or an interaction to ingest, that creates the interaction to answer. */
    target: { body: WebhookBody } | { interaction: InteractionInput };
    /** Interaction id of the target (`<channel>:<nativeId>`). */
    targetId: string;
    /** @default 'Thank you, we are on it.' */
    text?: string;
    /** Install the network's send endpoint(s). */
    routes(server: ChannelTestServer): void;
    /** Assert the recorded send request has the network's documented shape. */
    expectRequest(call: RecordedCall): void;
    /** Install a send endpoint that answers 429 with a reset `seconds` ahead, then succeeds. */
    rateLimited?(server: ChannelTestServer, seconds: number): void;
    /** A send the network refuses; see {@link RefusalFixture}. */
    error?: RefusalFixture;
  };
  /** Required when the adapter declares `publish`. */
  publish?: PublishFixture;
  /** Required when the adapter declares `poll`. */
  poll?: {
    /** Install the network's endpoints: at least two pages, honouring the adapter's cursors. */
    routes(server: ChannelTestServer): void;
    /** Distinct interactions the pages hold in all. */
    totalInteractions: number;
  };
  /** Required when the adapter implements `doFetchAttachment`. */
  attachments?: {
    /** A webhook body, or an interaction to ingest, that stores an interaction with a file attachment. */
    target: { body: WebhookBody } | { interaction: InteractionInput };
    /** Interaction id of the target (`<channel>:<nativeId>`). */
    targetId: string;
    /** Which of its attachments. @default 0 */
    index?: number;
    /** Install the network's download endpoint(s), serving exactly `bytes` for that attachment. */
    routes(server: ChannelTestServer, bytes: Uint8Array): void;
  };
  /** Groups to skip (say why in your test file). */
  skip?: ChannelSuiteGroup[];
  /** Use your own mocked network (one per test file). @default a new one */
  server?: ChannelTestServer;
}

function bodyText(body: WebhookBody): string {
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/**
 * The channel-adapter conformance kit. Every adapter, built in or third party, runs it with
 * vitest + msw from the public entry:
 *
 * @example
 * import { describeChannelAdapter } from 'social-crm/testing';
 * describeChannelAdapter('complaint site', { factory: complaintSiteAdapter, options: {...}, webhook: {...}, reply: {...} });
 */
export function describeChannelAdapter<Options>(name: string, options: DescribeChannelAdapterOptions<Options>): void {
  const suite = channelChecks(options);
  describeChecks(`channel adapter conformance: ${name}`, ADAPTER_RULE_BROKEN, suite.checks, suite.hooks);
}

/**
 * The same checks as {@link describeChannelAdapter}, run at once instead of registered as tests:
 * every outcome comes back, failures with the message a test run would show. Call it inside a test
 * (it asserts with vitest's `expect`), e.g. to prove that your own seeded mistakes are caught.
 *
 * @example
 * const failed = (await checkChannelAdapter({ factory: forumAdapter, options, webhook })).filter((result) => result.status === 'failed');
 */
export async function checkChannelAdapter<Options>(options: DescribeChannelAdapterOptions<Options>): Promise<ConformanceResult[]> {
  const suite = channelChecks(options);
  return runChecks(ADAPTER_RULE_BROKEN, suite.checks, suite.hooks);
}

const ADAPTER_RULE_BROKEN = 'Channel adapter rule broken';

function channelChecks<Options>(options: DescribeChannelAdapterOptions<Options>): { checks: KitCheck[]; hooks: KitHooks } {
  const skip = new Set(options.skip ?? []);
  const server = options.server ?? createChannelTestServer();
  const ownServer = !options.server;
  const probe = options.factory(options.options);
  const capabilities = probe.capabilities;
  const webhookPath = options.webhook?.path ?? `/webhooks/${probe.id}`;
  const authentication = webhookAuthentication(probe);

  let ledger: InteractionLedger;
  let crm: SocialCrm;
  let warnings: Array<SocialCrmEvents['warning']>;
  let sendThrew: unknown;
  const hooks: KitHooks = {
    ...(ownServer ? { beforeAll: () => server.listen(), afterAll: () => server.close() } : {}),
    beforeEach() {
      ledger = memoryLedger();
      const adapter = options.factory(options.options);
      sendThrew = undefined;
      // The core maps whatever an adapter throws; the kit looks at what the adapter itself threw.
      const send = adapter.doSendReply?.bind(adapter);
      if (send) {
        adapter.doSendReply = async (reply, context) => {
          try {
            return await send(reply, context);
          } catch (error) {
            sendThrew = error;
            throw error;
          }
        };
      }
      const publish = adapter.doPublish?.bind(adapter);
      if (publish) {
        adapter.doPublish = async (post, context) => {
          try {
            return await publish(post, context);
          } catch (error) {
            sendThrew = error;
            throw error;
          }
        };
      }
      crm = createSocialCrm({
        ledger,
        adapters: [adapter],
        classifier: false,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        http: { retries: 2, maxRateLimitWaitMs: 5_000, backoffBaseMs: 10 },
      });
      warnings = [];
      crm.on('warning', (warning) => warnings.push(warning));
    },
    afterEach: () => server.reset(),
  };

  async function deliver(body: WebhookBody, headers?: Record<string, string>): Promise<Response> {
    const text = bodyText(body);
    const signed = headers ?? (await options.webhook!.sign(text));
    return crm.handleWebhook(
      new Request(`https://crm.example.test${webhookPath}`, {
        method: 'POST',
        headers: { 'content-type': options.webhook?.contentType ?? 'application/json', ...signed },
        body: text,
      }),
    );
  }

  async function stored() {
    return (await ledger.queryInteractions({ channel: probe.id, includeDeleted: true, limit: 1000 })).items;
  }

  async function createTarget(source: { target: { body: WebhookBody } | { interaction: InteractionInput }; targetId: string } = options.reply!) {
    const { target, targetId } = source;
    if ('body' in target) {
      expect((await deliver(target.body)).status).toBe(200);
    } else {
      await crm.ingest(target.interaction);
    }
    const found = await ledger.getInteraction(targetId);
    expect(found, `the target ${targetId} was not stored`).not.toBeNull();
    return found!;
  }

  const checks = defineChecks((group) => {
    group('options', skip.has('options'), (it) => {
      it('accepts the valid options without touching the network', async () => {
        const adapter = options.factory(options.options);
        expect(adapter.specificationVersion).toBe('v1');
        expect(server.calls).toHaveLength(0);
      });
      for (const [index, invalid] of (options.invalidOptions ?? []).entries()) it(`rejects invalid options #${index} with InvalidOptionsError`, async () => {
        let thrown: unknown;
        try {
          options.factory(invalid as Options);
        } catch (error) {
          thrown = error;
        }
        expect(isSocialCrmError(thrown, 'INVALID_OPTIONS')).toBe(true);
        expect((thrown as Error).message).toMatch(/\[social-crm\]/);
      });
    });

    group('capabilities', skip.has('capabilities'), (it) => {
      it('declares exactly the capabilities its methods implement', async () => {
        expect(capabilityMismatches(probe)).toEqual([]);
      });
      it('comes with the test data each declared capability needs', async () => {
        if (capabilities.webhook) expect(options.webhook, 'webhook fixtures are required for a webhook adapter').toBeDefined();
        if (!capabilities.webhook) expect(authentication, 'an adapter without the webhook capability authenticates nothing').toBe('none-polling');
        if (capabilities.reply || capabilities.directMessage) expect(options.reply, 'reply fixtures are required').toBeDefined();
        if (capabilities.poll) expect(options.poll, 'poll routes are required').toBeDefined();
        if (capabilities.publish) expect(options.publish, 'publish routes are required for an adapter that declares publish').toBeDefined();
        if (capabilities.edits && capabilities.webhook) expect(options.webhook?.edit, 'an edit fixture is required').toBeDefined();
        if (capabilities.deletes && capabilities.webhook) expect(options.webhook?.deletion, 'a deletion fixture is required').toBeDefined();
        if (probe.doFetchAttachment) expect(options.attachments, 'an attachment fixture and download routes are required with doFetchAttachment').toBeDefined();
      });
    });

    const hasWebhook = capabilities.webhook && authentication !== 'none-polling' && options.webhook !== undefined;

    async function wrongSecretHeaders(body: string): Promise<Record<string, string>> {
      if (options.webhook!.wrongSecret) return options.webhook!.wrongSecret(body);
      const headers = await options.webhook!.sign(body);
      expect(Object.keys(headers).length, 'sign() must return the header that carries the secret').toBeGreaterThan(0);
      return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, `${value.slice(0, -1)}${value.endsWith('x') ? 'y' : 'x'}`]));
    }

    group('signatures', !hasWebhook || skip.has('signatures'), (it) => {
      it('accepts a correctly signed delivery', async () => {
        const response = await deliver(options.webhook!.fixtures[0]!.body);
        expect(response.status).toBe(200);
      });
      it(`rejects a delivery without ${authentication === 'shared-secret' ? 'the secret' : 'signature'} with 401 and stores nothing`, async () => {
        const response = await deliver(options.webhook!.fixtures[0]!.body, {});
        expect(response.status).toBe(401);
        expect(await stored()).toHaveLength(0);
      });
      it.skipIf(authentication !== 'shared-secret')('rejects a wrong secret with 401 and stores nothing', async () => {
        const body = bodyText(options.webhook!.fixtures[0]!.body);
        const response = await deliver(body, await wrongSecretHeaders(body));
        expect(response.status).toBe(401);
        expect(await stored()).toHaveLength(0);
      });
      // A shared secret does not cover the body, so only signature schemes can refuse a tampered one.
      it.skipIf(authentication !== 'signature')('rejects a signature that does not match the body with 401 and stores nothing', async () => {
        const original = bodyText(options.webhook!.fixtures[0]!.body);
        const headers = await options.webhook!.sign(original);
        const tampered = original.replace(/"(\w+)"\s*:\s*"([^"]*)"/, (_match, key: string, value: string) => `"${key}":"${value}x"`);
        expect(tampered).not.toBe(original);
        const response = await deliver(tampered, headers);
        expect(response.status).toBe(401);
        expect(await stored()).toHaveLength(0);
      });
      it.skipIf(!options.webhook?.stale)('rejects a stale or replayed signature with 401', async () => {
        const body = bodyText(options.webhook!.fixtures[0]!.body);
        const response = await deliver(body, await options.webhook!.stale!(body));
        expect(response.status).toBe(401);
        expect(await stored()).toHaveLength(0);
      });
      it.skipIf(!options.webhook?.handshake)('answers the verification handshake', async () => {
        const handshake = options.webhook!.handshake!;
        const response = await crm.handleWebhook(handshake.request(), { adapterId: probe.id });
        expect(response.status).toBe(handshake.expectStatus ?? 200);
        if (handshake.expectBody !== undefined) expect(await response.text()).toMatch(handshake.expectBody);
        if (handshake.invalid) {
          const refused = await crm.handleWebhook(handshake.invalid(), { adapterId: probe.id });
          expect([401, 403]).toContain(refused.status);
        }
      });
    });

    group('parsing', !hasWebhook || skip.has('parsing'), (it) => {
      for (const fixture of options.webhook?.fixtures ?? []) it(`turns ${fixture.name} into schema-valid interactions`, async () => {
        const response = await deliver(fixture.body);
        expect(response.status).toBe(200);
        const rows = await stored();
        expect(rows).toHaveLength(fixture.interactions);
        for (const row of rows) {
          expect(() => interactionSchema.parse(row)).not.toThrow();
          expect(row.channel, 'rule: channel is the adapter id').toBe(probe.id);
          expectPlausibleTime(row);
          if (!row.author.isBrand) expect(row.customerId, `rule: every interaction of a person (not the brand) is attributed to a customer (${row.id})`).toBeTruthy();
        }
        if (fixture.kinds) expect(new Set(rows.map((row) => row.kind)), 'rule: the fixture holds the kinds it declares').toEqual(new Set(fixture.kinds));
        for (const expected of fixture.expect ?? []) expectDeclared(rows, expected, fixture.name);
      });
      it('attributes the people in the fixtures to customers, not every author to the brand', async () => {
        const rows: Interaction[] = [];
        for (const fixture of options.webhook!.fixtures) {
          expect((await deliver(fixture.body)).status).toBe(200);
        }
        rows.push(...(await stored()));
        expect(rows.length, 'the fixtures stored nothing').toBeGreaterThan(0);
        expect(
          rows.filter((row) => !row.author.isBrand).map((row) => row.id),
          "rule: author.isBrand marks only the brand's own account: every author of every fixture came out as the brand (so none is attributed to a customer)",
        ).not.toEqual([]);
      }, { skip: !options.webhook?.fixtures.length });
    });

    group('idempotency', !hasWebhook || skip.has('idempotency'), (it) => {
      it('stores a redelivered webhook once', async () => {
        const fixture = options.webhook!.fixtures[0]!;
        await deliver(fixture.body);
        const once = (await stored()).length;
        const again = await deliver(fixture.body);
        expect(again.status).toBe(200);
        expect((await stored()).length).toBe(once);
        expect(once).toBe(fixture.interactions);
      });
    });

    group('malformed input', !hasWebhook || skip.has('malformed'), (it) => {
      it('acknowledges a signed body that is not JSON as the network expects, stores nothing and keeps the body', async () => {
        const response = await deliver('{"this is": not json');
        expect(response.status).toBe(options.webhook?.malformedStatus ?? 400);
        expect((await stored()).filter((row) => row.state !== 'deleted')).toHaveLength(0);
        if (response.status === 200) {
          expect((await ledger.listDeadLetters()).items.length).toBeGreaterThan(0);
        }
      });
      it.skipIf(!options.webhook?.unknownEvent)('acknowledges an unknown event kind with a warning, stores nothing and dead-letters nothing', async () => {
        const response = await deliver(options.webhook!.unknownEvent!);
        expect(response.status, 'rule: an event kind the adapter does not handle is acknowledged with 200 (else the network redelivers it)').toBe(200);
        expect(await stored(), 'rule: an event kind the adapter does not handle stores nothing').toHaveLength(0);
        expect(
          (await ledger.listDeadLetters()).items.map((entry) => entry.error.message),
          'rule: an event kind the adapter does not handle is skipped with an `ignored` warning, not rejected: dead letters are for input the adapter should read but cannot, and a replay would fail again',
        ).toEqual([]);
        expect(warnings.length, 'rule: an event kind the adapter does not handle is reported with a warning').toBeGreaterThan(0);
      });
    });

    group('edits', !hasWebhook || !capabilities.edits || !options.webhook?.edit || skip.has('edits'), (it) => {
      it('updates the stored interaction in place', async () => {
        const edit = options.webhook!.edit!;
        await deliver(edit.original);
        const before = (await stored()).length;
        await deliver(edit.edited);
        expect((await stored()).length).toBe(before);
        const row = await ledger.getInteraction(edit.id);
        expect(row?.state).toBe('edited');
        expect(row?.text).toBe(edit.text);
      });
    });

    group('deletes', !hasWebhook || !capabilities.deletes || !options.webhook?.deletion || skip.has('deletes'), (it) => {
      it('tombstones the interaction and drops its text', async () => {
        const deletion = options.webhook!.deletion!;
        await deliver(deletion.original);
        await deliver(deletion.deletion);
        const row = await ledger.getInteraction(deletion.id);
        expect(row?.state).toBe('deleted');
        expect(row?.text).toBe('');
        expect(row?.raw).toBeUndefined();
      });
    });

    const canReply = (capabilities.reply || capabilities.directMessage) && options.reply !== undefined;

    group('threading', !canReply || skip.has('threading'), (it) => {
      it('sends the documented request and records the reply in the same conversation', async () => {
        const target = await createTarget();
        options.reply!.routes(server);
        const before = server.calls.length;
        const sent = await crm.reply(target.id, options.reply!.text ?? 'Thank you, we are on it.');
        const call = server.calls.at(-1);
        expect(server.calls.length).toBeGreaterThan(before);
        options.reply!.expectRequest(call!);
        expect(sent.direction).toBe('outbound');
        expect(sent.conversationId).toBe(target.conversationId);
        expect(sent.parentId).toBe(target.nativeId);
        expect(sent.customerId).toBe(target.customerId);
        expect(await ledger.getInteraction(sent.id)).not.toBeNull();
      });
    });

    group('reply errors', !canReply || !options.reply?.error || skip.has('reply-errors'), (it) => {
      it("turns a refused send into a ChannelApiError carrying the network's error code", async () => {
        const target = await createTarget();
        const refusal = options.reply!.error!;
        // The working endpoints first (a network may read the thread before it posts), then the refusal over them.
        options.reply!.routes(server);
        refusal.routes(server);
        let thrown: unknown;
        try {
          await crm.reply(target.id, 'This one is refused');
        } catch (error) {
          thrown = error;
        }
        expectRefusal(thrown, sendThrew, refusal, 'send', 'crm.reply');
      });
    });

    group('rate limits', !canReply || !options.reply?.rateLimited || skip.has('rate-limit'), (it) => {
      it('retries a 429 after the reset the network names, not before', async () => {
        const target = await createTarget();
        options.reply!.rateLimited!(server, 1);
        const before = server.calls.length;
        await crm.reply(target.id, 'After the reset');
        const attempts = server.calls.slice(before);
        expect(attempts.length).toBeGreaterThanOrEqual(2);
        expect(attempts.at(-1)!.at - attempts[0]!.at).toBeGreaterThanOrEqual(900);
      });
      it('fails fast with a retryable RateLimitError when the reset is too far away', async () => {
        const target = await createTarget();
        options.reply!.rateLimited!(server, 3600);
        let thrown: unknown;
        try {
          await crm.reply(target.id, 'Too soon');
        } catch (error) {
          thrown = error;
        }
        expect(isSocialCrmError(thrown, 'RATE_LIMITED')).toBe(true);
        expect((thrown as SocialCrmError & { isRetryable: boolean }).isRetryable).toBe(true);
      });
    });

    const canPublish = capabilities.publish === true && options.publish !== undefined;
    const publishRequest = (key: string, text?: string) => ({
      ...(options.publish?.request ?? { text: 'Yeni mağazamız açıldı! Our new store is open.' }),
      ...(text ? { text } : {}),
      channel: probe.id,
      campaignId: 'kit-campaign',
      idempotencyKey: key,
    });

    // Registered only for adapters that declare `publish`.
    if (capabilities.publish) group('publishing', !canPublish || skip.has('publishing'), (it) => {
      it('posts the documented request once and records an outbound public post with its campaign', async () => {
        options.publish!.routes(server);
        const post = await crm.publish(publishRequest('kit-post-1'));
        options.publish!.expectRequest([...server.calls]);
        expect(post.kind, 'rule: a publication is stored as a post').toBe('post');
        expect(post.direction).toBe('outbound');
        expect(post.visibility).toBe('public');
        expect(post.author.isBrand, "rule: the brand's own post has author.isBrand").toBe(true);
        expect(post.channel).toBe(probe.id);
        expect((post.channelMetadata.publication as { campaignId?: string } | undefined)?.campaignId).toBe('kit-campaign');
        if (options.publish!.nativeId !== undefined) expect(post.nativeId, 'rule: the post keeps the id comments on it name').toBe(options.publish!.nativeId);
        expectPlausibleTime(post);
        expect(await ledger.getInteraction(post.id)).not.toBeNull();
      });
      it.skipIf(!options.publish?.comment || !hasWebhook)('threads a comment on the published post onto it', async () => {
        options.publish!.routes(server);
        const post = await crm.publish(publishRequest('kit-post-thread'));
        expect((await deliver(options.publish!.comment!)).status).toBe(200);
        const comments = (await stored()).filter((row) => row.id !== post.id && !row.author.isBrand);
        expect(comments.length, 'the comment fixture stored nothing').toBeGreaterThan(0);
        for (const comment of comments) {
          expect(comment.conversationId, `rule: a comment on the brand's post is in the post's conversation (${comment.id}); return the id the network's comment events name the post by`).toBe(post.conversationId);
        }
      });
      it('never posts twice for one idempotency key', async () => {
        options.publish!.routes(server);
        const first = await crm.publish(publishRequest('kit-post-2'));
        const calls = server.calls.length;
        const again = await crm.publish(publishRequest('kit-post-2'));
        expect(again.id).toBe(first.id);
        expect(server.calls.length, 'rule: a repeated idempotency key makes no call').toBe(calls);
      });
    });

    if (capabilities.publish) group('publish errors', !canPublish || !options.publish?.error || skip.has('publish-errors'), (it) => {
      it("turns a refused post into a ChannelApiError carrying the network's error code", async () => {
        const refusal = options.publish!.error!;
        options.publish!.routes(server);
        refusal.routes(server);
        let thrown: unknown;
        try {
          await crm.publish(publishRequest('kit-refused'));
        } catch (error) {
          thrown = error;
        }
        expectRefusal(thrown, sendThrew, refusal, 'post', 'crm.publish');
        expect((await stored()).filter((row) => row.kind === 'post'), 'rule: a refused post stores nothing').toHaveLength(0);
      });
    });

    if (capabilities.publish) group('publish rate limit', !canPublish || !options.publish?.rateLimited || skip.has('publish-rate-limit'), (it) => {
      it('retries a 429 after the reset the network names, and posts once', async () => {
        options.publish!.rateLimited!(server, 1);
        const post = await crm.publish(publishRequest('kit-limited'));
        const attempts = server.calls;
        expect(attempts.length).toBeGreaterThanOrEqual(2);
        expect(attempts.at(-1)!.at - attempts[0]!.at).toBeGreaterThanOrEqual(900);
        expect(await ledger.getInteraction(post.id)).not.toBeNull();
      });
      it('fails fast with a retryable RateLimitError when the reset is too far away, leaving the post free to be tried again', async () => {
        options.publish!.rateLimited!(server, 3600);
        let thrown: unknown;
        try {
          await crm.publish(publishRequest('kit-later'));
        } catch (error) {
          thrown = error;
        }
        expect(isSocialCrmError(thrown, 'RATE_LIMITED')).toBe(true);
        expect((thrown as SocialCrmError & { isRetryable: boolean }).isRetryable).toBe(true);
        const record = await (ledger as InteractionLedger & { getSend(key: string): Promise<{ state: string } | null> }).getSend('kit-later');
        expect(record?.state, 'rule: a post refused for a rate limit did not reach the network: a later call with the same key may send it').toBe('failed');
        expect((await stored()).filter((row) => row.kind === 'post')).toHaveLength(0);
      });
    });

    // Registered only for adapters that download files (an optional method, not a capability flag).
    if (probe.doFetchAttachment) group('attachments', !options.attachments || skip.has('attachments'), (it) => {
      // 70 bytes of a fixed pattern: enough to tell a truncated or altered download.
      const bytes = Uint8Array.from({ length: 70 }, (_, index) => (index * 37 + 11) % 256);
      it('downloads exactly the bytes the network serves, with their size and SHA-256', async () => {
        const target = await createTarget(options.attachments!);
        options.attachments!.routes(server, bytes);
        const content = await crm.fetchAttachment(target.id, options.attachments!.index ?? 0);
        expect([...content.body]).toEqual([...bytes]);
        expect(content.size).toBe(bytes.length);
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
        expect(content.sha256).toBe([...digest].map((byte) => byte.toString(16).padStart(2, '0')).join(''));
      });
      it('refuses a file over maxBytes with a non-retryable ChannelApiError', async () => {
        const target = await createTarget(options.attachments!);
        options.attachments!.routes(server, bytes);
        let thrown: unknown;
        try {
          await crm.fetchAttachment(target.id, options.attachments!.index ?? 0, { maxBytes: bytes.length - 1 });
        } catch (error) {
          thrown = error;
        }
        expect(isSocialCrmError(thrown, 'CHANNEL_API_ERROR')).toBe(true);
        expect((thrown as SocialCrmError & { isRetryable: boolean }).isRetryable).toBe(false);
      });
    });

    group('polling', !capabilities.poll || !options.poll || skip.has('polling'), (it) => {
      it('resumes from the saved cursor without gaps or duplicates', async () => {
        options.poll!.routes(server);
        const [first] = await crm.poll({ maxPages: 1 });
        expect(first?.error).toBeUndefined();
        expect(first?.stored).toBeGreaterThan(0);
        expect(first!.stored).toBeLessThan(options.poll!.totalInteractions);
        const [second] = await crm.poll({ maxPages: 50 });
        expect(second?.error).toBeUndefined();
        const [third] = await crm.poll({ maxPages: 50 });
        expect(third?.stored).toBe(0);
        const rows = await stored();
        expect(new Set(rows.map((row) => row.id)).size).toBe(rows.length);
        expect(rows.length).toBe(options.poll!.totalInteractions);
        expect(first!.stored + second!.stored).toBe(options.poll!.totalInteractions);
        for (const row of rows) expectPlausibleTime(row);
      });
    });
  });
  return { checks, hooks };
}

/** The time check every stored interaction gets: a real network time, not a unit mix-up. */
function expectPlausibleTime(row: Interaction): void {
  expect(row.createdAt, `rule: createdAt is UTC ISO-8601 (${row.id})`).toMatch(/Z$/);
  const at = Date.parse(row.createdAt);
  const hint = at < EARLIEST_PLAUSIBLE_TIME ? ' (a 1970 date: epoch seconds read as milliseconds?)' : ' (far in the future: epoch milliseconds read as seconds?)';
  expect(
    at >= EARLIEST_PLAUSIBLE_TIME && at <= Date.now() + FUTURE_TOLERANCE_MS,
    `rule: createdAt is the time the network gives, after 2006 and at most a day ahead; ${row.id} has ${row.createdAt}${hint}`,
  ).toBe(true);
}

/** Checks one declared interaction against what was stored. */
function expectDeclared(rows: Interaction[], expected: ExpectedInteraction, fixture: string): void {
  const row = rows.find((candidate) => candidate.id === expected.id);
  expect(row, `rule: the fixture "${fixture}" stores ${expected.id}, as its expect declares (stored: ${rows.map((candidate) => candidate.id).join(', ')})`).toBeDefined();
  const { id } = expected;
  if (expected.createdAt !== undefined) {
    expect(new Date(row!.createdAt).toISOString(), `rule: createdAt is the time the network gives, in UTC (${id}; seconds read as milliseconds, or a lost time zone?)`).toBe(new Date(expected.createdAt).toISOString());
  }
  if (expected.visibility !== undefined) expect(row!.visibility, `rule: visibility says who can see it: a direct message or closed chat is private, a public post public (${id})`).toBe(expected.visibility);
  if (expected.direction !== undefined) expect(row!.direction, `rule: direction says who wrote to whom: inbound to the brand, outbound from it, peer between customers (${id})`).toBe(expected.direction);
  if (expected.brand !== undefined) {
    expect(row!.author.isBrand === true, `rule: author.isBrand marks only the brand's own account (${id} ${expected.brand ? 'is' : 'is not'} the brand's)`).toBe(expected.brand);
    if (!expected.brand) expect(row!.customerId, `rule: a person's interaction is attributed to a customer (${id})`).toBeTruthy();
  }
  if (expected.authorId !== undefined) {
    expect(row!.author.nativeId, `rule: author.nativeId is the network's stable user id, not a handle or username that can change (${id}${row!.author.handle !== undefined ? `; handle ${row!.author.handle}` : ''})`).toBe(expected.authorId);
  }
  if (expected.kind !== undefined) expect(row!.kind, `rule: kind is what the item is on the network (${id})`).toBe(expected.kind);
}

/**
 * The rules for a send the network refused: the call fails with a ChannelApiError the adapter
 * itself threw (`adapterThrew`), with code CHANNEL_API_ERROR, the network's own error code and
 * status, and retryable as the refusal says (by default: 5xx only).
 */
function expectRefusal(
  thrown: unknown,
  adapterThrew: unknown,
  refusal: { platformCode?: string | number; status?: number; retryable?: boolean },
  noun: 'send' | 'post',
  call: string,
): void {
  expect(thrown, `rule: a ${noun} the network refuses fails ${call}`).toBeDefined();
  // The crm maps what an adapter lets through, but the adapter's other callers (and its own
  // retries) see the raw error: the adapter itself must throw the typed one.
  expect(
    isChannelApiError(adapterThrew) && typeof (adapterThrew as ChannelApiError).isRetryable === 'boolean',
    `rule: a refused ${noun} reaches the host as a ChannelApiError: pass the HTTP error through toChannelApiError(adapterId, error, decodeError) (the adapter threw ${describeThrown(adapterThrew)})`,
  ).toBe(true);
  const error = thrown as ChannelApiError;
  expect(error.code, `rule: a refused ${noun} has the code CHANNEL_API_ERROR`).toBe('CHANNEL_API_ERROR');
  if (refusal.platformCode !== undefined) {
    expect(error.platformCode, `rule: a refused ${noun} carries the network's own error code as platformCode (read from its error body by the adapter's decodeError)`).toBe(refusal.platformCode);
  }
  if (refusal.status !== undefined) expect(error.status, `rule: a refused ${noun} carries the HTTP status of the refusal`).toBe(refusal.status);
  const retryable = refusal.retryable ?? (refusal.status !== undefined && refusal.status >= 500);
  expect(error.isRetryable, `rule: a refusal like this one is ${retryable ? '' : 'not '}retryable`).toBe(retryable);
}

function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return `${thrown.name}${isSocialCrmError(thrown) ? ` ${(thrown as SocialCrmError).code}` : ''}: ${thrown.message.slice(0, 200)}`;
  return String(thrown);
}

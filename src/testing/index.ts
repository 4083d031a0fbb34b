/**
 * Conformance kits and test helpers for hosts and plugin authors. Needs `vitest` and `msw`
 * as dev dependencies of your project.
 *
 * - `describeLedger()` checks a storage-port implementation.
 * - `describeChannelAdapter()` checks a channel adapter: options, capabilities, signatures,
 *   parsing, idempotency, malformed input, edits, deletes, threading, rate limits, polling, and
 *   publishing for adapters that declare `publish`.
 * - `createChannelTestServer()` mocks a network at the HTTP boundary and records every call.
 * - `checkLedger()` and `checkChannelAdapter()` run the same checks without registering tests and
 *   return every outcome (to prove your own seeded mistakes are caught, or to report elsewhere).
 * - `canonicalFixtures`, `canonicalWebhookRequest()` and `signCanonicalWebhook()` make real, signed
 *   deliveries to the canonical webhook adapter.
 *
 * @module social-crm/testing
 */
export { checkLedger, describeLedger } from './ledger-suite.js';
export type { DescribeLedgerOptions, LedgerOracle, LedgerSuiteGroup, LedgerUnderTest, OracleInteraction } from './ledger-suite.js';
export type { ConformanceResult } from './_kit.js';
export { checkChannelAdapter, describeChannelAdapter } from './channel-suite.js';
export type { ChannelSuiteGroup, DescribeChannelAdapterOptions, ExpectedInteraction, PublishFixture, RefusalFixture, WebhookBody, WebhookFixture } from './channel-suite.js';
export { createChannelTestServer } from './test-server.js';
export type { ChannelTestServer, RecordedCall, RouteContext } from './test-server.js';
export { makeCustomer, makeIdentityRecord, makeInteraction } from './fixtures.js';
export { canonicalFixtures, canonicalWebhookRequest, signCanonicalWebhook } from './canonical.js';

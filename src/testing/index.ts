/**
 * Conformance kits and test helpers for hosts and plugin authors. Needs `vitest` (and `msw`
 * for the channel kit) as dev dependencies of your project.
 *
 * @module
 */
export { describeLedger } from './ledger-suite.js';
export type { DescribeLedgerOptions, LedgerSuiteGroup } from './ledger-suite.js';
export { makeCustomer, makeIdentityRecord, makeInteraction } from './fixtures.js';

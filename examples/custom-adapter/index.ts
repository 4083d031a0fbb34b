/**
 * The entry of a third-party adapter package, e.g. `social-crm-complaint-site`: named exports
 * only (no default export, so CommonJS users need no `.default`).
 *
 * @example
 * import { createSocialCrm, memoryLedger } from 'social-crm';
 * import { complaintSiteAdapter } from 'social-crm-complaint-site';
 *
 * const crm = createSocialCrm({
 *   ledger: memoryLedger(),
 *   adapters: [complaintSiteAdapter({ secret: secrets.COMPLAINTS_SECRET, apiToken: secrets.COMPLAINTS_TOKEN })],
 * });
 */
export {
  complaintSiteAdapter,
  COMPLAINT_SIGNATURE_HEADER,
  COMPLAINT_TIMESTAMP_HEADER,
  type ComplaintSiteAdapterOptions,
} from './complaint-site-adapter.js';

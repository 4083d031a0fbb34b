/**
 * `social-crm/campaigns`: permission-based outreach to a segment, paced, resumable and attributed.
 * See docs/guide/campaigns.md.
 *
 * @module social-crm/campaigns
 */
export { campaignSendKey, createCampaigns } from './campaigns.js';
export type {
  AudienceMember,
  AudiencePreview,
  CampaignAudience,
  CampaignDefinition,
  CampaignMessage,
  CampaignRunResult,
  Campaigns,
  CampaignsCrm,
  CampaignsOptions,
  CampaignStatus,
  Exclusion,
  ExclusionReason,
} from './campaigns.js';
export type { CampaignResults, CampaignTouch, ChannelResults, ConversionCounter } from './results.js';
export { DEFAULT_OPT_OUT_CONFIRMATIONS, DEFAULT_OPT_OUT_WORDS, matchOptOut, normalizeOptOut } from './opt-out.js';
export type { QuietHours } from './quiet-hours.js';
export type { ThrottleSettings } from './throttle.js';
export { DEFAULT_THROTTLE } from './throttle.js';

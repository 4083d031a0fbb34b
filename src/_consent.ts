/**
 * The consent rule for messages the brand starts, shared by `crm.sendMessage()` and the campaigns.
 *
 * @internal
 * @module
 */
import type { ConsentRecord } from './ledger.js';

/**
 * Whether a consent record allows a marketing message: recorded as opted in (to marketing, or to
 * every message) and not withdrawn since. No record means no permission.
 */
export function consentAllows(consent: ConsentRecord | null): boolean {
  return consent?.status === 'opted-in';
}

/** Why {@link consentAllows} refuses, in words. */
export function consentRefusal(key: string, consent: ConsentRecord | null): string {
  return consent ? `${key} opted out (${consent.purpose ?? 'all'}, ${consent.source}, ${consent.updatedAt})` : `${key} never opted in to marketing messages`;
}

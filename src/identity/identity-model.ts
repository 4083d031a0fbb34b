/**
 * How channel identities become linkable records: the fields, the comparisons, the
 * blocking keys and default Fellegi–Sunter parameters for social profiles.
 *
 * @module
 */
import type { ChannelIdentity } from '../interaction.js';
import { identityKey } from '../interaction.js';
import type { BlockingRule } from './blocking.js';
import type { ComparisonSpec } from './comparisons.js';
import type { FellegiSunterModel } from './fellegi-sunter.js';
import type { LinkRecord } from './link-records.js';
import { normalizeEmail, normalizeHandle, normalizeName, normalizePhone, soundex } from './normalize.js';

/** Fields of an identity record: `name`, `handle`, `email`, `phone`. */
export const identityComparisons: ComparisonSpec[] = [
  { type: 'name', field: 'name', termFrequency: true },
  { type: 'handle', field: 'handle' },
  { type: 'email', field: 'email' },
  { type: 'phone', field: 'phone' },
];

/** Candidate identities share an email, a phone, a handle without separators, or a name. */
export const identityBlockingRules: BlockingRule[] = [['email:email'], ['phone:phone'], ['handle:handle'], ['name:sorted-tokens']];

/**
 * Default parameters for {@link identityComparisons}, used when a deployment supplies
 * none. m: how often a true match shows the level; u: how often two different people do.
 */
export const defaultIdentityModel: FellegiSunterModel = {
  lambda: 0.01,
  comparisons: [
    // name: equal, equal (one word), ≥ 0.92, ≥ 0.8, different
    { name: 'name', m: [0.6, 0.1, 0.18, 0.07, 0.05], u: [0.002, 0.01, 0.01, 0.05, 0.928] },
    // handle: equal, equal without separators, similar, different
    { name: 'handle', m: [0.45, 0.2, 0.1, 0.25], u: [0.0005, 0.001, 0.005, 0.9935] },
    // email: same address, similar user name, different
    { name: 'email', m: [0.85, 0.05, 0.1], u: [0.000001, 0.0005, 0.999499] },
    // phone: same number, same last seven digits, different
    { name: 'phone', m: [0.88, 0.04, 0.08], u: [0.000001, 0.00001, 0.999989] },
  ],
};

/** Normalised values of an identity, as a linkable record (`source` is the channel). */
export function identityToRecord(identity: ChannelIdentity, defaultRegion?: string): LinkRecord {
  const phone = identity.phone ? normalizePhone(identity.phone, defaultRegion) : undefined;
  return {
    id: identityKey(identity),
    source: identity.channel,
    fields: {
      name: identity.displayName,
      handle: identity.handle,
      email: identity.email,
      phone: phone ? phone.value || identity.phone : undefined,
    },
  };
}

/** The blocking keys the merger stores with an identity and looks candidates up by. */
export function identityBlockingKeys(identity: ChannelIdentity, defaultRegion?: string): string[] {
  const keys: string[] = [];
  if (identity.email) {
    const email = normalizeEmail(identity.email);
    if (email.valid) keys.push(`email:${email.value}`);
  }
  if (identity.phone) {
    const phone = normalizePhone(identity.phone, defaultRegion);
    if (phone.valid) keys.push(`phone:${phone.value}`);
    else if (phone.value.length >= 7) keys.push(`phone-tail:${phone.value.slice(-7)}`);
  }
  if (identity.handle) {
    const handle = normalizeHandle(identity.handle, identity.channel);
    if (handle.core.length >= 3) keys.push(`handle:${handle.core}`);
  }
  if (identity.displayName) {
    const name = normalizeName(identity.displayName, identity.locale);
    if (name.tokens.length > 0) keys.push(`name:${[...name.tokens].sort().join(' ')}`);
    const first = name.tokens[0];
    const last = name.tokens.at(-1);
    if (first && last && name.tokens.length > 1) keys.push(`name-sound:${soundex(first)}:${soundex(last)}`);
  }
  return keys;
}

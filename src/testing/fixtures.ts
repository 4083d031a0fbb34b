import { interactionId, type Customer, type IdentityRecord, type Interaction } from 'social-crm';

let counter = 0;

/**
 * A valid stored {@link Interaction} for tests; every field can be overridden.
 * Ids are derived from `channel` + `nativeId` exactly as the pipeline derives them.
 */
export function makeInteraction(overrides: Partial<Interaction> = {}): Interaction {
  counter++;
  const channel = overrides.channel ?? 'test';
  const nativeId = overrides.nativeId ?? `n${counter}`;
  const createdAt = overrides.createdAt ?? new Date(Date.UTC(2026, 0, 1, 0, 0, counter % 60, counter % 1000)).toISOString();
  return {
    id: interactionId(channel, nativeId),
    channel,
    nativeId,
    kind: 'comment',
    direction: 'inbound',
    visibility: 'public',
    author: { channel, nativeId: `user-${counter % 7}`, handle: `user${counter % 7}` },
    conversationId: interactionId(channel, nativeId),
    text: `message ${counter}`,
    createdAt,
    receivedAt: createdAt,
    attachments: [],
    state: 'active',
    channelMetadata: {},
    ...overrides,
    ...(overrides.id ? {} : { id: interactionId(channel, nativeId) }),
  };
}

/** A valid {@link Customer} for tests. */
export function makeCustomer(overrides: Partial<Customer> = {}): Customer {
  counter++;
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, 0, counter)).toISOString();
  return { id: `cus_${counter}`, identityKeys: [], attributes: {}, createdAt: at, updatedAt: at, ...overrides };
}

/** A valid {@link IdentityRecord} for tests. */
export function makeIdentityRecord(overrides: Partial<IdentityRecord> & { customerId: string }): IdentityRecord {
  counter++;
  const channel = overrides.identity?.channel ?? 'test';
  const nativeId = overrides.identity?.nativeId ?? `id-${counter}`;
  const at = new Date(Date.UTC(2026, 0, 1)).toISOString();
  return {
    key: `${channel}:${nativeId}`,
    identity: { channel, nativeId },
    blockingKeys: [],
    attested: false,
    firstSeenAt: at,
    lastSeenAt: at,
    ...overrides,
  };
}

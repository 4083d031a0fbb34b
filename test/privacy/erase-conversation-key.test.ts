import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { migrateConversationId, privateConversationKey } from 'social-crm';

const PHONE = '905551112233';
const BUSINESS = '106540352242922';

describe('private conversation keys', () => {
  it('are stable, opaque and carry neither party in clear', () => {
    const key = privateConversationKey(BUSINESS, PHONE);
    expect(key, 'the same parties always give the same key (threading stays stable)').toBe(privateConversationKey(BUSINESS, PHONE));
    expect(key).toMatch(/^pc-[0-9a-f]{32}$/);
    expect(key).not.toContain(PHONE);
    expect(key).not.toContain(BUSINESS);
    expect(privateConversationKey(BUSINESS, '905551112234'), 'another customer gets another key').not.toBe(key);
    expect(privateConversationKey(`${BUSINESS}-${PHONE}`), 'parts are not interchangeable with a joined string of another separator').not.toBe(key);
  });

  it('are SHA-256 of the domain and the parts, the digest PostgreSQL computes in the migration', () => {
    const expected = createHash('sha256').update(`social-crm/conversation\u001f${BUSINESS}:${PHONE}`).digest('hex').slice(0, 32);
    expect(privateConversationKey(BUSINESS, PHONE)).toBe(`pc-${expected}`);
  });

  it('maps the readable ids stored before them, and leaves every other id alone', () => {
    expect(migrateConversationId('whatsapp', `whatsapp:${BUSINESS}:${PHONE}`)).toBe(`whatsapp:${privateConversationKey(BUSINESS, PHONE)}`);
    expect(migrateConversationId('messenger', 'messenger:111-222')).toBe(`messenger:${privateConversationKey('111-222')}`);
    expect(migrateConversationId('x', 'x:1891300000000000003'), 'a public thread root').toBeNull();
    expect(migrateConversationId('facebook', 'facebook:111_222'), 'a Page post').toBeNull();
    expect(migrateConversationId('whatsapp', `messenger:${BUSINESS}:${PHONE}`), 'another channel').toBeNull();
    expect(migrateConversationId('whatsapp', `whatsapp:${privateConversationKey(BUSINESS, PHONE)}`), 'already migrated').toBeNull();
  });
});

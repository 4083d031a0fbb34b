import { signCanonicalWebhook } from 'social-crm/testing';

export const CANONICAL_SECRET = 'test-secret-0123456789abcdef';

/** Signs a canonical-webhook body the way a sending system does. */
export async function signCanonical(body: string, secret = CANONICAL_SECRET, at = Math.floor(Date.now() / 1000)): Promise<Record<string, string>> {
  return signCanonicalWebhook(body, secret, at);
}

/** A signed webhook request for the canonical adapter. */
export async function canonicalRequest(events: unknown[], options: { path?: string; secret?: string } = {}): Promise<Request> {
  const body = JSON.stringify({ events });
  return new Request(`https://crm.example.test${options.path ?? '/webhooks/canonical'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await signCanonical(body, options.secret)) },
    body,
  });
}

/** A canonical interaction input. */
export function post(nativeId: string, text: string, extra: Record<string, unknown> = {}) {
  return {
    nativeId,
    kind: 'comment',
    author: { channel: 'canonical', nativeId: 'ayse', handle: 'ayse', displayName: 'Ayşe Yılmaz' },
    text,
    createdAt: '2026-11-20T10:00:00Z',
    ...extra,
  };
}

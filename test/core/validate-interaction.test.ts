import { describe, expect, it } from 'vitest';
import { InvalidInteractionError, interactionSchema, parseInteraction, validateInteraction } from 'social-crm';
import { validateInteraction as fromKit } from 'social-crm/adapter-kit';

const input = {
  channel: 'forum',
  nativeId: '42',
  kind: 'comment' as const,
  author: { channel: 'forum', nativeId: 'u1', displayName: 'Ayşe' },
  text: 'Kargom nerede?',
  createdAt: Date.UTC(2026, 10, 1),
  unknownField: 'dropped',
};
const now = () => new Date('2026-11-02T00:00:00.000Z');

describe('validateInteraction', () => {
  it('answers as the schema does, and the kit exports the same function', () => {
    const result = validateInteraction(input);
    expect(result.success).toBe(true);
    expect(result.data).toEqual(interactionSchema.parse(input));
    expect(fromKit).toBe(validateInteraction);
    const failed = validateInteraction({ ...input, text: 42 });
    expect(failed.success).toBe(false);
    expect(failed.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['text']);
  });

  it('gives the pipeline the same interaction from the checked object as from the raw input', () => {
    const checked = validateInteraction(input);
    expect(parseInteraction(checked.data!, { now })).toEqual(parseInteraction(input, { now }));
  });

  it('validates a changed copy of a checked object again', () => {
    const checked = validateInteraction(input);
    expect(() => parseInteraction({ ...checked.data!, createdAt: 'not a time' }, { now })).toThrow(InvalidInteractionError);
  });
});

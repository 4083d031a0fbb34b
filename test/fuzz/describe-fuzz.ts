import { describe, expect, it } from 'vitest';
import { fuzzWebhook, TEST_CASES, TEST_SEED, type WebhookFuzzTarget } from './fuzz-kit.js';

/**
 * The fuzz test of one adapter: seeded, bounded cases through `crm.handleWebhook` and the queue
 * intake. A failure prints the seed and the shrunk body; rerun with `SOCIAL_CRM_FUZZ_SEED=<seed>`.
 */
export function describeWebhookFuzz(name: string, target: WebhookFuzzTarget): void {
  describe(`${name} webhook under fuzzing (seed ${TEST_SEED}, ${TEST_CASES} cases)`, () => {
    it.each(['handleWebhook', 'queue-intake'] as const)('holds through %s: no 5xx, nothing kept unsigned, times believable, dead letters replayable, no secret out', async (entry) => {
      const stats = await fuzzWebhook(target, { cases: TEST_CASES, seed: TEST_SEED, entry });
      expect(stats.problems).toEqual([]);
      expect(stats.cases).toBe(TEST_CASES);
      // The generators reach both sides: some mutants are accepted, some refused.
      expect(stats.statuses[401]).toBeGreaterThan(0);
      expect((stats.statuses[200] ?? 0) + (stats.statuses[400] ?? 0)).toBeGreaterThanOrEqual(TEST_CASES);
    });
  });
}

/**
 * The machinery both kits share: checks are plain async functions grouped by contract area, which
 * `describe*()` registers as vitest tests and `check*()` runs directly, collecting what failed.
 *
 * @internal
 * @module
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from 'vitest';

/** What a check can do besides asserting: leave itself out, saying why. */
export interface KitContext {
  skip(reason?: string): never;
}

/** One check of a kit. */
export interface KitCheck {
  /** The group's title, e.g. `interactions` or `parsing`. */
  group: string;
  /** The rule the check holds the implementation to. */
  rule: string;
  /** Left out by the kit's options or by a missing capability. */
  skipped: boolean;
  run(context: KitContext): Promise<unknown>;
}

/** Set-up and tear-down around each check (and around the whole run). */
export interface KitHooks {
  beforeAll?(): unknown;
  afterAll?(): unknown;
  beforeEach?(): unknown;
  afterEach?(): unknown;
}

/** The outcome of one check run by `checkLedger()` or `checkChannelAdapter()`. */
export interface ConformanceResult {
  group: string;
  rule: string;
  status: 'passed' | 'failed' | 'skipped';
  /** For a failure: the message a vitest run would show, starting with the rule broken. For a skip: why. */
  message?: string;
  /** For a failure: the error thrown (its message is `message`). */
  error?: unknown;
}

/** Adds a group of checks: `title`, whether the whole group is left out, and its checks. */
export type KitGroup = (title: string, skipped: boolean, body: (check: KitCheckFunction) => void) => void;
/** Adds one check to the group; `skip` leaves it out (a capability or a fixture is missing). */
export type KitCheckFunction = ((rule: string, run: (context: KitContext) => Promise<unknown>, options?: { skip?: boolean }) => void) & {
  /** The same, left out when `condition` holds (reads like vitest's `it.skipIf`). */
  skipIf(condition: boolean): (rule: string, run: (context: KitContext) => Promise<unknown>) => void;
};

/** Collects the checks `body` defines. */
export function defineChecks(body: (group: KitGroup) => void): KitCheck[] {
  const checks: KitCheck[] = [];
  body((title, groupSkipped, define) => {
    const check: KitCheckFunction = Object.assign(
      (rule: string, run: (context: KitContext) => Promise<unknown>, options?: { skip?: boolean }) => {
        checks.push({ group: title, rule, skipped: groupSkipped || options?.skip === true, run });
      },
      { skipIf: (condition: boolean) => (rule: string, run: (context: KitContext) => Promise<unknown>) => check(rule, run, { skip: condition }) },
    );
    define(check);
  });
  return checks;
}

/** Prefixes an error's message with the rule it broke, once. */
function nameTheRule(error: unknown, prefix: string, group: string, rule: string): unknown {
  if (error instanceof Error && !error.message.startsWith(prefix)) {
    try {
      error.message = `${prefix} (${group} › ${rule}):\n${error.message}`;
    } catch {
      return new Error(`${prefix} (${group} › ${rule}):\n${error.message}`, { cause: error });
    }
  }
  return error;
}

/**
 * Registers the checks as vitest tests: one `describe(title)`, one nested `describe` per group, one
 * test per check. A failure's message starts with `<prefix> (<group> › <rule>)`.
 */
export function describeChecks(title: string, prefix: string, checks: KitCheck[], hooks: KitHooks): void {
  const groups = new Map<string, KitCheck[]>();
  for (const check of checks) groups.set(check.group, [...(groups.get(check.group) ?? []), check]);
  describe(title, () => {
    if (hooks.beforeAll) beforeAll(async () => void (await hooks.beforeAll!()));
    if (hooks.afterAll) afterAll(async () => void (await hooks.afterAll!()));
    if (hooks.beforeEach) beforeEach(async () => void (await hooks.beforeEach!()));
    if (hooks.afterEach) afterEach(async () => void (await hooks.afterEach!()));
    for (const [group, members] of groups) {
      describe.skipIf(members.every((check) => check.skipped))(group, () => {
        for (const check of members) {
          it.skipIf(check.skipped)(check.rule, async (context) => {
            try {
              await check.run({ skip: (reason) => context.skip(reason) as never });
            } catch (error) {
              // vitest's own skip signal passes through untouched.
              if ((error as { code?: unknown })?.code === 'VITEST_PENDING') throw error;
              throw nameTheRule(error, prefix, group, check.rule);
            }
          });
        }
      });
    }
  });
}

class SkipSignal extends Error {}

/**
 * Runs the checks one after the other, with the hooks around each, and reports every outcome.
 * Never throws for a failing check; a failing hook fails the check it surrounds.
 */
export async function runChecks(prefix: string, checks: KitCheck[], hooks: KitHooks): Promise<ConformanceResult[]> {
  const results: ConformanceResult[] = [];
  const failed = (check: KitCheck, error: unknown): ConformanceResult => {
    const named = nameTheRule(error, prefix, check.group, check.rule);
    return { group: check.group, rule: check.rule, status: 'failed', message: named instanceof Error ? named.message : `${prefix} (${check.group} › ${check.rule}):\n${String(named)}`, error: named };
  };
  const active = checks.filter((check) => !check.skipped);
  if (active.length && hooks.beforeAll) await hooks.beforeAll();
  try {
    for (const check of checks) {
      if (check.skipped) {
        results.push({ group: check.group, rule: check.rule, status: 'skipped', message: 'left out by the options or the capabilities' });
        continue;
      }
      let result: ConformanceResult;
      try {
        await hooks.beforeEach?.();
        await check.run({
          skip: (reason) => {
            throw new SkipSignal(reason ?? 'skipped');
          },
        });
        result = { group: check.group, rule: check.rule, status: 'passed' };
      } catch (error) {
        result = error instanceof SkipSignal ? { group: check.group, rule: check.rule, status: 'skipped', message: error.message } : failed(check, error);
      }
      try {
        await hooks.afterEach?.();
      } catch (error) {
        if (result.status !== 'failed') result = failed(check, error);
      }
      results.push(result);
    }
  } finally {
    if (active.length && hooks.afterAll) await hooks.afterAll();
  }
  return results;
}

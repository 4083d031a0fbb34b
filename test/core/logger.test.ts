import { describe, expect, expectTypeOf, it } from 'vitest';
import { createSocialCrm, memoryLedger, toLogger, type LoggerLike, type SocialCrmOptions } from 'social-crm';
import { createInsights } from 'social-crm/insights';
import { createWorker, memoryQueue } from 'social-crm/queue';

type Call = { level: string; args: unknown[] };

/**
 * A fake with pino's shape: level methods that read `(mergingObject, message)` and use `this`,
 * `bindings()`, `child()`, `levels`, `level`. No pino installed: the shape is what is tested.
 */
function fakePino(calls: Call[]) {
  const write = (level: string) =>
    function (this: { level: string }, ...args: unknown[]) {
      if (this?.level === undefined) throw new TypeError('pino method called without its logger');
      calls.push({ level, args });
    };
  const logger = {
    level: 'debug',
    levels: { values: { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 }, labels: { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' } },
    bindings: () => ({}),
    child: () => logger,
    trace: write('trace'),
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    fatal: write('fatal'),
  };
  return logger;
}

/** A fake with the console's shape: `(...data)`, every level plus `log`. */
function fakeConsole(calls: Call[]) {
  const write = (level: string) => (...args: unknown[]) => void calls.push({ level, args });
  return { log: write('log'), debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error'), table: write('table') };
}

/** A fake with winston's shape: `(message, meta)`, `log(level, message, meta)`, `levels` by name, transports. */
function fakeWinston(calls: Call[]) {
  const logger = {
    levels: { error: 0, warn: 1, info: 2, http: 3, verbose: 4, debug: 5, silly: 6 },
    transports: [],
    log(level: string, message: string, meta?: unknown) {
      if (this !== logger) throw new TypeError('winston method called without its logger');
      calls.push({ level, args: meta === undefined ? [message] : [message, meta] });
    },
    debug(message: string, meta?: unknown) { logger.log('debug', message, meta); },
    info(message: string, meta?: unknown) { logger.log('info', message, meta); },
    warn(message: string, meta?: unknown) { logger.log('warn', message, meta); },
    error(message: string, meta?: unknown) { logger.log('error', message, meta); },
  };
  return logger;
}

describe('toLogger', () => {
  it('writes to a pino-shaped logger as (details, message), called on the logger', () => {
    const calls: Call[] = [];
    const logger = toLogger(fakePino(calls));
    logger.warn('[x] rate limited', { adapterId: 'x' });
    logger.info('[x] polled');
    expect(calls).toEqual([
      { level: 'warn', args: [{ adapterId: 'x' }, '[x] rate limited'] },
      { level: 'info', args: [{}, '[x] polled'] },
    ]);
  });

  it('writes to console- and winston-shaped loggers as (message, details)', () => {
    const consoleCalls: Call[] = [];
    toLogger(fakeConsole(consoleCalls)).error('[x] failed', { status: 500 });
    toLogger(fakeConsole(consoleCalls)).debug('[x] detail');
    expect(consoleCalls).toEqual([
      { level: 'error', args: ['[x] failed', { status: 500 }] },
      { level: 'debug', args: ['[x] detail'] },
    ]);
    const winstonCalls: Call[] = [];
    toLogger(fakeWinston(winstonCalls)).warn('[x] slow', { ms: 900 });
    expect(winstonCalls).toEqual([{ level: 'warn', args: ['[x] slow', { ms: 900 }] }]);
  });

  it('falls back to info, then log, for missing levels, and takes the order when told', () => {
    const calls: Call[] = [];
    const onlyLog = toLogger({ log: (...args: unknown[]) => void calls.push({ level: 'log', args }) });
    onlyLog.debug('a');
    onlyLog.error('b', { c: 1 });
    const told = toLogger({ info: (...args: unknown[]) => void calls.push({ level: 'info', args }) }, { order: 'details-first' });
    told.warn('d', { e: 2 });
    expect(calls).toEqual([
      { level: 'log', args: ['a'] },
      { level: 'log', args: ['b', { c: 1 }] },
      { level: 'info', args: [{ e: 2 }, 'd'] },
    ]);
    const normalised = toLogger(fakeConsole([]));
    expect(toLogger(normalised)).toBe(normalised);
  });

  it('is applied to the logger option of the crm, the queue worker and insights', async () => {
    const calls: Call[] = [];
    const pino = fakePino(calls);
    const crm = createSocialCrm({ ledger: memoryLedger(), classifier: false, logger: pino });
    crm.on('interaction-received', () => {
      throw new Error('listener bug');
    });
    await crm.ingest({ channel: 'forum', nativeId: 'p1', kind: 'post', author: { channel: 'forum', nativeId: 'u1' }, text: 'Merhaba', createdAt: '2026-01-01T00:00:00.000Z' });
    const errors = calls.filter((call) => call.level === 'error');
    expect(errors.length).toBeGreaterThan(0);
    // pino's order: the details object first, the message second.
    expect(typeof errors[0]!.args[0]).toBe('object');
    expect(errors[0]!.args[1]).toEqual(expect.stringContaining('interaction-received'));
    expect(() => createWorker(crm, memoryQueue(), { logger: pino })).not.toThrow();
    expect(() => createInsights(crm, { logger: fakeConsole([]) })).not.toThrow();
    await crm.close();
  });

  it('types: the console, pino-shaped and winston-shaped loggers are LoggerLike and fit every logger option', () => {
    expectTypeOf(console).toExtend<LoggerLike>();
    expectTypeOf(fakePino([])).toExtend<NonNullable<SocialCrmOptions['logger']>>();
    expectTypeOf(fakeWinston([])).toExtend<LoggerLike>();
  });
});

/**
 * Loggers as hosts already have them: the SDK writes `(message, details)`; pino and bunyan read
 * `(details, message)`; winston and the console read `(message, details)`. {@link toLogger} turns
 * any of them into the SDK's {@link Logger}.
 *
 * @module
 */
import type { Logger } from './adapter.js';

/** One level's method of a logger, whatever its argument order. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LogMethod = (...args: any[]) => unknown;

/**
 * A logger the SDK accepts as it is: the SDK's own {@link Logger}, pino, bunyan, winston, the
 * console, or any object with some of these methods (a missing level falls back to `info`, then
 * `log`, else is dropped).
 */
export interface LoggerLike {
  debug?: LogMethod;
  info?: LogMethod;
  warn?: LogMethod;
  error?: LogMethod;
  log?: LogMethod;
}

/** Options of {@link toLogger}. */
export interface ToLoggerOptions {
  /**
   * Argument order of the logger's methods: `details-first` for pino and bunyan, `message-first`
   * for winston, the console and the SDK's own. @default detected: `details-first` for a pino
   * (`bindings()`) or bunyan (`fields` and `streams`) logger, else `message-first`
   */
  order?: 'details-first' | 'message-first';
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const NORMALISED = Symbol.for('social-crm.logger');

/** Whether `logger` reads `(details, message)`, as pino and bunyan do. */
function readsDetailsFirst(logger: LoggerLike): boolean {
  const candidate = logger as Record<string, unknown>;
  if (typeof candidate.bindings === 'function') return true;
  return typeof candidate.fields === 'object' && candidate.fields !== null && Array.isArray(candidate.streams);
}

/**
 * The SDK's {@link Logger} over a host's logger, called as its own methods (pino and winston need
 * their `this`). Every option that takes a `logger` does this for you.
 * @example toLogger(pino()).warn('[social-crm] ...', { adapterId }) // pino gets ({ adapterId }, '[social-crm] ...')
 */
export function toLogger(logger: LoggerLike, options: ToLoggerOptions = {}): Logger {
  if ((logger as Record<symbol, unknown>)[NORMALISED] === true) return logger as Logger;
  const detailsFirst = options.order ? options.order === 'details-first' : readsDetailsFirst(logger);
  const methodFor = (level: (typeof LEVELS)[number]): string | undefined =>
    [level, 'info', 'log'].find((name) => typeof (logger as Record<string, unknown>)[name] === 'function');
  const write = (level: (typeof LEVELS)[number]) => {
    const name = methodFor(level);
    if (!name) return () => {};
    const call = (...args: unknown[]) => (logger as Record<string, LogMethod>)[name]!(...args);
    if (detailsFirst) return (message: string, details?: Record<string, unknown>) => void call(details ?? {}, message);
    return (message: string, details?: Record<string, unknown>) => void (details === undefined ? call(message) : call(message, details));
  };
  const normalised: Logger & { [NORMALISED]: true } = {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    [NORMALISED]: true,
  };
  return normalised;
}

/**
 * The one options-parse helper and the one default logger of the core entries.
 *
 * @internal
 * @module
 */
import type { z } from 'zod';
import type { Logger } from './adapter.js';
import { InvalidOptionsError, formatIssues, toValidationIssues } from './errors.js';

/** Warnings and errors to the console, nothing else: the default of every entry point. */
export const defaultLogger: Logger = {
  debug() {},
  info() {},
  warn(message, details) {
    console.warn(message, details ?? '');
  },
  error(message, details) {
    console.error(message, details ?? '');
  },
};

/**
 * Validates a factory's options once, at construction time, and returns the parsed copy.
 * @throws InvalidOptionsError naming the factory and each offending option.
 */
export function parseOptions<Schema extends z.ZodType>(factory: string, schema: Schema, input: unknown): z.output<Schema> {
  return parseWithSchema(schema, input, `${factory}() options are invalid:`);
}

/**
 * The same, with the first line of the error message given (`[classifier] Invalid options ...`).
 * @throws InvalidOptionsError listing each offending option under `heading`.
 */
export function parseWithSchema<Schema extends z.ZodType>(schema: Schema, input: unknown, heading: string): z.output<Schema> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issues = toValidationIssues(result.error.issues);
  throw new InvalidOptionsError(`${heading}\n${formatIssues(issues)}`, issues, { cause: result.error });
}

import type { z } from 'zod';
import { InvalidOptionsError, formatIssues, toValidationIssues } from './errors.js';
import { parseWithSchema } from './_options.js';

/**
 * Validates an adapter factory's options with its zod schema, once, at construction time.
 * Returns a parsed copy (the caller's object is never mutated).
 * @throws InvalidOptionsError naming the adapter and each offending option.
 * @example const options = parseAdapterOptions(ADAPTER_ID, optionsSchema, input);
 */
export function parseAdapterOptions<Schema extends z.ZodType>(adapterId: string, schema: Schema, input: unknown): z.output<Schema> {
  return parseWithSchema(schema, input, `[${adapterId}] Invalid adapter options:`);
}

/**
 * Parses the per-call `channelOptions[adapterId]` of a reply with the adapter's schema.
 * @throws InvalidOptionsError
 */
export function parseChannelOptions<Schema extends z.ZodType>(adapterId: string, schema: Schema, channelOptions: Record<string, unknown> | undefined): z.output<Schema> {
  const result = schema.safeParse(channelOptions?.[adapterId] ?? {});
  if (result.success) return result.data;
  const issues = toValidationIssues(result.error.issues).map((issue) => ({ ...issue, path: `channelOptions.${adapterId}${issue.path ? `.${issue.path}` : ''}` }));
  throw new InvalidOptionsError(`[${adapterId}] Invalid channelOptions:\n${formatIssues(issues)}`, issues);
}

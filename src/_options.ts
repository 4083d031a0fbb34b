/**
 * The one options-parse helper and the one default logger of the core entries.
 *
 * @internal
 * @module
 */
import type { z } from 'zod';
import type { Logger } from './adapter.js';
import { levenshtein } from './_edit-distance.js';
import { toLogger, type LoggerLike } from './logger.js';
import { InvalidOptionsError, formatIssues, toValidationIssues, type ValidationIssue } from './errors.js';

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

/** The host's logger as the SDK's, or the default one. */
export function loggerFrom(logger: LoggerLike | undefined): Logger {
  return logger ? toLogger(logger) : defaultLogger;
}

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
  const value = input ?? {};
  const unknown = unknownOptions(schema, value);
  const result = schema.safeParse(value);
  if (result.success && unknown.length === 0) return result.data;
  // zod's own `unrecognized_keys` (strict objects) are the same findings without the suggestion.
  const zodIssues = result.success ? [] : toValidationIssues(result.error.issues.filter((issue) => issue.code !== 'unrecognized_keys' || unknown.length === 0));
  const issues = [...unknown, ...zodIssues];
  throw new InvalidOptionsError(`${heading}\n${formatIssues(issues)}`, issues, result.success ? {} : { cause: result.error });
}

/**
 * The closest of `known` to `key` ("did you mean"): the same name in another case, or one at most
 * a third of its length of edits away (two at least).
 */
export function closestName(key: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3));
  for (const name of known) {
    if (name.toLowerCase() === key.toLowerCase()) return name;
    const distance = levenshtein(key.toLowerCase(), name.toLowerCase(), bestDistance);
    if (distance <= bestDistance && (best === undefined || distance < bestDistance)) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

/** One issue per key of `input` that `known` lacks, with a suggestion when one is close. */
export function unknownKeyIssues(input: Record<string, unknown>, known: readonly string[], path: readonly string[] = []): ValidationIssue[] {
  return Object.keys(input)
    .filter((key) => !known.includes(key))
    .map((key) => {
      const suggestion = closestName(key, known);
      return {
        path: [...path, key].join('.'),
        message: `unknown option${suggestion ? `; did you mean \`${suggestion}\`?` : '.'} Known here: ${known.map((name) => `\`${name}\``).join(', ') || 'none'}.`,
      };
    });
}

/**
 * @throws InvalidOptionsError when `input` (a method's options object) has a key not in `known`.
 */
export function checkOptionKeys(method: string, input: unknown, known: readonly string[]): void {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return;
  const issues = unknownKeyIssues(input as Record<string, unknown>, known);
  if (issues.length) throw new InvalidOptionsError(`${method} options are invalid:\n${formatIssues(issues)}`, issues);
}

/** What a zod schema's internals look like to {@link unknownOptions} (zod 4). */
interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  catchall?: { _zod: { def: SchemaDef } };
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  getter?: () => z.ZodType;
}

/** The definition of a zod 4 schema; `undefined` for anything else (it is then not walked). */
const defOf = (schema: z.ZodType): SchemaDef | undefined => (schema as unknown as { _zod?: { def?: SchemaDef } })?._zod?.def;
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

/**
 * Keys of `input` that its schema does not declare, at any depth: in plain and strict objects (a
 * loose object takes any key), through optional, default, pipe, array, record, lazy and union
 * schemas. A union is judged by the options the value fits, else by the one it fits best.
 */
export function unknownOptions(schema: z.ZodType, input: unknown, path: readonly string[] = []): ValidationIssue[] {
  const def = defOf(schema);
  if (!def) return [];
  if (WRAPPERS.has(def.type)) return def.innerType ? unknownOptions(def.innerType, input, path) : [];
  if (def.type === 'pipe') return def.in ? unknownOptions(def.in, input, path) : [];
  if (def.type === 'lazy') return def.getter ? unknownOptions(def.getter(), input, path) : [];
  if (def.type === 'union' && def.options) {
    const fitting = def.options.filter((option) => option.safeParse(input).success);
    const judged = (fitting.length ? fitting : def.options).map((option) => unknownOptions(option, input, path));
    return judged.reduce((best, issues) => (issues.length < best.length ? issues : best));
  }
  if (input === null || typeof input !== 'object') return [];
  if (def.type === 'array' && def.element && Array.isArray(input)) {
    return input.flatMap((item, index) => unknownOptions(def.element!, item, [...path, String(index)]));
  }
  if (def.type === 'record' && def.valueType) {
    return Object.entries(input).flatMap(([key, value]) => unknownOptions(def.valueType!, value, [...path, key]));
  }
  if (def.type !== 'object' || !def.shape || Array.isArray(input)) return [];
  const catchall = def.catchall ? defOf(def.catchall as unknown as z.ZodType)?.type : undefined;
  const known = Object.keys(def.shape);
  const record = input as Record<string, unknown>;
  const nested = known.flatMap((key) => (key in record ? unknownOptions(def.shape![key]!, record[key], [...path, key]) : []));
  return [...(catchall === undefined || catchall === 'never' ? unknownKeyIssues(record, known, path) : []), ...nested];
}

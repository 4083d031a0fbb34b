/** zod schemas for the identity options, and the one place that turns their errors into ours. @internal */
import * as z from 'zod';
import { parseWithSchema } from '../_options.js';

const probability = z.number().min(0).max(1);

export const comparisonSpecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('exact'), field: z.string().min(1), name: z.string().optional(), termFrequency: z.boolean().optional() }),
  z.object({
    type: z.literal('string'),
    field: z.string().min(1),
    name: z.string().optional(),
    method: z.enum(['jaro-winkler', 'levenshtein']).optional(),
    thresholds: z.array(z.number().nonnegative()).min(1).optional(),
    termFrequency: z.boolean().optional(),
  }),
  z.object({
    type: z.literal('name'),
    field: z.string().min(1),
    name: z.string().optional(),
    thresholds: z.array(probability).min(1).optional(),
    termFrequency: z.boolean().optional(),
  }),
  z.object({ type: z.literal('date'), field: z.string().min(1), name: z.string().optional() }),
  z.object({ type: z.literal('numeric'), field: z.string().min(1), name: z.string().optional(), tolerances: z.array(z.number().nonnegative()).min(1).optional() }),
  z.object({ type: z.literal('email'), field: z.string().min(1), name: z.string().optional() }),
  z.object({ type: z.literal('phone'), field: z.string().min(1), name: z.string().optional(), defaultRegion: z.string().length(2).optional() }),
  z.object({ type: z.literal('handle'), field: z.string().min(1), name: z.string().optional() }),
]);

export const modelSchema = z
  .object({
    lambda: z.number().gt(0).lt(1),
    blockingLambdas: z.array(z.number().gt(0).lt(1)).optional(),
    blockingComparisons: z.array(z.array(z.object({ name: z.string(), m: z.array(probability), u: z.array(probability) }).nullable())).optional(),
    comparisons: z.array(z.object({ name: z.string(), m: z.array(probability).min(2), u: z.array(probability).min(2) })),
  })
  .refine((model) => model.comparisons.every((comparison) => comparison.m.length === comparison.u.length), {
    message: 'Each comparison needs as many m as u probabilities.',
  });

export const emOptionsSchema = z.object({
  maxIterations: z.number().int().positive().optional(),
  tolerance: z.number().positive().optional(),
  fixU: z.boolean().optional(),
  priorStrength: z.number().nonnegative().optional(),
  /** Random pairs drawn to estimate u. */
  sampleSize: z.number().int().positive().optional(),
  seed: z.number().int().optional(),
});

export const linkRecordsOptionsSchema = z
  .object({
    comparisons: z.array(comparisonSpecSchema).min(1),
    blocking: z.array(z.array(z.string().min(1)).min(1)).min(1),
    linkType: z.enum(['auto', 'dedupe', 'link']).optional(),
    oneToOne: z.boolean().optional(),
    matchThreshold: probability.optional(),
    reviewThreshold: probability.optional(),
    mutualBestThreshold: probability.optional(),
    model: modelSchema.optional(),
    em: emOptionsSchema.optional(),
    maxBlockSize: z.number().int().min(2).optional(),
    termFrequencyWeight: z.number().min(0).max(1).optional(),
    cannotLink: z.array(z.string().min(1)).optional(),
    onePerSource: z.boolean().optional(),
    includePairs: z.boolean().optional(),
    signal: z.custom<AbortSignal>((value) => typeof value === 'object' && value !== null && typeof (value as AbortSignal).aborted === 'boolean', 'an AbortSignal').optional(),
    onProgress: z.custom<(progress: unknown) => void>((value) => typeof value === 'function', 'a function').optional(),
  })
  .refine((options) => (options.reviewThreshold ?? 0) <= (options.matchThreshold ?? 1), {
    message: '`reviewThreshold` must not exceed `matchThreshold`.',
    path: ['reviewThreshold'],
  });

/** Parses with `schema` or throws {@link InvalidOptionsError} listing every issue (unknown keys too). */
export function parseOptions<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  return parseWithSchema(schema, value, `[identity] Invalid ${what}:`) as T;
}

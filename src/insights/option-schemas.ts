/** Small pieces shared by the declarative definitions of the SLA tracker, router and segment engine. Internal. */
import * as z from 'zod';
import { DEPARTMENTS } from '../interaction.js';

/** One value, or a non-empty list of them ("any of"). */
export function oneOrMany<Schema extends z.ZodType>(schema: Schema) {
  return z.union([schema, z.array(schema).min(1)]);
}

/** A channel id, language code or other name, or a list of them. */
export const namesSchema = oneOrMany(z.string().min(1));
/** A department, or a list of them. */
export const departmentsSchema = oneOrMany(z.enum(DEPARTMENTS));
/** An inclusive range on a 0..1 classifier score (urgency). */
export const unitRangeSchema = z.object({ min: z.number().min(0).max(1).optional(), max: z.number().min(0).max(1).optional() });

/** `value` as a list (`undefined` stays `undefined`). */
export function asList<T extends {}>(value: T | T[]): T[];
export function asList<T extends {}>(value: T | T[] | undefined): T[] | undefined;
export function asList<T extends {}>(value: T | T[] | undefined): T[] | undefined {
  return value === undefined ? undefined : Array.isArray(value) ? value : [value];
}

/**
 * Comparison levels: each comparison turns two field values into a discrete level
 * (0 = strongest agreement, last = disagreement, `-1` = a value is missing). The
 * Fellegi–Sunter model attaches an m and a u probability to each level.
 *
 * @module
 */
import { foldToAscii, normalizeEmail, normalizeHandle, normalizeName, normalizePhone } from './normalize.js';
import { isTransposition, jaroWinkler, levenshtein, tokenSetSimilarity } from './similarity.js';

/** How one field of two records is compared. */
export type ComparisonSpec =
  | {
      /** Agree or not, after trimming and case folding. */
      type: 'exact';
      field: string;
      /** Label for explanations. @default field */
      name?: string;
      /** Weigh agreement on rare values up and on common values down. @default false */
      termFrequency?: boolean;
    }
  | {
      /** Similar strings: one level per threshold, strongest first. */
      type: 'string';
      field: string;
      name?: string;
      /** @default 'jaro-winkler' */
      method?: 'jaro-winkler' | 'levenshtein';
      /**
       * Jaro–Winkler: minimum similarities, descending (default `[0.92, 0.8]`);
       * Levenshtein: maximum edit distances, ascending (default `[1, 2]`); two neighbouring
       * characters swapped count as one edit.
       */
      thresholds?: number[];
      termFrequency?: boolean;
    }
  | {
      /** Person names: ASCII-folded (Turkish-aware), compared token by token. */
      type: 'name';
      field: string;
      name?: string;
      /** Minimum token-set similarities, descending. @default [0.92, 0.8] */
      thresholds?: number[];
      termFrequency?: boolean;
    }
  | {
      /** Dates as `YYYYMMDD`, `YYYY-MM-DD` or any digits: exact, one typo or day/month swap, two typos, else. */
      type: 'date';
      field: string;
      name?: string;
    }
  | {
      /** Numbers: one level per absolute tolerance, ascending. @default [0] */
      type: 'numeric';
      field: string;
      name?: string;
      tolerances?: number[];
    }
  | {
      /** Emails: exact after normalisation, then same local part or similar address. */
      type: 'email';
      field: string;
      name?: string;
    }
  | {
      /** Phones: exact E.164, then same last seven digits. */
      type: 'phone';
      field: string;
      name?: string;
      /** Region for numbers without a country code, e.g. `TR`. */
      defaultRegion?: string;
    }
  | {
      /** Handles: exact, then the same without separators, then similar. */
      type: 'handle';
      field: string;
      name?: string;
    };

/** A comparison ready to run. @internal */
export interface CompiledComparison {
  name: string;
  field: string;
  type: ComparisonSpec['type'];
  /** Number of non-missing levels; the last one is disagreement. */
  levelCount: number;
  /** Human-readable description of each level. */
  labels: string[];
  /** How many leading levels mean "the values are equal" (term frequencies apply to them). @default 1 */
  equalLevels?: number;
  termFrequency: boolean;
  /** Normalises a raw value; `undefined` when missing. */
  prepare(raw: string | undefined): string | undefined;
  /** Level of two prepared values. */
  compare(a: string, b: string): number;
}

/** Marks a value kept although it did not parse (an email that is not an address ...). */
const UNPARSED = '\u0002';

function levelsByThreshold(similarity: number, thresholds: number[]): number {
  for (let index = 0; index < thresholds.length; index++) {
    if (similarity >= (thresholds[index] as number)) return index + 1;
  }
  return thresholds.length + 1;
}

function blankToUndefined(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed.length === 0 ? undefined : trimmed;
}

function digitsOnly(raw: string | undefined): string | undefined {
  const digits = blankToUndefined(raw)?.replace(/\D/g, '');
  return digits ? digits : undefined;
}

function dayMonthSwapped(a: string, b: string): boolean {
  return a.length === 8 && b.length === 8 && a.slice(0, 4) === b.slice(0, 4) && a.slice(4, 6) === b.slice(6, 8) && a.slice(6, 8) === b.slice(4, 6);
}

/** Turns a spec into a runnable comparison. @internal */
export function compileComparison(spec: ComparisonSpec): CompiledComparison {
  const name = spec.name ?? spec.field;
  const base = { name, field: spec.field, type: spec.type };
  switch (spec.type) {
    case 'exact':
      return {
        ...base,
        levelCount: 2,
        labels: ['equal', 'different'],
        termFrequency: spec.termFrequency ?? false,
        prepare: (raw) => {
          const value = blankToUndefined(raw);
          return value === undefined ? undefined : foldToAscii(value);
        },
        compare: (a, b) => (a === b ? 0 : 1),
      };
    case 'string': {
      const method = spec.method ?? 'jaro-winkler';
      if (method === 'levenshtein') {
        const distances = spec.thresholds ?? [1, 2];
        const limit = distances[distances.length - 1] ?? 0;
        return {
          ...base,
          levelCount: distances.length + 2,
          labels: ['equal', ...distances.map((distance) => `at most ${distance} edit${distance === 1 ? '' : 's'} apart`), 'different'],
          termFrequency: spec.termFrequency ?? false,
          prepare: (raw) => {
            const value = blankToUndefined(raw);
            return value === undefined ? undefined : foldToAscii(value).replace(/\s+/g, ' ');
          },
          compare: (a, b) => {
            if (a === b) return 0;
            // Two neighbouring characters typed in the wrong order ("1983" / "1893") are one slip, not two.
            const distance = isTransposition(a, b) ? 1 : levenshtein(a, b, limit);
            for (let index = 0; index < distances.length; index++) {
              if (distance <= (distances[index] as number)) return index + 1;
            }
            return distances.length + 1;
          },
        };
      }
      const thresholds = spec.thresholds ?? [0.92, 0.8];
      return {
        ...base,
        levelCount: thresholds.length + 2,
        labels: ['equal', ...thresholds.map((threshold) => `Jaro–Winkler ≥ ${threshold}`), 'different'],
        termFrequency: spec.termFrequency ?? false,
        prepare: (raw) => {
          const value = blankToUndefined(raw);
          return value === undefined ? undefined : foldToAscii(value).replace(/\s+/g, ' ');
        },
        compare: (a, b) => (a === b ? 0 : levelsByThreshold(jaroWinkler(a, b), thresholds)),
      };
    }
    case 'name': {
      const thresholds = spec.thresholds ?? [0.92, 0.8];
      return {
        ...base,
        // A single equal word ("Ayşe" / "Ayşe") is much weaker evidence than an equal full name.
        levelCount: thresholds.length + 3,
        labels: ['equal', 'equal (one word)', ...thresholds.map((threshold) => `similar (≥ ${threshold})`), 'different'],
        equalLevels: 2,
        termFrequency: spec.termFrequency ?? false,
        prepare: (raw) => {
          const key = normalizeName(raw).key;
          return key ? key : undefined;
        },
        compare: (a, b) => (a === b ? (a.includes(' ') ? 0 : 1) : 1 + levelsByThreshold(tokenSetSimilarity(a, b), thresholds)),
      };
    }
    case 'date':
      return {
        ...base,
        levelCount: 4,
        labels: ['equal', 'one typo or day/month swapped', 'two typos', 'different'],
        termFrequency: false,
        prepare: digitsOnly,
        compare: (a, b) => {
          if (a === b) return 0;
          if (isTransposition(a, b) || dayMonthSwapped(a, b)) return 1;
          const distance = levenshtein(a, b, 2);
          return distance <= 1 ? 1 : distance === 2 ? 2 : 3;
        },
      };
    case 'numeric': {
      const tolerances = spec.tolerances ?? [0];
      return {
        ...base,
        levelCount: tolerances.length + 1,
        labels: [...tolerances.map((tolerance) => (tolerance === 0 ? 'equal' : `within ${tolerance}`)), 'different'],
        termFrequency: false,
        prepare: (raw) => {
          const value = blankToUndefined(raw);
          return value !== undefined && Number.isFinite(Number(value)) ? String(Number(value)) : undefined;
        },
        compare: (a, b) => {
          const difference = Math.abs(Number(a) - Number(b));
          for (let index = 0; index < tolerances.length; index++) {
            if (difference <= (tolerances[index] as number)) return index;
          }
          return tolerances.length;
        },
      };
    }
    case 'email':
      return {
        ...base,
        levelCount: 3,
        labels: ['same address', 'same or similar user name', 'different'],
        termFrequency: false,
        prepare: (raw) => {
          const email = normalizeEmail(raw);
          if (!email.value) return undefined;
          return email.valid ? email.value : `${UNPARSED}${email.value}`;
        },
        compare: (a, b) => {
          // Text that is not an address is weak evidence even when equal.
          if (a === b) return a.startsWith(UNPARSED) ? 1 : 0;
          const localA = a.slice(0, a.lastIndexOf('@'));
          const localB = b.slice(0, b.lastIndexOf('@'));
          return localA.length > 2 && jaroWinkler(localA, localB) >= 0.94 ? 1 : 2;
        },
      };
    case 'phone': {
      const region = spec.defaultRegion;
      return {
        ...base,
        levelCount: 3,
        labels: ['same number', 'same last seven digits', 'different'],
        termFrequency: false,
        prepare: (raw) => {
          const phone = normalizePhone(raw, region);
          if (phone.valid) return phone.value;
          // Fewer than seven digits cannot identify anyone; more are kept as weak evidence.
          return phone.value.replace(/\D/g, '').length >= 7 ? `${UNPARSED}${phone.value}` : undefined;
        },
        // Digits that are not a valid number are weak evidence even when equal.
        compare: (a, b) => (a === b ? (a.startsWith(UNPARSED) ? 1 : 0) : a.length >= 7 && b.length >= 7 && a.slice(-7) === b.slice(-7) ? 1 : 2),
      };
    }
    case 'handle':
      return {
        ...base,
        levelCount: 4,
        labels: ['same handle', 'same without separators', 'similar (Jaro–Winkler ≥ 0.9)', 'different'],
        termFrequency: false,
        prepare: (raw) => {
          const handle = normalizeHandle(raw);
          return handle.value ? `${handle.core}\u0000${handle.value}` : undefined;
        },
        compare: (a, b) => {
          if (a === b) return 0;
          const coreA = a.slice(0, a.indexOf('\u0000'));
          const coreB = b.slice(0, b.indexOf('\u0000'));
          if (coreA.length > 0 && coreA === coreB) return 1;
          return coreA.length > 3 && jaroWinkler(coreA, coreB) >= 0.9 ? 2 : 3;
        },
      };
  }
}

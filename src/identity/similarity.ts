/**
 * String similarity measures used by the comparison levels. All are allocation-light:
 * they run hundreds of millions of times in a large linkage.
 *
 * @module
 */

let matchedA = new Uint8Array(64);
let matchedB = new Uint8Array(64);

/** Jaro similarity in [0, 1]. */
export function jaro(a: string, b: string): number {
  if (a === b) return a.length === 0 ? 0 : 1;
  const lengthA = a.length;
  const lengthB = b.length;
  if (lengthA === 0 || lengthB === 0) return 0;
  if (matchedA.length < lengthA) matchedA = new Uint8Array(lengthA * 2);
  if (matchedB.length < lengthB) matchedB = new Uint8Array(lengthB * 2);
  matchedA.fill(0, 0, lengthA);
  matchedB.fill(0, 0, lengthB);
  const window = Math.max(0, Math.floor(Math.max(lengthA, lengthB) / 2) - 1);
  let matches = 0;
  for (let i = 0; i < lengthA; i++) {
    const start = Math.max(0, i - window);
    const end = Math.min(i + window + 1, lengthB);
    const code = a.charCodeAt(i);
    for (let j = start; j < end; j++) {
      if (matchedB[j] === 0 && b.charCodeAt(j) === code) {
        matchedA[i] = 1;
        matchedB[j] = 1;
        matches++;
        break;
      }
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  let j = 0;
  for (let i = 0; i < lengthA; i++) {
    if (matchedA[i] === 0) continue;
    while (matchedB[j] === 0) j++;
    if (a.charCodeAt(i) !== b.charCodeAt(j)) transpositions++;
    j++;
  }
  return (matches / lengthA + matches / lengthB + (matches - transpositions / 2) / matches) / 3;
}

/**
 * Jaro–Winkler similarity in [0, 1]: Jaro, boosted for a common prefix of up to four
 * characters (scaling factor 0.1).
 */
export function jaroWinkler(a: string, b: string): number {
  const similarity = jaro(a, b);
  if (similarity <= 0.7) return similarity;
  let prefix = 0;
  const limit = Math.min(4, a.length, b.length);
  while (prefix < limit && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  return similarity + prefix * 0.1 * (1 - similarity);
}

export { levenshtein } from '../_edit-distance.js';

/** True when `b` is `a` with two adjacent characters swapped. */
export function isTransposition(a: string, b: string): boolean {
  if (a.length !== b.length || a === b) return false;
  let first = -1;
  for (let index = 0; index < a.length; index++) {
    if (a.charCodeAt(index) !== b.charCodeAt(index)) {
      if (first === -1) first = index;
      else if (index !== first + 1) return false;
    }
  }
  return first >= 0 && first + 1 < a.length && a[first] === b[first + 1] && a[first + 1] === b[first] && a.slice(first + 2) === b.slice(first + 2);
}

/**
 * Token-set similarity of two multi-word names: each token of the shorter name is paired
 * with its most similar token of the other (Jaro–Winkler), and the mean is returned. Word
 * order and extra middle names therefore cost little.
 */
export function tokenSetSimilarity(a: string, b: string): number {
  if (a === b) return a.length === 0 ? 0 : 1;
  if (a.indexOf(' ') < 0 && b.indexOf(' ') < 0) return jaroWinkler(a, b);
  const tokensA = a.split(' ');
  const tokensB = b.split(' ');
  const [shorter, longer] = tokensA.length <= tokensB.length ? [tokensA, tokensB] : [tokensB, tokensA];
  let total = 0;
  for (const token of shorter) {
    let best = 0;
    for (const other of longer) {
      const similarity = jaroWinkler(token, other);
      if (similarity > best) best = similarity;
      if (best === 1) break;
    }
    total += best;
  }
  const whole = jaroWinkler(a, b);
  return Math.max(whole, total / shorter.length - 0.02 * (longer.length - shorter.length));
}

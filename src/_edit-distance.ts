/**
 * Levenshtein distance, shared by the identity comparisons and the options' "did you mean".
 *
 * @internal
 * @module
 */

let row = new Int32Array(64);

/**
 * Levenshtein edit distance. With `limit`, stops early and returns `limit + 1` as soon as
 * the distance must exceed it.
 */
export function levenshtein(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  if (row.length <= b.length) row = new Int32Array(b.length * 2 + 1);
  for (let j = 0; j <= b.length; j++) row[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    let rowMinimum = i;
    const code = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      const cost = code === b.charCodeAt(j - 1) ? 0 : 1;
      const value = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + cost);
      row[j] = value;
      diagonal = above;
      if (value < rowMinimum) rowMinimum = value;
    }
    if (rowMinimum > limit) return limit + 1;
  }
  return row[b.length] as number;
}

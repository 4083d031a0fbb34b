/** JSON Lines as the data sets come: one object per line, blank lines skipped, CRLF or LF, an optional byte-order mark. */

/**
 * Parses one line; `undefined` for a blank line.
 * @throws Error naming the file and line when the line is not a JSON object.
 */
export function parseJsonLine(line: string, source: string, lineNumber: number): Record<string, unknown> | undefined {
  const text = (lineNumber === 1 ? line.replace(/^\uFEFF/, '') : line).trim();
  if (text === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}:${lineNumber} is not JSON (${(error as Error).message}); each line must be one JSON object.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${source}:${lineNumber} is not a JSON object; each line must be one object.`);
  return value as Record<string, unknown>;
}

/** Parses a whole JSON Lines text. */
export function parseJsonLines(text: string, source: string): Array<Record<string, unknown>> {
  return text.split('\n').flatMap((line, index) => {
    const row = parseJsonLine(line, source, index + 1);
    return row ? [row] : [];
  });
}

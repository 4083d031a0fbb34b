import { describe, expect, it } from 'vitest';
import { parseJsonLines } from '../../scripts/_jsonl.js';

describe('the benchmarks read JSON Lines as data sets come', () => {
  it('skips a byte-order mark, CRLF line ends and blank lines', () => {
    expect(parseJsonLines('\uFEFF{"id":"1","label":"en"}\r\n\r\n{"id":"2","label":"tr"}\r\n', 'x.jsonl')).toEqual([
      { id: '1', label: 'en' },
      { id: '2', label: 'tr' },
    ]);
  });

  it('names the file and line of a row that is not a JSON object', () => {
    expect(() => parseJsonLines('{"id":"1"}\n{broken\n', 'rows.jsonl')).toThrow(/^rows\.jsonl:2 is not JSON/);
    expect(() => parseJsonLines('[1,2]\n', 'rows.jsonl')).toThrow(/^rows\.jsonl:1 is not a JSON object/);
  });
});

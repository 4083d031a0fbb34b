import { describe, expect, it } from 'vitest';
import { buildLexicon, type LexiconIndex } from '../../src/classifier/sentiment.js';
import { lexiconFromSources } from '../../src/classifier/lexicon-sources.js';
import type { IntMap } from '../../src/classifier/_int-map.js';
import { hashWord } from '../../src/classifier/_text.js';

/** `[key, value]` pairs of a map, sorted by key, as plain numbers. */
const sortedPairs = (map: IntMap): Array<[number, number]> => {
  const pairs = map.pairs();
  const out: Array<[number, number]> = [];
  for (let index = 0; index < pairs.length; index += 2) out.push([pairs[index]!, pairs[index + 1]!]);
  return out.sort((first, second) => first[0] - second[0]);
};
const plain = (index: LexiconIndex) => ({ ...index, words: sortedPairs(index.words), stems: sortedPairs(index.stems), topics: sortedPairs(index.topics), topicStarts: sortedPairs(index.topicStarts) });

describe('packed lexicons (issue 17, fast start)', () => {
  it.each(['en', 'tr'] as const)('%s: the packed tables hold what the word lists build (else run scripts/pack-classifier-lexicons.ts)', (language) => {
    const fromSources = lexiconFromSources(language);
    const packed = buildLexicon(language);
    expect(plain(packed)).toEqual(plain(fromSources));
    for (const [key, value] of sortedPairs(fromSources.words)) expect(packed.words.get(key)).toBe(value);
    expect(fromSources.words.size).toBeGreaterThan(language === 'en' ? 8_000 : 50);
  });

  it('host terms overlay a fresh copy: another classifier keeps the built-in polarity', () => {
    const base = buildLexicon('en');
    const extended = buildLexicon('en', { outage: -5, 'acme pro': 2, zorbleflux: 3 });
    const outage = hashWord('outage');
    expect(extended.polarity[extended.words.get(outage)]).toBe(-5);
    expect(base.polarity[base.words.get(outage)]).toBe(-2);
    expect(extended.polarity.length).toBe(base.polarity.length + 1);
    expect(extended.phrases).toEqual([{ phrase: 'acme pro', polarity: 2 }]);
    expect(buildLexicon('en').polarity).toEqual(base.polarity);
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_OPT_OUT_WORDS, matchOptOut } from 'social-crm/campaigns';

describe('opt-out words', () => {
  it.each([
    ['STOP', 'en'],
    ['Unsubscribe!', 'en'],
    ['  opt-out ', 'en'],
    ['DUR', 'tr'],
    ['İptal', 'tr'],
    ['IPTAL', 'tr'],
    ['ABONELİKTEN ÇIK', 'tr'],
    ['abonelikten cik 🙏', 'tr'],
    ['Aboneliği iptal et.', 'tr'],
  ])('%j is an opt-out (%s)', (text, language) => {
    expect(matchOptOut(text, DEFAULT_OPT_OUT_WORDS)).toBe(language);
  });

  it.each(['stop by the store tomorrow?', 'Durum nedir?', 'iptal edilen uçuşum için iade', 'Thanks!', ''])('%j is not', (text) => {
    expect(matchOptOut(text, DEFAULT_OPT_OUT_WORDS)).toBeUndefined();
  });
});

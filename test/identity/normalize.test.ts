import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  foldCase,
  foldToAscii,
  jaroWinkler,
  levenshtein,
  normalizeDomain,
  normalizeEmail,
  normalizeHandle,
  normalizeName,
  normalizePhone,
  normalizeUrl,
  soundex,
  tokenSetSimilarity,
} from 'social-crm/identity';

describe('names: Turkish-aware folding', () => {
  it('folds dotted and dotless I the Turkish way for display', () => {
    expect(foldCase('İSMAİL IŞIK', 'tr-TR')).toBe('ismail ışık');
    expect(foldCase('ISTANBUL', 'en')).toBe('istanbul');
    // Without Turkish rules İ would become "i" plus a combining dot.
    expect(foldCase('İzmir')).toBe('izmir');
  });

  it('folds to ASCII for comparison only', () => {
    expect(foldToAscii('Şükrü Çağlar Öztürk')).toBe('sukru caglar ozturk');
    expect(foldToAscii('Işıl İnce')).toBe('isil ince');
    expect(normalizeName('İSMAİL Işık', 'tr').key).toBe('ismail isik');
    expect(normalizeName('Ayşe Yılmaz 🌸 (official)').key).toBe('ayse yilmaz');
    expect(normalizeName('AYŞE YILMAZ').key).toBe(normalizeName('Ayse Yilmaz').key);
  });

  it('keeps emptiness as invalid instead of throwing', () => {
    expect(normalizeName('🌸🌸').valid).toBe(false);
    expect(normalizeName(undefined).key).toBe('');
  });
});

describe('emails', () => {
  it('drops Gmail dots and plus tags and maps googlemail', () => {
    expect(normalizeEmail(' John.Doe+crm@GoogleMail.com ')).toEqual({ value: 'johndoe@gmail.com', valid: true });
    expect(normalizeEmail('j.o.h.n.doe@gmail.com').value).toBe('johndoe@gmail.com');
  });

  it('keeps dots for providers that respect them', () => {
    expect(normalizeEmail('John.Doe+x@example.com').value).toBe('john.doe+x@example.com');
    expect(normalizeEmail('john.doe+news@outlook.com').value).toBe('john.doe@outlook.com');
  });

  it('converts IDN domains to punycode', () => {
    expect(normalizeEmail('ali@bücher.de').value).toBe('ali@xn--bcher-kva.de');
    expect(normalizeDomain('WWW.Şirket.com.tr')).toBe('xn--irket-idb.com.tr');
  });

  it('keeps garbage as invalid evidence', () => {
    expect(normalizeEmail('not an email')).toEqual({ value: 'not an email', valid: false });
    expect(normalizeEmail('@nowhere').valid).toBe(false);
    expect(normalizeEmail(null).valid).toBe(false);
  });
});

describe('phones', () => {
  it('formats to E.164 with a default region', () => {
    expect(normalizePhone('0532 123 45 67', 'TR')).toEqual({ value: '+905321234567', valid: true });
    expect(normalizePhone('+90 (532) 123-45-67')).toEqual({ value: '+905321234567', valid: true });
    expect(normalizePhone('(415) 555-2671', 'US').value).toBe('+14155552671');
  });

  it('keeps the digits of numbers it cannot validate', () => {
    expect(normalizePhone('12345', 'TR')).toEqual({ value: '12345', valid: false });
    expect(normalizePhone('call me', 'TR')).toEqual({ value: '', valid: false });
  });
});

describe('handles and URLs', () => {
  it('strips @ and case and exposes a separator-free core', () => {
    expect(normalizeHandle('@Ayse.Yilmaz', 'instagram')).toEqual({ value: 'ayse.yilmaz', valid: true, core: 'ayseyilmaz' });
    expect(normalizeHandle('ayse_yilmaz').core).toBe(normalizeHandle('Ayse-Yilmaz').core);
    expect(normalizeHandle('https://x.com/ayse_yilmaz/').value).toBe('ayse_yilmaz');
    expect(normalizeHandle('ayse@mastodon.social').value).toBe('ayse@mastodon.social');
  });

  it('reduces URLs to host and path', () => {
    expect(normalizeUrl('HTTPS://www.Example.com/Shop/?utm=1#top')).toEqual({ value: 'example.com/shop', valid: true });
    expect(normalizeUrl('instagram.com/ayse')).toEqual({ value: 'instagram.com/ayse', valid: true });
    expect(normalizeUrl('::::').valid).toBe(false);
  });
});

describe('similarity', () => {
  it('computes the textbook values', () => {
    expect(jaroWinkler('martha', 'marhta')).toBeCloseTo(0.9611, 3);
    expect(jaroWinkler('dwayne', 'duane')).toBeCloseTo(0.84, 2);
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('kitten', 'sitting', 1)).toBe(2);
    expect(soundex('Robert')).toBe('r163');
    expect(soundex('Rupert')).toBe('r163');
    expect(tokenSetSimilarity('yilmaz ayse', 'ayse yilmaz')).toBe(1);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        normalizeEmail(a);
        normalizePhone(a, 'TR');
        normalizeHandle(a);
        normalizeName(a, 'tr');
        normalizeUrl(a);
        const similarity = jaroWinkler(a, b);
        return similarity >= 0 && similarity <= 1 + 1e-9 && levenshtein(a, b) === levenshtein(b, a);
      }),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { createClassifier } from 'social-crm/classifier';

const classifier = createClassifier();
const languageOf = (text: string, locale?: string) => classifier.classify({ text, locale }).language;

describe('language detection', () => {
  it('tells English from Turkish on short social texts', () => {
    expect(languageOf('thanks for the quick reply')).toBe('en');
    expect(languageOf('hızlı dönüş için teşekkürler')).toBe('tr');
    expect(languageOf('kargo nerede')).toBe('tr');
    expect(languageOf('where is my parcel')).toBe('en');
  });

  it('reads Turkish typed without Turkish letters', () => {
    expect(languageOf('siparisim hala gelmedi')).toBe('tr');
    expect(languageOf('musteri hizmetleri cok ilgisiz')).toBe('tr');
  });

  it('ignores handles, URLs and hashtag marks', () => {
    expect(languageOf('@someone_english_name check https://example.com/english-words #teşekkürler')).toBe('tr');
    expect(languageOf('@ahmet_yilmaz_istanbul thanks so much for the help')).toBe('en');
  });

  it('falls back to the locale for texts too short to tell, and says so', () => {
    const result = classifier.classify({ text: 'ok', locale: 'tr-TR' });
    expect(result.language).toBe('tr');
    expect(result.explanation[0]!.cues.join(' ')).toMatch(/locale/);
    expect(classifier.classify({ text: 'ok', locale: 'en-GB' }).language).toBe('en');
  });

  it('marks other languages as unsupported rather than guessing', () => {
    for (const [text, expected] of [
      ['Je voudrais annuler ma commande, le colis est arrivé endommagé.', 'fr'],
      ['Ich möchte mein Abonnement kündigen, der Service ist schrecklich.', 'de'],
      ['Хочу отменить заказ, посылка пришла повреждённой.', 'ru'],
    ] as const) {
      const result = classifier.classify({ text });
      // franc may name a close neighbour (bg for ru); what matters is that it is not guessed as en/tr
      if (expected === 'ru') expect(['ru', 'bg', 'uk', 'be', 'mk', 'sr']).toContain(result.language);
      else expect(result.language).toBe(expected);
      expect(result.languageSupported).toBe(false);
      expect(result.sentiment.label).toBe('neutral');
      expect(result.sentiment.confidence).toBeLessThanOrEqual(0.2);
      expect(result.intents).toEqual([]);
    }
  });

  it('honours the configured languages', () => {
    const englishOnly = createClassifier({ languages: ['en'] });
    expect(englishOnly.classify({ text: 'teşekkürler' }).language).toBe('en');
    const withGerman = createClassifier({ languages: ['en', 'tr', 'de'] });
    expect(withGerman.classify({ text: 'Der Kundenservice war leider sehr langsam heute.' }).language).toBe('de');
    expect(withGerman.classify({ text: 'Müşteri hizmetleri bugün çok yavaştı maalesef.' }).language).toBe('tr');
  });
});

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

  it('keeps Turkish typed without its letters that franc takes for a Turkic neighbour', () => {
    // franc: Uyghur; a Turkish ending (-dik) and no other language's function words keep it Turkish
    expect(languageOf('Yagmurda islandik hepimiz')).toBe('tr');
  });

  it('falls back to the locale for texts too short to tell, and says so', () => {
    const result = classifier.classify({ text: 'ok', locale: 'tr-TR' });
    expect(result.language).toBe('tr');
    expect(result.explanation[0]!.cues.join(' ')).toMatch(/locale/);
    expect(classifier.classify({ text: 'ok', locale: 'en-GB' }).language).toBe('en');
  });

  it('takes a one- or two-word message with a sentiment word for that language, so it keeps its sentiment and intent', () => {
    for (const [text, language, label] of [
      ['Great!', 'en', 'positive'],
      ['Terrible!!', 'en', 'negative'],
      ['Happy Birthday', 'en', 'positive'],
      ['Rezalet!', 'tr', 'negative'],
      ['Harika', 'tr', 'positive'],
      ['Berbat', 'tr', 'negative'],
    ] as const) {
      const result = classifier.classify({ text });
      expect(result.language, text).toBe(language);
      expect(result.sentiment.label, text).toBe(label);
      expect(classifier.classifySentiment(text).language, text).toBe(language);
    }
    expect(classifier.classify({ text: 'Rezalet!' }).intents.map((intent) => intent.intent)).toContain('complaint');
    expect(classifier.classify({ text: 'Great!' }).explanation[0]!.cues.join(' ')).toMatch(/sentiment in the English lexicon/);
    // a name without sentiment stays und, and a text limited to one language never takes the other
    expect(languageOf('Selin Arkan')).toBe('und');
    expect(createClassifier({ languages: ['en'] }).classify({ text: 'Rezalet!' }).language).not.toBe('tr');
  });

  it('answers und for names, numbers, handles and links alone instead of the default language', () => {
    for (const text of ['Barcelona, 1970.', 'Selin Arkan', '@someone https://example.com 2024 🎉', 'Anna Smith 12/3']) {
      const result = classifier.classify({ text });
      expect(result.language, text).toBe('und');
    }
    expect(classifier.classify({ text: 'Selin Arkan' }).explanation[0]!.cues.join(' ')).toMatch(/names, numbers/);
    // a known word in lower case or capitals, a function word or a Turkish letter is evidence
    expect(languageOf('thanks Selin')).toBe('en');
    expect(languageOf('LOL')).toBe('en');
    expect(languageOf('sooo goooood')).toBe('en');
    expect(languageOf('Selin ve Arkan')).toBe('tr');
    // words in lower case are not names, even when the word table does not know them
    expect(languageOf('ürünün teslimat')).toBe('tr');
    expect(languageOf('eðitim bakanlýðý')).toBe('tr');
    // the locale, where the host gives one, still decides
    expect(languageOf('Selin Arkan', 'tr-TR')).toBe('tr');
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

  it('names languages that share many words with English or Turkish instead of claiming them', () => {
    // made-up sentences: Spanish, Dutch, Indonesian, Azerbaijani, Catalan
    expect(languageOf('El servicio de atención al cliente no responde desde hace tres días.')).toBe('es');
    expect(['nl', 'af']).toContain(languageOf('De bezorging is weer te laat en niemand neemt de telefoon op.'));
    expect(languageOf('Pesanan saya belum sampai dan tidak ada yang membalas pesan saya.')).toBe('id');
    expect(languageOf('Sifarişim hələ gəlməyib və heç kim cavab vermir, çox pisdir.')).toBe('az');
    expect(['ca', 'es', 'und']).toContain(languageOf('La comanda encara no ha arribat i ningú no respon els missatges.'));
  });

  it('reports a language without a two-letter code by its ISO 639-3 code, and und when it cannot tell', () => {
    expect(languageOf('😀😀')).toBe('und');
    expect(languageOf('12345 !!!')).toBe('und');
    const code = languageOf('Ndiyabulela kakhulu ngoncedo lwakho namhlanje, umsebenzi wenu mhle kakhulu.');
    expect(code).toMatch(/^[a-z]{2,3}$/);
    expect(['en', 'tr']).not.toContain(code);
  });

  it('flags an unsupported language and keeps only language-free urgency cues', () => {
    const calm = classifier.classify({ text: 'Bonjour, quelle est la date de livraison prévue pour ma commande ?' });
    const angry = classifier.classify({ text: 'Ma commande est ENCORE PERDUE !!! 😡😡 Inacceptable, remboursez-moi maintenant !!!', followerCount: 50_000 });
    for (const result of [calm, angry]) {
      expect(result.language).toBe('fr');
      expect(result.languageSupported).toBe(false);
      expect(result.explanation.map((item) => item.label)).toContain('unsupported-language');
      expect(result.intents).toEqual([]);
    }
    expect(angry.urgency).toBeGreaterThan(calm.urgency + 0.2);
    expect(angry.explanation.find((item) => item.label === 'urgency')!.cues.join(' ')).toMatch(/emoji/);
  });

  it('keeps English and Turkish customer messages without their letters or with few known words', () => {
    expect(languageOf('hattimi baska operatore tasiyacagim')).toBe('tr');
    expect(languageOf('aksam arkadaslarla bulusacagiz')).toBe('tr');
    expect(languageOf("my order still hasn't shipped, can someone check?")).toBe('en');
  });

  it('keeps Turkish whose words franc does not know: endings after an apostrophe, ı ş with a Turkish function word', () => {
    // franc: Italian and Javanese; case endings on names ("Turkcell'e", "Aras'ta") are Turkish
    expect(languageOf("Migros'a, Trendyol'a, Turkcell'e, Vodafone'a yazdim hicbiri cevap vermedi geliyor")).toBe('tr');
    expect(languageOf("Amazon'dan aldigim Samsung'un kutusu Aras'ta kaldi")).toBe('tr');
    // English names around Turkish: ı ş and "ben", no English function word
    expect(languageOf('Hazırım ben. Step (@ Sports Life Fitness club)')).toBe('tr');
    // English clitics are not Turkish endings
    expect(languageOf("Dinner at McDonald's with O'Neil, he'd say I'm late")).toBe('en');
  });
});

describe('language detection does not claim English or Turkish for look-alikes', () => {
  it('reads ð þ ý as Icelandic letters unless the text also has Turkish ones', () => {
    expect(['en', 'tr']).not.toContain(languageOf('Við fórum þangað í gær og það var mjög gaman hjá okkur.'));
    expect(languageOf('Sipariþim hâlâ gelmedi, çok üzgünüm')).toBe('tr');
  });

  it('names Azerbaijani from its schwa', () => {
    expect(languageOf('Bu gün hava çox gözəldir və biz parka gedəcəyik.')).toBe('az');
  });

  it('does not take Azerbaijani without ə for Turkish: "2012-ci", "etmişdir", "il"', () => {
    expect(['tr', 'en']).not.toContain(languageOf('2012-ci il mövsümünün ikinci yarısında daha dörd oyunda iştirak etmişdir'));
    expect(['tr', 'en']).not.toContain(languageOf('Yeni 2019-cu il kitabımız çıxmışdır'));
    // Turkish devoices the copula after ş
    expect(languageOf('Kitabı çoktan bitirmişti')).toBe('tr');
  });

  it('does not take ç alone for Turkish: Catalan, French and Portuguese write it too', () => {
    expect(languageOf('Força Barça, campions de la lliga')).not.toBe('tr');
    expect(languageOf('Comença la festa major a la plaça')).not.toBe('tr');
    expect(languageOf('Plaça Catalunya, Barça')).toBe('und');
    // with a Turkish ending or function word, or beside ı ğ ş, it still counts
    expect(languageOf('Toz, toprak çamurla temas ettirmeyiniz.')).toBe('tr');
    expect(languageOf('Ağaç')).toBe('tr');
    expect(languageOf('gerekçeli isteðe')).toBe('tr');
  });

  it('weighs function words of other languages against English and Turkish ones', () => {
    // names and borrowed words are "known" English; je, tele, pa, ni, non, erat, el, de, hoy are not
    for (const text of ['Mandela je olori South Africa tele.', 'To pa ni res.', 'Roma non semper erat magna.', 'Mi hermano dice que el partido de hoy es en la casa de su amigo.']) {
      expect(['en', 'tr'], text).not.toContain(languageOf(text));
    }
    // a few foreign words in an English tweet, or a check-in's "in" in a Turkish one, do not
    expect(languageOf('La Liga highlights tonight on ESPN')).toBe('en');
    expect(languageOf('Going to the Van Gogh museum in Amsterdam today')).toBe('en');
    expect(languageOf('new phone who dis')).toBe('en');
    expect(languageOf('Kahve molası (@ Starbucks in Kadıköy)')).toBe('tr');
  });

  it('does not take two unknown words for Turkish on the character n-grams alone', () => {
    expect(['en', 'tr']).not.toContain(languageOf('habari njema'));
    expect(['en', 'tr']).not.toContain(languageOf('kitabu kipya'));
    // unknown Turkish words with Turkish endings, or with its letters, still are
    expect(languageOf('kalemler nerede')).toBe('tr');
    expect(languageOf('hizmetleri yavas')).toBe('tr');
  });

  it('does not take a phrase with no known English word for English', () => {
    expect(['en', 'tr']).not.toContain(languageOf('Prijava kandidatov zaprta.'));
    expect(languageOf('Order cancelled.')).toBe('en');
  });
});

describe('mixed scripts', () => {
  it('does not call a page title in English followed by Urdu text English', () => {
    expect(languageOf('Latest News from Lahore in Urdu بلاول زرداری کی کور کمانڈر کراچی سے ملاقات')).not.toBe('en');
  });
});

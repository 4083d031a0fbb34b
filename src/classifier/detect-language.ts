/**
 * @internal Language detection for social-media text. A fast English/Turkish character
 * model runs inside the scanner on every message; franc (ISO 639-3, about 7,000 msgs/s even
 * when restricted to two languages) runs only when the text looks like neither language,
 * is in another script, or the host asked for languages the fast model does not know.
 */
import { francAll } from 'franc';
import { LANGUAGE_MODEL } from './model/language.js';
import { decodeBase64 } from './sentiment.js';
import { languageGramScore, type LanguageTable, type ScannedText } from './_text.js';

/** ISO 639-3 (as franc reports) to ISO 639-1, for the languages franc and the benchmarks share. */
const ISO_639_3_TO_1: Record<string, string> = {
  eng: 'en', tur: 'tr', deu: 'de', fra: 'fr', spa: 'es', ita: 'it', por: 'pt', nld: 'nl', rus: 'ru', ukr: 'uk',
  pol: 'pl', ces: 'cs', slk: 'sk', slv: 'sl', hrv: 'hr', srp: 'sr', bos: 'bs', bul: 'bg', mkd: 'mk', ron: 'ro',
  hun: 'hu', fin: 'fi', est: 'et', ekk: 'et', lvs: 'lv', lav: 'lv', lit: 'lt', swe: 'sv', dan: 'da', nob: 'nb',
  nno: 'nn', isl: 'is', ell: 'el', arb: 'ar', ara: 'ar', heb: 'he', pes: 'fa', fas: 'fa', urd: 'ur', hin: 'hi',
  ben: 'bn', pan: 'pa', guj: 'gu', mar: 'mr', tam: 'ta', tel: 'te', kan: 'kn', mal: 'ml', tha: 'th', vie: 'vi',
  ind: 'id', zlm: 'ms', msa: 'ms', tgl: 'tl', swh: 'sw', swa: 'sw', afr: 'af', zul: 'zu', xho: 'xh', sot: 'st',
  tsn: 'tn', tso: 'ts', yor: 'yo', ibo: 'ig', som: 'so', amh: 'am', cmn: 'zh', zho: 'zh', jpn: 'ja', kor: 'ko',
  kat: 'ka', hye: 'hy', azj: 'az', aze: 'az', kaz: 'kk', uzn: 'uz', khk: 'mn', mon: 'mn', bel: 'be', cat: 'ca',
  eus: 'eu', glg: 'gl', epo: 'eo', lat: 'la', cym: 'cy', gle: 'ga', als: 'sq', sqi: 'sq', lug: 'lg', sna: 'sn',
  mri: 'mi', nep: 'ne', sin: 'si', khm: 'km', mya: 'my', tat: 'tt', kir: 'ky', tgk: 'tg', tuk: 'tk', uig: 'ug',
};
const ISO_639_1_TO_3: Record<string, string> = {};
for (const [three, one] of Object.entries(ISO_639_3_TO_1)) ISO_639_1_TO_3[one] ??= three;

/** ISO 639-1 code for a franc code, or `und`. */
export function toIso6391(code: string): string {
  return ISO_639_3_TO_1[code] ?? 'und';
}

/** ISO 639-3 code for an ISO 639-1 code (or the code itself when it is already three letters). */
export function toIso6393(code: string): string | undefined {
  if (code.length === 3) return code;
  return ISO_639_1_TO_3[code];
}

/** Whether franc can name this ISO 639-1 code. */
export function isKnownLanguage(code: string): boolean {
  return toIso6393(code) !== undefined;
}

let table: LanguageTable | undefined;

/** The decoded English/Turkish model (decoded once, on first use). */
export function languageTable(): LanguageTable {
  table ??= {
    weights: decodeBase64(LANGUAGE_MODEL.weights),
    scale: LANGUAGE_MODEL.scale,
    words: decodeBase64(LANGUAGE_MODEL.words),
    bits: LANGUAGE_MODEL.bits,
  };
  return table;
}

/** Settings for one detector. */
export interface LanguageSettings {
  /** ISO 639-1 codes the deployment expects. */
  candidates: readonly string[];
  /** Used when nothing else decides. */
  defaultLanguage: string;
  /** Nats of evidence the English/Turkish model needs before it overrides the prior. */
  margin: number;
}

/** The detector's answer. */
export interface LanguageDecision {
  language: string;
  confidence: number;
  /** Why, for the explanation. */
  cue: string;
  /** True when the prior (locale or default language) decided. */
  fromPrior: boolean;
}

const MIN_FRANC_LENGTH = 10;
/**
 * Words alone decide when at least this many are known and their log-ratio reaches this many
 * nats: on 25,000 English and Turkish training rows that settles 98% of texts and changes one
 * decision against scoring the n-grams as well.
 */
const WORDS_SETTLE_COUNT = 2;
const WORDS_SETTLE_NATS = 15;
/** franc's relative score (the best is 1) above which English or Turkish is still a contender. */
const FRANC_CLOSE_CALL = 0.9;
/**
 * Below this share of words the English/Turkish model knows, the text is probably in
 * another language and franc is asked. On the shared dev sets about 1% of English and
 * Turkish tweets fall below it, and most sentences of other languages do.
 */
const UNKNOWN_WORD_RATIO = 0.35;
/** Languages franc may name when it only checks for "neither English nor Turkish": those it can map to ISO 639-1. */
const COMMON_LANGUAGES = Object.keys(ISO_639_3_TO_1);

const localeCache = new Map<string, string | undefined>();

function localeLanguage(locale: string | undefined): string | undefined {
  if (!locale) return undefined;
  if (localeCache.has(locale)) return localeCache.get(locale);
  const language = parseLocale(locale);
  if (localeCache.size < 1024) localeCache.set(locale, language);
  return language;
}

function parseLocale(locale: string): string | undefined {
  const match = /^([a-zA-Z]{2,3})(?:[-_]|$)/.exec(locale.trim());
  if (!match) return undefined;
  const code = match[1]!.toLowerCase();
  return code.length === 3 ? (ISO_639_3_TO_1[code] ?? code) : code;
}

function logistic(value: number): number {
  return 1 / (1 + Math.exp(-value));
}

const factsCache = new WeakMap<readonly string[], { hasEnglish: boolean; hasTurkish: boolean; fastOnly: boolean }>();

function candidateFacts(candidates: readonly string[]): { hasEnglish: boolean; hasTurkish: boolean; fastOnly: boolean } {
  let facts = factsCache.get(candidates);
  if (!facts) {
    facts = { hasEnglish: candidates.includes('en'), hasTurkish: candidates.includes('tr'), fastOnly: candidates.every((code) => code === 'en' || code === 'tr') };
    factsCache.set(candidates, facts);
  }
  return facts;
}

/**
 * Decides the language of a scanned text. `text` is the raw input (franc needs it when it runs).
 */
export function detectLanguage(scan: ScannedText, text: string, locale: string | undefined, settings: LanguageSettings): LanguageDecision {
  const prior = localeLanguage(locale);
  const priorUsable = prior !== undefined && settings.candidates.includes(prior);
  const fallback = priorUsable ? prior! : settings.defaultLanguage;
  const { hasEnglish, hasTurkish, fastOnly } = candidateFacts(settings.candidates);
  const wordLetters = scan.letters;
  const latinLetters = scan.letters - scan.otherScriptLetters;

  if (wordLetters < 2) return { language: 'und', confidence: 0, cue: 'no words to judge', fromPrior: false };

  // Other scripts, foreign Latin letters, or many words neither model knows: ask franc.
  const otherScript = scan.otherScriptLetters > latinLetters;
  const unknownWords = scan.languageWords >= 3 && scan.knownWords / scan.languageWords < UNKNOWN_WORD_RATIO;
  const foreignLetters = scan.foreignLatinLetters >= 2 && scan.foreignLatinLetters > scan.turkishStrong;
  // Known words usually settle it; the character n-grams are scored only when they do not.
  let evidence = scan.languageScore * LANGUAGE_MODEL.scale + scan.turkishStrong * 1.5;
  const grams = scan.knownWords < WORDS_SETTLE_COUNT || Math.abs(evidence) < WORDS_SETTLE_NATS;
  if (grams) evidence += languageGramScore(scan, languageTable()) * LANGUAGE_MODEL.scale;
  // ö and ü without any ı ğ ş ç, in text the model calls English: German, Hungarian, Finnish ...
  const umlautsInEnglish = scan.turkishWeak > 0 && scan.turkishStrong === 0 && evidence < 0;
  // ı ğ ş ç with no letter foreign to Turkish: Turkish, whatever the word list says
  const clearlyTurkish = scan.turkishStrong > 0 && scan.foreignLatinLetters === 0;
  const suspicious = otherScript || foreignLetters || umlautsInEnglish || (unknownWords && !clearlyTurkish);
  if ((suspicious || !fastOnly) && text.length >= MIN_FRANC_LENGTH) {
    const sample = text.length > 600 ? text.slice(0, 600) : text;
    // Restricted to the expected languages when the host lists more than English and Turkish;
    // otherwise to common languages, only to name what is not English or Turkish.
    const ranking = francAll(sample, { minLength: MIN_FRANC_LENGTH, only: fastOnly ? COMMON_LANGUAGES : settings.candidates.map((item) => toIso6393(item)!) });
    const code = ranking[0]![0];
    const language = toIso6391(code);
    // franc hesitates on Turkish typed without its letters; a close English/Turkish runner-up keeps it ours
    const closeCall = ranking.slice(1, 4).some(([other, score]) => (other === 'eng' || other === 'tur') && score >= FRANC_CLOSE_CALL);
    if (language !== 'und' && language !== 'en' && language !== 'tr' && !(closeCall && !otherScript && !foreignLetters)) {
      const reason = otherScript ? 'non-Latin script' : foreignLetters ? 'letters foreign to English and Turkish' : 'words unknown to the English/Turkish model';
      return { language, confidence: settings.candidates.includes(language) ? 0.7 : 0.6, cue: `franc: ${code} (${reason})`, fromPrior: false };
    }
    if (otherScript) return { language: 'und', confidence: 0.1, cue: 'non-Latin script franc could not name', fromPrior: false };
  } else if (otherScript) {
    return { language: 'und', confidence: 0.1, cue: 'too short to name the script’s language', fromPrior: false };
  }

  if (!hasEnglish && !hasTurkish) return { language: fallback, confidence: 0.3, cue: `default language ${fallback}`, fromPrior: true };
  if (hasEnglish && !hasTurkish) return { language: 'en', confidence: logistic(-evidence), cue: 'only English expected', fromPrior: false };
  if (hasTurkish && !hasEnglish) return { language: 'tr', confidence: logistic(evidence), cue: 'only Turkish expected', fromPrior: false };

  const priorShift = prior === 'tr' ? 1 : prior === 'en' ? -1 : 0;
  const total = evidence + priorShift;
  // Short texts need more evidence: one or two words rarely settle it.
  const margin = latinLetters < 6 ? settings.margin * 8 : latinLetters < 12 ? settings.margin * 2.5 : settings.margin;
  if (Math.abs(evidence) < margin && (prior === 'en' || prior === 'tr' || fallback === 'en' || fallback === 'tr')) {
    const language = priorUsable ? prior! : fallback;
    return {
      language,
      confidence: 0.5,
      cue: `too short to tell English from Turkish; fell back to the ${priorUsable ? `locale (${locale})` : 'default language'}`,
      fromPrior: true,
    };
  }
  const language = total > 0 ? 'tr' : 'en';
  const cue = scan.turkishStrong > 0 && language === 'tr' ? (grams ? 'Turkish letters, words and character n-grams' : 'Turkish letters and known words') : grams ? 'words and character n-grams' : 'known words';
  return { language, confidence: Math.min(0.99, logistic(Math.abs(total))), cue, fromPrior: false };
}

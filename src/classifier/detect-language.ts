/**
 * @internal Language detection for social-media text. A fast English/Turkish character
 * model runs inside the scanner on every message; franc (ISO 639-3, about 7,000 msgs/s even
 * when restricted to two languages) runs only when the text looks like neither language,
 * is in another script, or the host asked for languages the fast model does not know.
 */
import { francAll, francReady } from './_franc.js';
import { LANGUAGE_MODEL } from './model/language.js';
import { IntMap } from './_int-map.js';
import { azerbaijaniEndedWords, CHECKED_LANGUAGES, countFunctionWords, turkishInflectedWords, type FunctionWordCounts } from './_langid-confusers.js';
import { decodeBase64 } from './sentiment.js';
import { hashWord, languageGramScore, TOKEN_CAPS, TOKEN_ELONGATED, TOKEN_HASHTAG, TOKEN_LOWER, TOKEN_NUMERIC, type LanguageTable, type ScannedText } from './_text.js';

/**
 * ISO 639-3 (as franc reports) to ISO 639-1, for every language franc names that has a
 * two-letter code (individual languages map to their macrolanguage: `arb` → `ar`, `pes` and
 * `prs` → `fa`, `quz` → `qu`). Languages without one are reported by their ISO 639-3 code.
 */
const ISO_639_3_TO_1: Record<string, string> = {
  eng: 'en', tur: 'tr', deu: 'de', fra: 'fr', spa: 'es', ita: 'it', por: 'pt', nld: 'nl', rus: 'ru', ukr: 'uk',
  pol: 'pl', ces: 'cs', slk: 'sk', slv: 'sl', hrv: 'hr', srp: 'sr', bos: 'bs', bul: 'bg', mkd: 'mk', ron: 'ro',
  hun: 'hu', fin: 'fi', est: 'et', ekk: 'et', lvs: 'lv', lav: 'lv', lit: 'lt', swe: 'sv', dan: 'da', nob: 'nb',
  nno: 'nn', isl: 'is', ell: 'el', arb: 'ar', ara: 'ar', heb: 'he', pes: 'fa', prs: 'fa', fas: 'fa', urd: 'ur', hin: 'hi',
  ben: 'bn', pan: 'pa', guj: 'gu', mar: 'mr', tam: 'ta', tel: 'te', kan: 'kn', mal: 'ml', tha: 'th', vie: 'vi',
  ind: 'id', zlm: 'ms', msa: 'ms', tgl: 'tl', swh: 'sw', swa: 'sw', afr: 'af', zul: 'zu', xho: 'xh', sot: 'st',
  tsn: 'tn', tso: 'ts', yor: 'yo', ibo: 'ig', som: 'so', amh: 'am', cmn: 'zh', zho: 'zh', jpn: 'ja', kor: 'ko',
  kat: 'ka', hye: 'hy', azj: 'az', aze: 'az', kaz: 'kk', uzn: 'uz', khk: 'mn', mon: 'mn', bel: 'be', cat: 'ca',
  eus: 'eu', glg: 'gl', epo: 'eo', lat: 'la', cym: 'cy', gle: 'ga', als: 'sq', sqi: 'sq', lug: 'lg', sna: 'sn',
  mri: 'mi', nep: 'ne', npi: 'ne', sin: 'si', khm: 'km', mya: 'my', tat: 'tt', kir: 'ky', tgk: 'tg', tuk: 'tk', uig: 'ug',
  hat: 'ht', hau: 'ha', kin: 'rw', lin: 'ln', nya: 'ny', run: 'rn', sag: 'sg', ssw: 'ss', tir: 'ti', ven: 've',
  wol: 'wo', ewe: 'ee', bam: 'bm', jav: 'jv', sun: 'su', plt: 'mg', ydd: 'yi', pbu: 'ps', quy: 'qu', quz: 'qu',
  qug: 'qu', ayr: 'ay', fuf: 'ff', fuv: 'ff', knc: 'kr', kng: 'kg', src: 'sc', ori: 'or', ory: 'or', lao: 'lo',
  bod: 'bo', div: 'dv', iku: 'iu', snd: 'sd', kas: 'ks', asm: 'as', san: 'sa', kmr: 'ku', ckb: 'ku', oci: 'oc',
  ltz: 'lb', fry: 'fy', gla: 'gd', bre: 'br', cos: 'co', mlt: 'mt', hmn: 'hmn', nds: 'nds', sco: 'sco', ceb: 'ceb',
  ilo: 'ilo', hil: 'hil', war: 'war', pam: 'pam', bcl: 'bcl', min: 'min', ace: 'ace', ban: 'ban', bug: 'bug', mad: 'mad',
};
const ISO_639_1_TO_3: Record<string, string> = {};
for (const [three, one] of Object.entries(ISO_639_3_TO_1)) ISO_639_1_TO_3[one] ??= three;

/** ISO 639-1 code for a franc code, its ISO 639-3 code when it has no two-letter one, `und` for franc's `und`. */
export function toIso6391(code: string): string {
  return ISO_639_3_TO_1[code] ?? code;
}

/** Every ISO 639-3 code franc can return: its trigram profiles and the languages it tells by script alone. */
const FRANC_LANGUAGES: ReadonlySet<string> = new Set(
  'ace ada afr als amh arb ayr azj bam ban bci bcl bel bem ben bho bin bod bos bug bul bum cat ceb ces cjk ckb cmn dan deu dip dyu ekk ell emk eng epo ewe fin fon fra fuf fuv gaa glg guj hat hau heb hil hin hms hnj hrv hun hye ibb ibo ilo ind ita jav jpn kan kat kaz kbd kbp kde khk khm kin kir kmb knc kng koi kor lao lin lit lua lug lun lvs mad mag mai mal mar men min mkd mos mya ndo nds nhn nld nno nob npi nso nya nyn ori pam pan pbu pes plt pol por prs qug quy quz rmn ron run rup rus sag sat sco shn sin skr slk slv sna snk som sot spa src srp ssw suk sun swe swh tam tat tel tem tgk tgl tha tir tiv toi tpi tsn tso tuk tur tzm uig ukr umb urd uzn vec ven vie vmw war wol xho yao ydd yor zlm zul zyb'.split(' '),
);

/** ISO 639-3 code for an ISO 639-1 code (or the code itself when it is already three letters). */
export function toIso6393(code: string): string | undefined {
  if (code.length === 3) return code;
  return ISO_639_1_TO_3[code];
}

/** Whether franc can name this ISO 639-1 code. */
export function isKnownLanguage(code: string): boolean {
  return code.length === 3 ? FRANC_LANGUAGES.has(code) || code in ISO_639_3_TO_1 : ISO_639_1_TO_3[code] !== undefined;
}

let table: LanguageTable | undefined;

const unsigned = (bytes: Int8Array): Uint8Array => new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** The decoded English/Turkish model (decoded once, on first use). */
export function languageTable(): LanguageTable {
  table ??= {
    weights: decodeBase64(LANGUAGE_MODEL.weights),
    scale: LANGUAGE_MODEL.scale,
    words: decodeBase64(LANGUAGE_MODEL.words),
    checks: unsigned(decodeBase64(LANGUAGE_MODEL.checks)),
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
/** franc's first choice and the five after it are all the detector reads of its ranking. */
const FRANC_RANKS = 6;
/** Letters of another script (two short words or so) from which a mostly Latin text counts as mixed. */
const MIXED_SCRIPT_LETTERS = 6;
/**
 * Words alone decide when at least this many are known and their log-ratio reaches this many
 * nats: on 25,000 English and Turkish training rows that settles 98% of texts and changes one
 * decision against scoring the n-grams as well.
 */
const WORDS_SETTLE_COUNT = 2;
const WORDS_SETTLE_NATS = 15;
/** franc's relative score (the best is 1) above which English or Turkish is still a contender. */
const FRANC_CLOSE_CALL = 0.9;
/** The same when franc's first choice is a minor language (no ISO 639-1 code), its usual mistake on short noisy text. */
const FRANC_MINOR_CLOSE_CALL = 0.75;
/** A minor language franc names for a text of more words than this is not a guess when few of its words are known Turkish. */
const GUESS_MAX_WORDS = 5;
/** Nats of Turkish evidence above which a minor language franc names for a short text is taken for its guess. */
const GUESS_EVIDENCE = 15;
/**
 * A text of three words or more is English or Turkish only when at least this share of its
 * words are known English or Turkish words (the 30,000 most frequent of the training text):
 * English and Turkish tweets are mostly above it, sentences of other languages below it, and
 * franc names those.
 */
const KNOWN_WORD_SHARE = 0.6;
/** The same for Turkish: an agglutinative language, so fewer of its word forms are in the list. */
const KNOWN_WORD_SHARE_TURKISH = 0.45;
/** Between this share and {@link KNOWN_WORD_SHARE}, franc decides, and English or Turkish is kept only when franc agrees. */
const FRANC_AGREES_SHARE = 0.55;
/** The same for Turkish, whose tweets hold more words the model has not seen (inflections, typing without ı ğ ş). */
const FRANC_AGREES_SHARE_TURKISH = 0.3;
/** franc naming another language with English or Turkish a close second keeps ours only from this share of known words. */
const FRANC_CLOSE_SHARE = 0.5;

/**
 * Function words of another language (see _langid-confusers.ts) that make a text English- or
 * Turkish-looking text doubtful when they match or outnumber its own; one is enough in a text of
 * at most {@link CONFUSER_SHORT_TOKENS} tokens with no English or Turkish function word. Chosen on
 * the tuning half of the langid development files (docs/benchmarks.md).
 */
const CONFUSER_MIN_WORDS = 2;
const CONFUSER_SHORT_TOKENS = 4;
/** Nats for Turkish given to text with ı ğ ş ç and a Turkish function word but no English one. */
const TURKISH_LETTERS_AND_WORDS_NATS = 4;
/** One word in this many carrying a Turkish ending keeps Turkish-leaning text that franc names a language unchecked by function words. */
const TURKISH_ENDINGS_SHARE = 4;

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

const factsCache = new WeakMap<readonly string[], { hasEnglish: boolean; hasTurkish: boolean; fastOnly: boolean; only: string[] | undefined }>();

function candidateFacts(candidates: readonly string[]): { hasEnglish: boolean; hasTurkish: boolean; fastOnly: boolean; only: string[] | undefined } {
  let facts = factsCache.get(candidates);
  if (!facts) {
    const fastOnly = candidates.every((code) => code === 'en' || code === 'tr');
    facts = { hasEnglish: candidates.includes('en'), hasTurkish: candidates.includes('tr'), fastOnly, only: fastOnly ? undefined : candidates.map((item) => toIso6393(item)!) };
    factsCache.set(candidates, facts);
  }
  return facts;
}

/** Share of folded letters that are q or x: frequent in Azerbaijani, absent from Turkish words. */
function azerbaijaniLetters(scan: ScannedText): number {
  let count = 0;
  for (let index = 0; index < scan.codeCount; index++) {
    const code = scan.codes[index];
    if (code === 0x71 || code === 0x78) count++;
  }
  return count;
}

/** ı ğ ş or their capitals, as Turkish writes them (not the Windows-1252 stand-ins); escaped to keep the bundle ASCII (see foldTerm). */
const DISTINCT_TURKISH = /[\u0131\u0130\u011f\u011e\u015f\u015e]/;
const CEDILLA = /[\u00e7\u00c7]/;
/**
 * ı ğ ş, or ç with ý ð þ, a Turkish ending or more Turkish function words than another language's: ç
 * alone is also Catalan, French, Portuguese and Albanian ("Força Barça", "plaça").
 */
function hasDistinctTurkishLetter(text: string, scan: ScannedText, functionWords: FunctionWordCounts): boolean {
  if (DISTINCT_TURKISH.test(text)) return true;
  return CEDILLA.test(text) && (STAND_INS.test(text) || functionWords.turkish > functionWords.foreign || turkishInflectedWords(scan) > 0);
}

/** ý ð þ, as ı ğ ş of Windows-1254 text read as Windows-1252: Turkish beside ç (Icelandic does not write ç). */
const STAND_INS = /[\u00fd\u00dd\u00f0\u00d0\u00fe\u00de]/;

/** An ordinal written "2012-ci", "5-cü": Azerbaijani; Turkish writes "2012'de", "5." or "5'inci". */
const AZERBAIJANI_ORDINAL = /\d-c[i\u0131u\u00fc](?!\p{L})/u;
function azerbaijaniOrdinals(text: string): number {
  return text.includes('-c') && AZERBAIJANI_ORDINAL.test(text) ? 1 : 0;
}

/**
 * A case ending after an apostrophe on a capitalised name, as Turkish writes it ("Turkcell'e",
 * "KVK'ya", "Ankara'dan", "Noel'inde"); English clitics ('s, 'll, 're, 'd, 'm) are not among them.
 */
const TURKISH_APOSTROPHE_SUFFIX = /\p{Lu}\p{L}*['\u2019](?:y?[ae]|y?[i\u0131u\u00fc]|[dt][ae]n?|n?[i\u0131u\u00fc]n|n?[i\u0131u\u00fc]nd[ae]|l[ae]|l[ae]r)(?!\p{L})/gu;
function apostropheSuffixes(text: string): number {
  return text.includes("'") || text.includes('\u2019') ? (text.match(TURKISH_APOSTROPHE_SUFFIX)?.length ?? 0) : 0;
}

/** ə, Azerbaijani's most frequent vowel: Turkish never writes it. */
const AZERBAIJANI_SCHWA = /[\u0259\u018f]/;

/** Texts of at most this many words, all capitalised like names ("Barcelona", "Tami Canal"), are weighed as names. */
const NAME_ONLY_MAX_WORDS = 3;

/**
 * Whether a text holds anything that speaks for English or Turkish (besides ı ğ ş, which the caller
 * weighs): one of their function words, a word written in lower case or drawn out ("sooo"), or a
 * known word in all capitals or in a text of more than {@link NAME_ONLY_MAX_WORDS} words. Names are
 * known words in every language and are written with a capital first letter, so names, numbers,
 * handles, links and emoji alone are not.
 */
function hasLanguageEvidence(scan: ScannedText, functionWords: FunctionWordCounts): boolean {
  if (functionWords.english + functionWords.turkish > 0) return true;
  if (scan.knownWords > 0 && scan.languageWords > NAME_ONLY_MAX_WORDS) return true;
  const written = TOKEN_LOWER | TOKEN_ELONGATED | (scan.knownWords > 0 ? TOKEN_CAPS : 0);
  for (let token = 0; token < scan.tokenCount; token++) {
    const flags = scan.flags[token]!;
    if ((flags & (TOKEN_NUMERIC | TOKEN_HASHTAG)) === 0 && scan.lengths[token]! > 1 && (flags & written) !== 0) return true;
  }
  return false;
}

/**
 * The cue of a text with no English or Turkish evidence besides capitalised known words. The
 * classifier still takes such a text for a language when one of its words carries sentiment in
 * that language's lexicon ("Great!", "Rezalet!"): names rarely do.
 */
export const NAMES_ONLY_CUE = 'no English or Turkish word (names, numbers, handles or links only)';

const UNDETERMINED = (cue: string, confidence = 0): LanguageDecision => ({ language: 'und', confidence, cue, fromPrior: false });

/**
 * Decides the language of a scanned text. `text` is the raw input (franc needs it when it runs).
 *
 * English and Turkish are told apart by the fast built-in model; a text is taken for one of
 * them only when its words look like it (enough known English/Turkish words, no letters
 * foreign to both). Anything else goes to franc over every language it knows, and the answer
 * is `und` when franc cannot tell or contradicts the words.
 */
export function detectLanguage(scan: ScannedText, text: string, locale: string | undefined, settings: LanguageSettings): LanguageDecision {
  const prior = localeLanguage(locale);
  const priorUsable = prior !== undefined && settings.candidates.includes(prior);
  const fallback = priorUsable ? prior! : settings.defaultLanguage;
  const { hasEnglish, hasTurkish, fastOnly, only } = candidateFacts(settings.candidates);
  const latinLetters = scan.letters - scan.otherScriptLetters;

  if (scan.letters < 2) return UNDETERMINED('no words to judge');

  const otherScript = scan.otherScriptLetters > latinLetters;
  // a real share of another script next to Latin words (a page title in English, the text in Urdu): not English or Turkish
  const mixedScript = !otherScript && scan.otherScriptLetters >= MIXED_SCRIPT_LETTERS && scan.otherScriptLetters * 4 >= latinLetters;
  const foreignLetters = scan.foreignLatinLetters >= 2 && scan.foreignLatinLetters > scan.turkishStrong;
  // Known words usually settle it; the character n-grams are scored only when they do not.
  let evidence = scan.languageScore * LANGUAGE_MODEL.scale + scan.turkishStrong * 1.5;
  const grams = scan.knownWords < WORDS_SETTLE_COUNT || Math.abs(evidence) < WORDS_SETTLE_NATS;
  if (grams) evidence += languageGramScore(scan, languageTable()) * LANGUAGE_MODEL.scale;
  // ö and ü without any ı ğ ş ç, in text the model calls English: German, Hungarian, Finnish ...
  const umlautsInEnglish = scan.turkishWeak > 0 && scan.turkishStrong === 0 && evidence < 0;
  // ı ğ ş ç with no letter foreign to Turkish: Turkish, whatever the word list says; but not when the only such
  // letters are ý þ ð (read as ı ş ğ for Windows-1254 text decoded as Windows-1252): those are Icelandic
  const functionWords = countFunctionWords(scan);
  // Azerbaijani's q and x, its own words and endings, an ordinal "2012-ci": Turkish letters do not rule it out
  const azerbaijani = evidence > 0 ? azerbaijaniLetters(scan) + functionWords.azerbaijani + azerbaijaniEndedWords(scan) + azerbaijaniOrdinals(text) : 0;
  const clearlyTurkish = scan.turkishStrong > 0 && scan.foreignLatinLetters === 0 && azerbaijani < 2 && hasDistinctTurkishLetter(text, scan, functionWords);
  // ı ğ ş ç with a Turkish function word and no English one: Turkish around English names ("Hazırım ben. Step (@ Sports club)")
  if (evidence <= 0 && clearlyTurkish && functionWords.turkish > 0 && functionWords.english === 0) evidence = TURKISH_LETTERS_AND_WORDS_NATS;
  // the share of words known in the language the model leans to: Afrikaans or Catalan may hold
  // many words known in one language or the other, but few in either
  const leansTurkish = evidence > 0;
  const share = scan.languageWords > 0 ? (leansTurkish ? scan.knownWords - scan.englishWords : scan.englishWords) / scan.languageWords : 0;
  const manyWords = scan.languageWords >= 3;
  let wordsFit = !manyWords || share >= (leansTurkish ? KNOWN_WORD_SHARE_TURKISH : KNOWN_WORD_SHARE) || (clearlyTurkish && leansTurkish);
  // Function words of one other language, as many as of English (more than of Turkish and English, since Turkish tweets
  // carry few and share "de", "ne", "ki" with others): franc decides, without leniency. Turkish letters outweigh them.
  // Azerbaijani's q and x, and its own words, in Turkish-looking text
  if (wordsFit && leansTurkish && azerbaijani >= 2) wordsFit = false;
  const native = leansTurkish ? functionWords.turkish + functionWords.english : functionWords.english;
  const confused =
    !(leansTurkish && clearlyTurkish) &&
    (functionWords.foreign >= CONFUSER_MIN_WORDS
      ? leansTurkish ? functionWords.foreign > native : functionWords.foreign >= native
      : functionWords.foreign === 1 && native === 0 && scan.tokenCount <= CONFUSER_SHORT_TOKENS);
  if (leansTurkish && scan.foreignLatinLetters > 0 && AZERBAIJANI_SCHWA.test(text)) {
    return { language: 'az', confidence: 0.9, cue: 'the letter ə (Azerbaijani; Turkish does not write it)', fromPrior: false };
  }
  // a letter neither language writes (à, é, ñ, ð, ə ...) in text that otherwise looks English or Turkish: franc is asked
  const anyForeignLetter = scan.foreignLatinLetters > 0;
  // not one word of the text is a known English or Turkish word: only the character n-grams speak for either (for
  // Turkish-leaning text, unless Turkish letters do too: its inflected forms are often unknown)
  const noKnownWords = (!leansTurkish || (!clearlyTurkish && scan.turkishWeak === 0)) && scan.knownWords === 0 && scan.languageWords >= 2;
  const suspicious = otherScript || mixedScript || foreignLetters || anyForeignLetter || noKnownWords || umlautsInEnglish || !wordsFit || confused;
  let francAgrees = false;
  // franc naming English or Turkish itself, or Turkish endings (not a close second place or a guess)
  let francNamesOurs = false;
  if ((suspicious || !fastOnly) && text.length >= MIN_FRANC_LENGTH) {
    // only on a runtime without a synchronous loader, in the moments before franc's data has arrived
    if (!francReady()) return UNDETERMINED('the language data is still loading');
    const sample = text.length > 600 ? text.slice(0, 600) : text;
    const ranking = francAll(sample, { minLength: MIN_FRANC_LENGTH, only, limit: FRANC_RANKS });
    const code = ranking[0]![0];
    const language = toIso6391(code);
    const ours = language === 'en' || language === 'tr';
    // franc hesitates on Turkish typed without its letters and names minor languages for short
    // noisy texts; English or Turkish close behind, in the direction our model leans, keeps it ours
    const minor = code.length === 3 && language === code;
    const closeCall =
      !ours &&
      !confused &&
      scan.foreignLatinLetters === 0 &&
      (!leansTurkish || azerbaijani < 2) &&
      ranking.slice(1, 6).some(([other, score]) => (other === (leansTurkish ? 'tur' : 'eng')) && score >= (minor ? FRANC_MINOR_CLOSE_CALL : FRANC_CLOSE_CALL));
    // franc naming Turkish for text whose words are mostly unknown Turkish is not enough on its own (Basque, Icelandic)
    const agreeing = language === 'tr' && leansTurkish && azerbaijani < 2 && (clearlyTurkish || (scan.turkishWeak > 0 && scan.foreignLatinLetters === 0) || !manyWords || share >= FRANC_AGREES_SHARE_TURKISH);
    // a minor language named for a short text without letters foreign to English and Turkish is franc guessing
    const guess = !confused && azerbaijani < 2 && minor && leansTurkish && evidence >= GUESS_EVIDENCE && !foreignLetters && sample.length < 80 && scan.knownWords > scan.englishWords && (scan.languageWords <= GUESS_MAX_WORDS || share >= FRANC_AGREES_SHARE_TURKISH);
    // Turkish typed without its letters, which franc takes for a Turkic neighbour or for a language whose function
    // words were not checked: Turkish endings on a quarter of the words, and no other language's function words
    // (a checked language too when the text holds a Turkish function word and none of any other group; never Azerbaijani)
    const suffixes = !ours && leansTurkish ? apostropheSuffixes(text) : 0;
    const unchecked = !CHECKED_LANGUAGES.has(language) || (language !== 'az' && (functionWords.turkish > 0 || suffixes >= 2) && functionWords.foreign === 0);
    const inflected = !ours && leansTurkish && !confused && !foreignLetters && azerbaijani < 2 && unchecked ? turkishInflectedWords(scan) + suffixes : 0;
    const endings = inflected > 0 && inflected * TURKISH_ENDINGS_SHARE >= scan.languageWords;
    const keepTurkish = guess || endings;
    const mayBeOurs = !otherScript && !mixedScript && !foreignLetters && (ours || keepTurkish || !noKnownWords) && (!manyWords || agreeing || keepTurkish || clearlyTurkish || share >= (ours ? FRANC_AGREES_SHARE : FRANC_CLOSE_SHARE));
    if (language !== 'und' && !ours && !((closeCall || keepTurkish) && mayBeOurs)) {
      const reason = otherScript ? 'non-Latin script' : foreignLetters ? 'letters foreign to English and Turkish' : 'words unknown to the English/Turkish model';
      const runnerUp = ranking[1]?.[1] ?? 0;
      return { language, confidence: Math.min(0.95, 0.55 + (1 - runnerUp) * 2), cue: `franc: ${code} (${reason})`, fromPrior: false };
    }
    if (otherScript) return UNDETERMINED('non-Latin script franc could not name', 0.1);
    if (!mayBeOurs) return UNDETERMINED(`franc: ${code}, but the words are not English or Turkish`, 0.2);
    francAgrees = ours || closeCall || keepTurkish;
    francNamesOurs = ours || endings;
  } else if (otherScript) {
    return UNDETERMINED('too short to name the script’s language', 0.1);
  }
  if (mixedScript) return UNDETERMINED('English or Turkish words mixed with another script', 0.3);
  if (suspicious && !francAgrees && manyWords) return UNDETERMINED('words of a language the detector cannot name', 0.2);
  if (noKnownWords && !francAgrees) return UNDETERMINED('no known English or Turkish word', 0.2);
  if (confused && !francAgrees) return UNDETERMINED(`function words of another language (${functionWords.foreignGroup})`, 0.2);

  if (!priorUsable && !francNamesOurs && !clearlyTurkish && !(scan.turkishStrong > 0 && STAND_INS.test(text)) && !hasLanguageEvidence(scan, functionWords)) return UNDETERMINED(NAMES_ONLY_CUE, 0.2);

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

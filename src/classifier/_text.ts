/**
 * @internal One pass over a social-media text. It strips what carries no language
 * (URLs, @handles, the `#` of hashtags), folds letters to lower-case ASCII (so Turkish
 * typed with or without its letters looks the same to the lexicons), hashes each word and
 * every prefix of it, collects emoji and emoticons, and scores the English/Turkish
 * character n-gram model on the way. Nothing here allocates per character; tokens live in
 * typed arrays that grow when needed.
 */

/** Texts longer than this are cut before analysis, so a 100 KB post costs what a 4 KB one does. */
export const MAX_ANALYSED_CHARS = 4000;
/** Prefix hashes kept per word (Turkish stems are matched by prefix). */
export const MAX_PREFIX = 12;

export const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over the folded characters of a string, the same hash the scanner gives a word. */
export function hashWord(word: string): number {
  let hash = FNV_OFFSET;
  for (let index = 0; index < word.length; index++) hash = Math.imul(hash ^ word.charCodeAt(index), FNV_PRIME);
  return hash >>> 0;
}

/** Mixes two 32-bit values into one (for bigrams and salted feature namespaces). */
export function mixHash(first: number, second: number): number {
  let hash = Math.imul(first ^ 0x5bd1e995, 0x9e3779b1) ^ second;
  hash = Math.imul(hash ^ (hash >>> 15), 0x85ebca6b);
  return (hash ^ (hash >>> 13)) >>> 0;
}

// Character tables for U+0000..U+024F: lower-case without folding (for language cues) and
// lower-case ASCII fold (for lexicons). 0 = not a letter or digit.
const LOWER = new Uint16Array(0x250);
const FOLD = new Uint16Array(0x250);
(() => {
  for (let code = 0x30; code <= 0x39; code++) LOWER[code] = FOLD[code] = code;
  for (let code = 0x61; code <= 0x7a; code++) LOWER[code] = FOLD[code] = code;
  for (let code = 0x41; code <= 0x5a; code++) LOWER[code] = FOLD[code] = code + 32;
  const latin = 'àáâãäåāăąçćĉċčďđèéêëēĕėęěĝğġģĥħìíîïĩīĭįıĵķĺļľŀłñńņňòóôõöøōŏőŕŗřśŝşšţťŧùúûüũūŭůűųŵýÿŷźżžßæœə';
  const ascii = 'aaaaaaaaacccccddeeeeeeeeegggghhiiiiiiiiijklllllnnnnoooooooooorrrsssssttttuuuuuuuuuuwyyyzzzsaoe';
  for (let index = 0; index < latin.length; index++) {
    const lower = latin.charCodeAt(index);
    const upper = latin[index]!.toUpperCase();
    LOWER[lower] = lower;
    FOLD[lower] = ascii.charCodeAt(index);
    if (upper.length === 1 && upper.charCodeAt(0) < 0x250 && upper !== latin[index]) {
      LOWER[upper.charCodeAt(0)] = lower;
      FOLD[upper.charCodeAt(0)] = ascii.charCodeAt(index);
    }
  }
  // Windows-1254 Turkish read as Windows-1252 (ý þ ð for ı ş ğ) is common enough to read as Turkish.
  for (const [wrong, right, ascii] of [[0xfd, 0x131, 0x69], [0xfe, 0x15f, 0x73], [0xf0, 0x11f, 0x67], [0xdd, 0x131, 0x69], [0xde, 0x15f, 0x73], [0xd0, 0x11f, 0x67]] as const) {
    LOWER[wrong] = right;
    FOLD[wrong] = ascii;
  }
  // Turkish capitals: İ is i; I stays i for folding (ı and i fold together anyway).
  LOWER[0x130] = 0x69;
  FOLD[0x130] = 0x69;
  LOWER[0x49] = 0x69;
})();

// Character classes, packed per code unit below U+0250: the folded ASCII letter in the low
// byte, class bits above it.
const IS_WORD = 0x100;
const IS_DIGIT = 0x200;
const IS_UPPER = 0x400;
const IS_TURKISH = 0x800;
const IS_TURKISH_WEAK = 0x1000;
const IS_FOREIGN = 0x2000;
const IS_OTHER_SCRIPT = 0x4000;
/** The letter classes the scanner counts (a plain a-z letter has none). */
const LETTER_CLASSES = IS_TURKISH | IS_TURKISH_WEAK | IS_FOREIGN | IS_OTHER_SCRIPT;
/** Invisible joiners and combining dots, dropped inside words. */
const IS_SKIP = 0x8000;
/** The lower-case letter (unfolded) sits above the class bits. */
const LOWER_SHIFT = 16;
const CHAR_INFO = new Uint32Array(0x250);
(() => {
  const turkish = new Set([0xe7, 0x11f, 0x131, 0x15f]);
  const turkishWeak = new Set([0xf6, 0xfc]);
  const sharedWithTurkish = new Set([0xe2, 0xee, 0xfb]);
  for (let code = 0; code < 0x250; code++) {
    const fold = FOLD[code]!;
    if (fold === 0) continue;
    let info = fold | IS_WORD;
    const lower = LOWER[code]!;
    if (code >= 0x30 && code <= 0x39) info |= IS_DIGIT;
    if (lower !== code) info |= IS_UPPER;
    if (turkish.has(lower) || code === 0x130) info |= IS_TURKISH;
    else if (turkishWeak.has(lower)) info |= IS_TURKISH_WEAK;
    else if (lower >= 0xc0 && !sharedWithTurkish.has(lower)) info |= IS_FOREIGN;
    CHAR_INFO[code] = info | (lower << LOWER_SHIFT);
  }
})();

function wideInfo(code: number): number {
  // ə, the Azerbaijani schwa (its capital Ə is in the table): a letter foreign to English and Turkish
  if (code === 0x259) return 0x65 | IS_WORD | IS_FOREIGN;
  if (code === 0x307 || code === 0x200d || code === 0xfe0f || code === 0x200b || code === 0x200c) return IS_SKIP;
  if ((code >= 0x370 && code <= 0x1fff) || (code >= 0x3040 && code <= 0x9fff) || (code >= 0xac00 && code <= 0xd7af)) return IS_WORD | IS_OTHER_SCRIPT;
  return 0;
}

function isUrlAt(text: string, index: number): boolean {
  const code = text.charCodeAt(index) | 0x20;
  const next = text.charCodeAt(index + 1) | 0x20;
  if (code === 0x68) return next === 0x74 && (text.startsWith('http://', index) || text.startsWith('https://', index) || text.startsWith('HTTP', index));
  return next === 0x77 && (text.startsWith('www.', index) || text.startsWith('WWW.', index));
}

const EMPTY_WEIGHTS = new Int8Array(1);
const EMPTY_CHECKS = new Uint8Array(1);
const NO_EMOJI: number[] = [];
const NO_EMOTICONS: string[] = [];

/** Token flags. */
export const TOKEN_CAPS = 1;
export const TOKEN_ELONGATED = 2;
export const TOKEN_NUMERIC = 4;
export const TOKEN_HASHTAG = 8;
/** Written with a capital first letter and the rest lower-case ("Rob"). */
export const TOKEN_TITLE = 16;
/** Written all in lower-case letters. */
export const TOKEN_LOWER = 32;
/** The first word of the text or of a sentence (after . ! ? or a line break). */
export const TOKEN_SENTENCE_START = 64;

/**
 * Length of an English clitic (`ll`, `re`, `ve`, `m`, `d`, any case) starting at `index` and
 * ending a word there, or 0. The apostrophe before it has been read.
 */
function englishCliticLength(text: string, index: number): number {
  const first = text.charCodeAt(index) | 0x20;
  let length = 0;
  if (first === 0x6d || first === 0x64) length = 1;
  else {
    const second = text.charCodeAt(index + 1) | 0x20;
    if ((first === 0x6c && second === 0x6c) || (first === 0x72 && second === 0x65) || (first === 0x76 && second === 0x65)) length = 2;
  }
  if (length === 0) return 0;
  const after = text.charCodeAt(index + length);
  if (after === after && ((after < 0x250 ? CHAR_INFO[after]! : wideInfo(after)) & IS_WORD) !== 0) return 0;
  return length;
}

/**
 * Undoes a second JSON escaping (`I\u2019ll`, `\u002c`) that some exports and relays leave in
 * text, so the apostrophe and comma read as such.
 */
function decodeEscapes(input: string): string {
  return input.replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** The English/Turkish character model the scanner scores as it goes. */
export interface LanguageTable {
  /** Log-ratio per hashed character n-gram, quantised: positive leans Turkish. */
  readonly weights: Int8Array;
  /** Scale that turns a weight back into nats. */
  readonly scale: number;
  /** Log-ratio per hashed whole word seen at least three times in training; 0 = unknown word. */
  readonly words: Int8Array;
  /**
   * The top byte of the word hash stored in each `words` slot, so a word that merely lands on
   * an occupied slot (one chance in 256) is not taken for a known English or Turkish word.
   */
  readonly checks: Uint8Array;
  readonly bits: number;
}

/** The scanner's output; token arrays are views valid until the next scan. */
export interface ScannedText {
  /** The analysed text (the input, cut to {@link MAX_ANALYSED_CHARS}). */
  text: string;
  /**
   * Lower-case ASCII-folded text without URLs and handles, as character codes
   * (`codes[0, codeCount)`); {@link foldedText} makes a string of it when one is needed.
   */
  codes: Uint16Array;
  codeCount: number;
  /** Cache of {@link foldedText}. */
  folded: string | undefined;
  tokenCount: number;
  /** Folded word hash per token. */
  hashes: Uint32Array;
  /** Start and end offsets of each token in `codes`. */
  starts: Uint32Array;
  ends: Uint32Array;
  /** Start and end offsets of each token in `text` (for explanations in the writer's own spelling). */
  rawStarts: Uint32Array;
  rawEnds: Uint32Array;
  flags: Uint8Array;
  /** Clause number per token (clauses end at . ! ? ; , and line breaks). */
  clauses: Uint16Array;
  /** `prefixHashes[token * MAX_PREFIX + length - 1]`: hash of the first `length` folded letters. */
  prefixHashes: Uint32Array;
  /** Folded length per token. */
  lengths: Uint16Array;
  /** Emoji code points in order of appearance, and emoticon polarity codes. */
  emoji: number[];
  emoticonScore: number;
  emoticons: string[];
  exclamations: number;
  questions: number;
  letters: number;
  upperLetters: number;
  urls: number;
  mentions: number;
  /** Letters of non-Latin scripts (Cyrillic, Arabic, CJK ...). */
  otherScriptLetters: number;
  foreignLatinLetters: number;
  turkishStrong: number;
  turkishWeak: number;
  /** Sum of the known words' English/Turkish log-ratios, quantised (positive: Turkish). */
  languageScore: number;
  /**
   * The lower-case letters the character n-gram model reads (`gramCodes[0, gramCount)`, each
   * word closed by {@link GRAM_WORD_END}); {@link languageGramScore} scores them when the
   * words alone do not settle the language.
   */
  gramCodes: Uint16Array;
  gramCount: number;
  /** Words looked up in the known-word bitset, and how many were known. */
  languageWords: number;
  knownWords: number;
  /** Known words that lean English (the rest of `knownWords` lean Turkish). */
  englishWords: number;
  /** Whether the input was cut to {@link MAX_ANALYSED_CHARS}. */
  truncated: boolean;
}

let capacity = 256;
let hashes = new Uint32Array(capacity);
let starts = new Uint32Array(capacity);
let ends = new Uint32Array(capacity);
let rawStarts = new Uint32Array(capacity);
let rawEnds = new Uint32Array(capacity);
let flags = new Uint8Array(capacity);
let clauses = new Uint16Array(capacity);
let lengths = new Uint16Array(capacity);
let prefixHashes = new Uint32Array(capacity * MAX_PREFIX);
const foldedCodes = new Uint16Array(MAX_ANALYSED_CHARS + 8);
const gramCodes = new Uint16Array(MAX_ANALYSED_CHARS * 2 + 8);
/** Closes a word in `gramCodes`. */
const GRAM_WORD_END = 0xffff;

function grow(): void {
  capacity *= 2;
  const copy = <T extends Uint32Array | Uint16Array | Uint8Array>(source: T, size: number): T => {
    const target = new (source.constructor as new (length: number) => T)(size);
    target.set(source);
    return target;
  };
  hashes = copy(hashes, capacity);
  starts = copy(starts, capacity);
  ends = copy(ends, capacity);
  rawStarts = copy(rawStarts, capacity);
  rawEnds = copy(rawEnds, capacity);
  flags = copy(flags, capacity);
  clauses = copy(clauses, capacity);
  lengths = copy(lengths, capacity);
  prefixHashes = copy(prefixHashes, capacity * MAX_PREFIX);
}

const EMOTICON_PATTERN = /(?:^|[\s(])((?:[:;=8xX][-'^o]?[)(\]\[dDpP/\\|*3oO@]+)|(?:<\/?3+)|(?:[)(][-']?[:;=]))(?=$|[\s.,!?)])/g;
const POSITIVE_EMOTICON = /^(?:[:;=8][-'^o]?[)\]dDpP*3]+|[xX][-]?[dD]+|<3+|[(][-']?[:;=])$/;

/** Character n-gram hashes for the language model: one namespace per order. */
function gramIndex(order: number, first: number, second: number, third: number, mask: number): number {
  let hash = Math.imul(first + 1, 0x27d4eb2d) ^ Math.imul(second + 7, 0x165667b1) ^ Math.imul(third + 13, 0x61c88647) ^ order;
  hash = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d);
  return (hash ^ (hash >>> 12)) & mask;
}

/**
 * Sum of the character n-gram log-ratios of a scanned text (quantised; positive leans
 * Turkish). With a `sink`, also counts each n-gram index (training).
 */
export function languageGramScore(scan: ScannedText, language: LanguageTable, sink?: LanguageSink): number {
  const weights = language.weights;
  const mask = (1 << language.bits) - 1;
  const codes = scan.gramCodes;
  let score = 0;
  let previous2 = 32;
  let previous1 = 32;
  for (let index = 0; index < scan.gramCount; index++) {
    const code = codes[index]!;
    const current = code === GRAM_WORD_END ? 32 : code;
    const gram2 = gramIndex(2, previous1, current, 0, mask);
    const gram3 = gramIndex(3, previous2, previous1, current, mask);
    score += weights[gram2]! + weights[gram3]!;
    if (sink) {
      sink.grams[gram2]! += 1;
      sink.grams[gram3]! += 1;
    }
    if (code === GRAM_WORD_END) {
      previous2 = 32;
      previous1 = 32;
    } else {
      previous2 = previous1;
      previous1 = current;
    }
  }
  return score;
}

/** @internal Training hook: counts every n-gram and word index the scanner scores. */
export interface LanguageSink {
  grams: Float64Array;
  /** Occurrences per salted word hash. */
  words: Map<number, number>;
}

/** Salt for whole-word entries of the language table. */
export const LANGUAGE_WORD_SALT = 0x3c6ef372;

/**
 * Scans `input`. `language` may be omitted (training the language model scans without one).
 * Never throws: lone surrogates, control characters and other scripts are skipped or counted.
 */
export function scanText(input: string, language?: LanguageTable, sink?: LanguageSink): ScannedText {
  let text = input.indexOf('\\u') >= 0 ? decodeEscapes(input) : input;
  let truncated = false;
  if (text.length > MAX_ANALYSED_CHARS) {
    text = text.slice(0, MAX_ANALYSED_CHARS);
    truncated = true;
  }
  const words = language ? language.words : EMPTY_WEIGHTS;
  const checks = language ? language.checks : EMPTY_CHECKS;
  const wordMask = language ? language.words.length - 1 : 0;
  const scoring = language !== undefined;
  const foldedLimit = foldedCodes.length - 2;

  let tokenCount = 0;
  let clause = 0;
  let foldedLength = 0;
  let exclamations = 0;
  let questions = 0;
  let letters = 0;
  let upperLetters = 0;
  let urls = 0;
  let mentions = 0;
  let otherScriptLetters = 0;
  let foreignLatinLetters = 0;
  let turkishStrong = 0;
  let turkishWeak = 0;
  let languageScore = 0;
  let gramCount = 0;
  let languageWords = 0;
  let knownWords = 0;
  let englishWords = 0;
  let hashtag = false;
  let sentenceStart = true;
  let faceMarks = 0;
  let emoji: number[] = NO_EMOJI;
  // the per-letter store reads a local, not the module binding grow() may replace
  let prefixes = prefixHashes;

  const length = text.length;
  let index = 0;
  while (index < length) {
    let code = text.charCodeAt(index);
    let info = code < 0x250 ? CHAR_INFO[code]! : wideInfo(code);

    if ((info & IS_WORD) !== 0) {
      // ---- one word, consumed whole
      if (code === 0x68 || code === 0x77 || code === 0x48 || code === 0x57) {
        if (isUrlAt(text, index)) {
          urls++;
          while (index < length && text.charCodeAt(index) > 32) index++;
          continue;
        }
      }
      if (tokenCount === capacity) {
        grow();
        prefixes = prefixHashes;
      }
      if (foldedLength > 0 && foldedCodes[foldedLength - 1] !== 32) foldedCodes[foldedLength++] = 32;
      starts[tokenCount] = foldedLength;
      rawStarts[tokenCount] = index;
      let wordHash = FNV_OFFSET;
      let rawHash = FNV_OFFSET;
      let wordLength = 0;
      let wordUpper = 0;
      let wordLetters = 0;
      let runChar = 0;
      let runLength = 0;
      let elongated = false;
      const firstUpper = (info & IS_UPPER) !== 0;
      const prefixBase = tokenCount * MAX_PREFIX;
      while (index < length) {
        if ((info & IS_WORD) === 0) {
          // apostrophes inside a word join it: don't -> dont, Turkcell'e -> turkcelle; an English
          // clitic ('ll 're 've 'm 'd) ends it instead, so I'll is "i", not "ill", and he'll is not "hell"
          if ((code === 0x27 || code === 0x2019) && index + 1 < length) {
            const next = text.charCodeAt(index + 1);
            const clitic = englishCliticLength(text, index + 1);
            if (clitic > 0) {
              index += 1 + clitic;
              break;
            }
            if (((next < 0x250 ? CHAR_INFO[next]! : wideInfo(next)) & IS_WORD) !== 0) {
              index++;
              code = next;
              info = next < 0x250 ? CHAR_INFO[next]! : wideInfo(next);
              continue;
            }
          }
          if ((info & IS_SKIP) !== 0) {
            index++;
            if (index < length) {
              code = text.charCodeAt(index);
              info = code < 0x250 ? CHAR_INFO[code]! : wideInfo(code);
            }
            continue;
          }
          break;
        }
        const fold = info & 0xff;
        const lower = code < 0x250 ? info >>> LOWER_SHIFT : code;
        if ((info & IS_DIGIT) === 0) {
          wordLetters++;
          if ((info & IS_UPPER) !== 0) wordUpper++;
          if ((info & LETTER_CLASSES) === 0) {
            // a letter of English and Turkish alike: nothing to count
          } else if ((info & IS_OTHER_SCRIPT) !== 0) otherScriptLetters++;
          else if ((info & IS_TURKISH) !== 0) turkishStrong++;
          else if ((info & IS_TURKISH_WEAK) !== 0) turkishWeak++;
          else if ((info & IS_FOREIGN) !== 0) foreignLatinLetters++;
        }
        if (fold === runChar) runLength++;
        else {
          runChar = fold;
          runLength = 1;
        }
        if (runLength >= 3) {
          elongated = true;
        } else {
          if (scoring) {
            gramCodes[gramCount++] = lower & 0x3ff;
            rawHash = Math.imul(rawHash ^ lower, FNV_PRIME);
          }
          if (foldedLength < foldedLimit) foldedCodes[foldedLength++] = fold === 0 ? (code & 0xffff) : fold;
          wordHash = Math.imul(wordHash ^ (fold === 0 ? code : fold), FNV_PRIME);
          if (wordLength < MAX_PREFIX) prefixes[prefixBase + wordLength] = wordHash >>> 0;
          wordLength++;
        }
        index++;
        if (index < length) {
          code = text.charCodeAt(index);
          info = code < 0x250 ? CHAR_INFO[code]! : wideInfo(code);
        }
      }
      // ---- finish the word
      letters += wordLetters;
      upperLetters += wordUpper;
      if (scoring) {
        gramCodes[gramCount++] = GRAM_WORD_END;
        if (wordLetters === wordLength && wordLength > 1) {
          const wordKey = mixHash(rawHash, LANGUAGE_WORD_SALT);
          const wordIndex = wordKey & wordMask;
          const wordWeight = words[wordIndex]!;
          languageWords++;
          if (wordWeight !== 0 && checks[wordIndex] === wordKey >>> 24) {
            languageScore += 2 * wordWeight;
            knownWords++;
            if (wordWeight < 0) englishWords++;
          }
          if (sink) sink.words.set(wordKey, (sink.words.get(wordKey) ?? 0) + 1);
        }
      }
      hashes[tokenCount] = wordHash >>> 0;
      ends[tokenCount] = foldedLength;
      rawEnds[tokenCount] = index;
      lengths[tokenCount] = wordLength;
      let tokenFlags = 0;
      if (wordUpper >= 2 && wordUpper === wordLetters) tokenFlags |= TOKEN_CAPS;
      if (elongated) tokenFlags |= TOKEN_ELONGATED;
      if (wordLetters === 0) tokenFlags |= TOKEN_NUMERIC;
      if (hashtag) tokenFlags |= TOKEN_HASHTAG;
      if (wordUpper === 0) tokenFlags |= TOKEN_LOWER;
      else if (wordLetters >= 2 && wordUpper === 1 && firstUpper) tokenFlags |= TOKEN_TITLE;
      if (sentenceStart) tokenFlags |= TOKEN_SENTENCE_START;
      sentenceStart = false;
      // "xD", "XP", "8D": faces made of letters
      if (wordLength <= 3 && (foldedCodes[starts[tokenCount]!] === 0x78 || foldedCodes[starts[tokenCount]!] === 0x38)) faceMarks++;
      flags[tokenCount] = tokenFlags;
      clauses[tokenCount] = clause;
      tokenCount++;
      hashtag = false;
      if (foldedLength < foldedLimit) foldedCodes[foldedLength++] = 32;
      continue;
    }

    // ---- between words
    if (code === 0x40) {
      mentions++;
      index++;
      while (index < length) {
        const next = text.charCodeAt(index);
        if (((next < 0x250 ? CHAR_INFO[next]! : wideInfo(next)) & IS_WORD) === 0 && next !== 0x5f) break;
        index++;
      }
      continue;
    }
    if (code === 0x23) {
      hashtag = true;
      index++;
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = index + 1 < length ? text.charCodeAt(index + 1) : 0;
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        const point = ((code - 0xd800) << 10) + (next - 0xdc00) + 0x10000;
        if (point >= 0x1f000) {
          if (emoji === NO_EMOJI) emoji = [];
          if (emoji.length < 64) emoji.push(point);
        }
        index += 2;
      } else index++; // a lone surrogate carries nothing
      continue;
    }
    if ((code >= 0x2190 && code <= 0x2bff) || code === 0x3030 || code === 0x303d) {
      if (emoji === NO_EMOJI) emoji = [];
      if (emoji.length < 64) emoji.push(code);
      index++;
      continue;
    }
    hashtag = false;
    // eyes, mouths, noses and hearts of emoticons: only then is the emoticon pattern run
    if (code === 0x3a || code === 0x3b || code === 0x3d || code === 0x3c || code === 0x28 || code === 0x29) faceMarks++;
    if (code === 0x21) exclamations++;
    else if (code === 0x3f) questions++;
    if (code === 0x2e || code === 0x21 || code === 0x3f || code === 0x0a) sentenceStart = true;
    if (code === 0x2e || code === 0x21 || code === 0x3f || code === 0x3b || code === 0x2c || code === 0x0a || code === 0x3a) {
      if (tokenCount > 0 && clauses[tokenCount - 1] === clause) clause++;
    }
    if (foldedLength < foldedLimit) {
      if (code > 32 && code < 0x250) foldedCodes[foldedLength++] = code;
      else if (foldedLength > 0 && foldedCodes[foldedLength - 1] !== 32) foldedCodes[foldedLength++] = 32;
    }
    index++;
  }

  let emoticonScore = 0;
  let emoticons: string[] = NO_EMOTICONS;
  if (faceMarks > 0 && mayHoldEmoticon(text)) {
    EMOTICON_PATTERN.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = EMOTICON_PATTERN.exec(text)) !== null && emoticonScore < 32 && emoticonScore > -32) {
      const emoticon = match[1]!;
      if (emoticons === NO_EMOTICONS) emoticons = [];
      emoticons.push(emoticon);
      emoticonScore += POSITIVE_EMOTICON.test(emoticon) ? 1 : -1;
    }
  }

  return {
    text,
    codes: foldedCodes,
    codeCount: foldedLength,
    folded: undefined,
    tokenCount,
    hashes,
    starts,
    ends,
    rawStarts,
    rawEnds,
    flags,
    clauses,
    prefixHashes,
    lengths,
    emoji,
    emoticonScore,
    emoticons,
    exclamations,
    questions,
    letters,
    upperLetters,
    urls,
    mentions,
    otherScriptLetters,
    foreignLatinLetters,
    turkishStrong,
    turkishWeak,
    languageScore,
    gramCodes,
    gramCount,
    languageWords,
    knownWords,
    englishWords,
    truncated,
  };
}

/** Characters that can follow `:`, `;`, `=`, `8` or `x` in an emoticon, or precede `:` in a reversed one. */
const EMOTICON_NEXT = new Set([...")(][dDpP/\\|*3oO@-'^"].map((character) => character.charCodeAt(0)));

/** Cheap pre-check for {@link EMOTICON_PATTERN}: an eye followed by a mouth, or `<3`. */
function mayHoldEmoticon(text: string): boolean {
  const length = text.length;
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code === 0x3a || code === 0x3b || code === 0x3d) {
      const next = text.charCodeAt(index + 1);
      // the "://" of a URL is not a face
      if (EMOTICON_NEXT.has(next) && !(next === 0x2f && text.charCodeAt(index + 2) === 0x2f && ((CHAR_INFO[text.charCodeAt(index - 1)] ?? 0) & IS_WORD) !== 0)) return true;
      let before = index > 0 ? text.charCodeAt(index - 1) : 0;
      if ((before === 0x2d || before === 0x27) && index > 1) before = text.charCodeAt(index - 2);
      if (before === 0x28 || before === 0x29) return true;
    } else if (code === 0x3c) {
      const next = text.charCodeAt(index + 1);
      if (next === 0x33 || (next === 0x2f && text.charCodeAt(index + 2) === 0x33)) return true;
    } else if (code === 0x78 || code === 0x58 || code === 0x38) {
      const before = index > 0 ? text.charCodeAt(index - 1) : 0x20;
      if ((before === 0x20 || before === 0x28 || before === 0x0a || before === 0x09 || before === 0x0d || before === 0x0c || before === 0x0b || before === 0xa0) && EMOTICON_NEXT.has(text.charCodeAt(index + 1))) return true;
    }
  }
  return false;
}

/** The folded text (words, punctuation, single spaces), built once per scan on demand. */
export function foldedText(scan: ScannedText): string {
  if (scan.folded !== undefined) return scan.folded;
  let folded = '';
  for (let offset = 0; offset < scan.codeCount; offset += 2048) {
    folded += String.fromCharCode.apply(null, scan.codes.subarray(offset, Math.min(scan.codeCount, offset + 2048)) as unknown as number[]);
  }
  scan.folded = folded;
  return folded;
}

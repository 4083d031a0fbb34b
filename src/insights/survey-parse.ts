/**
 * Reads a customer's answer to a CSAT (1–5) or NPS (0–10) survey: numbers ("5", "10/10",
 * "4/5", "8 out of 10", "10 üzerinden 8", "5 yıldız"), stars ("⭐⭐⭐⭐", "★★★☆☆"), words in
 * English and Turkish ("very satisfied", "çok memnun kaldım", "berbat", "fena değil") with
 * negation and intensifiers, faces ("😍", "👎"); else the classifier's sentiment, flagged as low
 * confidence.
 *
 * @module
 */
import type { Classification } from '../interaction.js';
import { foldForMatch } from './_shared.js';

/** The two survey scales. */
export type SurveyKind = 'csat' | 'nps';

/** A score read from a reply. */
export interface SurveyScore {
  /** On the survey's scale: 1–5 for CSAT, 0–10 for NPS. */
  score: number;
  kind: SurveyKind;
  /** `low` for sentiment fallbacks, mixed wording and numbers off the asked scale. */
  confidence: 'high' | 'low';
  method: 'number' | 'stars' | 'words' | 'emoji' | 'sentiment';
  /** The part of the text (or the label) the score came from. */
  evidence: string;
}

const SCALE = { csat: { min: 1, max: 5 }, nps: { min: 0, max: 10 } } as const;
// A word rating on the 1–5 scale, as an NPS answer: only "very" positive wording makes a promoter.
const CSAT_TO_NPS = [0, 0, 3, 6, 8, 10] as const;

/** Word ratings on the 1–5 scale. Keys are folded (lower-case ASCII) token sequences. */
const LEXICON: Record<string, number> = {
  // English
  'extremely satisfied': 5,
  excellent: 5,
  amazing: 5,
  perfect: 5,
  outstanding: 5,
  fantastic: 5,
  awesome: 5,
  wonderful: 5,
  superb: 5,
  great: 5,
  'love it': 5,
  'loved it': 5,
  'highly recommend': 5,
  recommend: 5,
  'would recommend': 5,
  satisfied: 4,
  happy: 4,
  pleased: 4,
  good: 4,
  nice: 4,
  helpful: 4,
  'no complaints': 4,
  ok: 3,
  okay: 3,
  fine: 3,
  average: 3,
  alright: 3,
  meh: 3,
  'so so': 3,
  mediocre: 3,
  dissatisfied: 2,
  unsatisfied: 2,
  unhappy: 2,
  bad: 2,
  poor: 2,
  disappointed: 2,
  disappointing: 2,
  unhelpful: 2,
  terrible: 1,
  awful: 1,
  horrible: 1,
  worst: 1,
  useless: 1,
  disgusting: 1,
  // Turkish (folded: ç→c, ğ→g, ı→i, ö→o, ş→s, ü→u)
  mukemmel: 5,
  harika: 5,
  super: 5,
  muthis: 5,
  kusursuz: 5,
  bayildim: 5,
  efsane: 5,
  'tavsiye ederim': 5,
  oneririm: 5,
  memnun: 4,
  memnunum: 4,
  memnunuz: 4,
  'memnun kaldim': 4,
  'memnun kaldik': 4,
  iyi: 4,
  iyiydi: 4,
  guzel: 4,
  guzeldi: 4,
  begendim: 4,
  'sikayetim yok': 4,
  'idare eder': 3,
  'eh iste': 3,
  orta: 3,
  vasat: 3,
  normal: 3,
  fena: 2,
  kotu: 2,
  kotuydu: 2,
  begenmedim: 2,
  yetersiz: 2,
  'hayal kirikligi': 2,
  'memnun kalmadim': 2,
  'memnun kalmadik': 2,
  berbat: 1,
  rezalet: 1,
  rezil: 1,
  felaket: 1,
  'tavsiye etmem': 1,
  'tavsiye etmiyorum': 1,
  onermem: 1,
};
const LONGEST_PHRASE = Math.max(...Object.keys(LEXICON).map((key) => key.split(' ').length));

const NEGATORS = new Set(['not', 'never', 'no', 'hardly', 'nor']);
const INTENSIFIERS = new Set(['very', 'really', 'so', 'extremely', 'incredibly', 'totally', 'absolutely', 'truly', 'super', 'cok', 'gercekten', 'asiri', 'inanilmaz', 'son', 'derece', 'pek', 'definitely', 'highly']);
/** `değil` and its personal forms, after the word it negates. */
const TURKISH_NEGATION = /^degil/;
/** A Turkish verb in the negative (-ma/-me + past, present or aorist): `kalmadım`, `olmadı`, `beğenmiyorum`. */
const TURKISH_NEGATIVE_VERB = /^[a-z]+m[ae](di|dı|yi|yor|z|mis|yacak)/;
const UNIT_WORDS = new Set(['day', 'days', 'hour', 'hours', 'minute', 'minutes', 'min', 'mins', 'week', 'weeks', 'times', 'gun', 'gundur', 'saat', 'saattir', 'dakika', 'hafta', 'kez', 'kere', 'defa', 'tl', 'lira', 'usd', 'eur', 'euro', 'dollars', 'kg', 'adet', 'tane', 'siparis', 'order']);
const RATING_WORDS = new Set(['star', 'stars', 'yildiz', 'puan', 'point', 'points', 'pts', 'verdim', 'veriyorum', 'veririm']);
const NUMBER_WORDS: Record<string, number> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  sifir: 0, bir: 1, iki: 2, uc: 3, dort: 4, bes: 5, alti: 6, yedi: 7, sekiz: 8, dokuz: 9, on: 10,
};

function clamp(value: number, kind: SurveyKind): number {
  return Math.min(SCALE[kind].max, Math.max(SCALE[kind].min, Math.round(value)));
}

/** A value on `0..scale` (or `1..scale`) converted to the survey's scale. */
function rescale(value: number, scale: number, kind: SurveyKind): number {
  if (kind === 'nps') return clamp((value / scale) * 10, kind);
  return clamp((value / scale) * 5, kind);
}

function fromStars(text: string, kind: SurveyKind): SurveyScore | null {
  const filled = [...text.matchAll(/[⭐★🌟]/gu)].length;
  if (filled === 0) return null;
  const empty = [...text.matchAll(/☆/gu)].length;
  const scale = empty > 0 ? filled + empty : 5;
  if (filled > scale || scale > 10) return null;
  return { score: kind === 'csat' && scale === 5 ? clamp(filled, kind) : rescale(filled, scale, kind), kind, confidence: 'high', method: 'stars', evidence: '★'.repeat(filled) + '☆'.repeat(empty) };
}

/** Faces and thumbs rated 1–5; used when the text has no number and no rating word. */
const EMOJI_RATINGS: Array<[RegExp, number]> = [
  [/😍|🤩|🥰|💯|❤️|😻/gu, 5],
  [/😊|🙂|😀|😃|😄|👍|☺️/gu, 4],
  [/😐|😶|🤷/gu, 3],
  [/🙁|☹️|😕|😞|😒|👎/gu, 2],
  [/😡|🤬|😠|😤|💩/gu, 1],
];

function fromEmoji(text: string, kind: SurveyKind): SurveyScore | null {
  const found: number[] = [];
  let evidence = '';
  for (const [pattern, value] of EMOJI_RATINGS) {
    for (const match of text.matchAll(pattern)) {
      found.push(value);
      evidence += match[0];
    }
  }
  if (found.length === 0) return null;
  const rating = clamp(found.reduce((sum, value) => sum + value, 0) / found.length, 'csat');
  const spread = Math.max(...found) - Math.min(...found);
  return { score: kind === 'csat' ? rating : CSAT_TO_NPS[rating]!, kind, confidence: spread > 1 ? 'low' : 'high', method: 'emoji', evidence };
}

function fromNumbers(folded: string, kind: SurveyKind): SurveyScore | null {
  // Number words count only next to a rating word or a scale: "five stars", "on üzerinden sekiz".
  const text = folded.replace(/\b([a-z]+)\b(?=\s+(?:stars?|yildiz|puan|out of|uzerinden)\b)|(?<=\b(?:out of|uzerinden)\s+)\b([a-z]+)\b/g, (word) => (word in NUMBER_WORDS ? String(NUMBER_WORDS[word]) : word));
  const ratio = /(\d{1,3}(?:[.,]\d)?)\s*(?:\/|out of|over|of)\s*(\d{1,3})\b/.exec(text);
  if (ratio) {
    const value = Number(ratio[1]!.replace(',', '.'));
    const scale = Number(ratio[2]);
    if (scale > 0 && value <= scale) return { score: rescale(value, scale, kind), kind, confidence: 'high', method: 'number', evidence: ratio[0] };
  }
  const turkishRatio = /(\d{1,3})\s*uzerinden\s*(\d{1,3}(?:[.,]\d)?)/.exec(text);
  if (turkishRatio) {
    const scale = Number(turkishRatio[1]);
    const value = Number(turkishRatio[2]!.replace(',', '.'));
    if (scale > 0 && value <= scale) return { score: rescale(value, scale, kind), kind, confidence: 'high', method: 'number', evidence: turkishRatio[0] };
  }
  const tokens = text.split(/[^a-z0-9]+/).filter(Boolean);
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index]!;
    if (!/^\d{1,2}$/.test(token)) continue;
    const next = tokens[index + 1];
    if (next !== undefined && UNIT_WORDS.has(next)) continue;
    const rated = next !== undefined && RATING_WORDS.has(next);
    // A bare number inside a long sentence ("waited 3 days, then ...") is not an answer.
    if (!rated && index > 0 && tokens.length > 4) continue;
    const value = Number(token);
    const { min, max } = SCALE[kind];
    if (value >= min && value <= max) return { score: value, kind, confidence: 'high', method: 'number', evidence: rated ? `${token} ${next}` : token };
    if (kind === 'csat' && value > 5 && value <= 10) return { score: rescale(value, 10, kind), kind, confidence: 'low', method: 'number', evidence: token };
  }
  return null;
}

/** Folded tokens per clause: a negation or intensifier never reaches across punctuation. */
function clausesOf(text: string): string[][] {
  const folded = foldForMatch(text.replace(/['’]t\b/gi, ' not'));
  return folded
    .split(/[.,;:!?()\n]+|\b(?:but|ama|fakat|ancak)\b/)
    .map((clause) => clause.split(/[^a-z0-9]+/).filter(Boolean))
    .filter((tokens) => tokens.length > 0);
}

function negate(value: number, atAll: boolean): number {
  if (value >= 4) return atAll ? 1 : 2;
  if (value === 3) return 2;
  return atAll ? 4 : 3;
}

function intensify(value: number): number {
  return value >= 4 ? 5 : value <= 2 ? 1 : value;
}

function fromWords(text: string, kind: SurveyKind): SurveyScore | null {
  const found: Array<{ value: number; phrase: string }> = [];
  for (const tokens of clausesOf(text)) {
    let consumedUntil = 0;
    for (let index = 0; index < tokens.length; index++) {
      let length = Math.min(LONGEST_PHRASE, tokens.length - index);
      let value: number | undefined;
      for (; length > 0; length--) {
        value = LEXICON[tokens.slice(index, index + length).join(' ')];
        if (value !== undefined) break;
      }
      if (value === undefined) continue;
      const end = index + length;
      const before = tokens.slice(Math.max(consumedUntil, index - 4), index);
      const after = tokens.slice(end, end + 3);
      const negated =
        before.some((token) => NEGATORS.has(token)) ||
        (after[0] !== undefined && (TURKISH_NEGATION.test(after[0]) || TURKISH_NEGATIVE_VERB.test(after[0]))) ||
        (after[0] === 'hic' && after[1] !== undefined && TURKISH_NEGATION.test(after[1]));
      const atAll = before.includes('hic') || after.includes('hic') || /\bat all\b/.test(`${before.join(' ')} ${after.join(' ')}`);
      const intensified = before.length > 0 && INTENSIFIERS.has(before.at(-1)!);
      const negatedAfter = negated && !before.some((token) => NEGATORS.has(token));
      // "çok memnun kalmadım" is "not very satisfied": an intensifier before a negative verb softens it.
      const negativeVerb = TURKISH_NEGATIVE_VERB.test(tokens[end - 1]!);
      let rating = (intensified && !negativeVerb) || (atAll && value <= 2) ? intensify(value) : value;
      if (negated) rating = negate(value, atAll);
      const start = negated || intensified || atAll ? index - before.length : index;
      const stop = negatedAfter ? end + (after[0] === 'hic' ? 2 : 1) : end;
      found.push({ value: rating, phrase: tokens.slice(start, stop).join(' ') });
      consumedUntil = stop;
      index = consumedUntil - 1;
    }
  }
  if (found.length === 0) return null;
  const average = found.reduce((sum, item) => sum + item.value, 0) / found.length;
  const spread = Math.max(...found.map((item) => item.value)) - Math.min(...found.map((item) => item.value));
  const rating = clamp(average, 'csat');
  return {
    score: kind === 'csat' ? rating : CSAT_TO_NPS[rating]!,
    kind,
    confidence: spread > 1 ? 'low' : 'high',
    method: 'words',
    evidence: found.map((item) => item.phrase).join(' | '),
  };
}

/**
 * Reads a survey answer; `null` when neither the text nor a classification gives a score.
 * @example parseSurveyReply('10/10', 'nps') // { score: 10, confidence: 'high', method: 'number', ... }
 * @example parseSurveyReply('hiç memnun kalmadım', 'csat') // { score: 1, method: 'words', ... }
 */
export function parseSurveyReply(text: string, kind: SurveyKind, classification?: Classification): SurveyScore | null {
  const parsed = fromStars(text, kind) ?? fromNumbers(foldForMatch(text), kind) ?? fromWords(text, kind) ?? fromEmoji(text, kind);
  if (parsed) return parsed;
  if (!classification || !classification.languageSupported) return null;
  const sentiment = classification.sentiment.score;
  return {
    score: kind === 'csat' ? clamp(3 + 2 * sentiment, kind) : clamp(5 + 5 * sentiment, kind),
    kind,
    confidence: 'low',
    method: 'sentiment',
    evidence: `sentiment ${classification.sentiment.label} (${sentiment.toFixed(2)})`,
  };
}

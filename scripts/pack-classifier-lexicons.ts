/**
 * Packs the classifier's built-in lexicons (the word lists of src/classifier/lexicons.ts, AFINN-165
 * and the VADER valences) into src/classifier/model/lexicon.ts, so that a process loads finished
 * hash tables instead of hashing some 11,000 words at start (issue 17, fast start).
 *
 * `npx tsx scripts/pack-classifier-lexicons.ts` after changing a word list; test/classifier/lexicon-pack.test.ts
 * fails until the packed tables match the lists.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lexiconFromSources, packLexicon } from '../src/classifier/lexicon-sources.js';

const target = fileURLToPath(new URL('../src/classifier/model/lexicon.ts', import.meta.url));
const packed = { en: packLexicon(lexiconFromSources('en')), tr: packLexicon(lexiconFromSources('tr')) };
writeFileSync(
  target,
  `/** @internal The built-in lexicons as hash tables (written by scripts/pack-classifier-lexicons.ts; do not edit). */\n` +
    `import type { PackedLexicon } from '../sentiment.js';\n\n` +
    `export const PACKED_LEXICONS: Readonly<Record<'en' | 'tr', PackedLexicon>> = ${JSON.stringify(packed, null, 2)};\n`,
);
console.log(`wrote ${target}: en ${JSON.stringify(packed.en).length} characters, tr ${JSON.stringify(packed.tr).length}`);

/**
 * @internal Function words of English, Turkish and the Latin-script languages most often taken
 * for them (hand-written, folded to ASCII as the scanner folds words). A text whose words are
 * mostly "known" to the English/Turkish model can still be Dutch, Spanish or Yoruba: names,
 * numbers and borrowed words are known in every language. Function words are not borrowed, so a
 * text holding as many function words of another language as of its own goes to franc.
 */
import { IntMap } from './_int-map.js';
import { hashWord, TOKEN_ELONGATED, type ScannedText } from './_text.js';

const ENGLISH = `the a an and or but of to in on at for with from by about as into than then so if is are was were be been
being am do does did have has had will would can could should may might must shall not no i you he she it we they me him
us them my your his her its our their this that these those what which who whom when where why how there here all just
im dont its cant wont didnt isnt thats ive youre`;

const TURKISH = `ve bir bu da de ki ne ile icin cok ben sen o biz siz onlar mi mu ama gibi daha en var yok degil her kadar sonra
simdi neden nasil ya hep su ise diye olan olarak beni seni bana sana onu hic artik zaten bile sadece bunu sey kendi oldu
ayni bence niye hala iste hem ile`;

/**
 * Each entry names a group (a language, or close languages that share their function words)
 * and its words. Single letters are left out: they are abbreviations, initials and slang in
 * English tweets far more often than another language's "and" or "in".
 */
const CONFUSERS: ReadonlyArray<readonly [group: string, words: string]> = [
  ['af', "kom hou tot onder teen die het is nie en van in te op wat vir dit ek jy sy hy ons hulle met om aan as was word deur ook kan sal baie nog maar daar hier dis een hierdie"],
  ['nl', 'de het een van en in is dat op te zijn voor met niet die er aan ook als bij maar om nog door naar uit wordt worden deze dit wat kan zo al werd hij zij ze je ik wij heeft'],
  ['de', 'der die das und ist nicht ein eine einen mit den dem des sich auch auf fur von zu im wird sind zum zur bei nach aus wie oder aber noch nur ich es sie er wir hat haben werden wurde kann uber'],
  ['nordic', 'paa ble blev og at er det som en et til af pa med for den de ikke har var jeg han hun vi kan vil skal fra om men ogsa eller och att ar inte av ett sig jag hade nar efter ad sem um vid ekki thad fyrir hann eru'],
  ['es', 'tiene el la los las de del en que un una por para con no es se su sus al lo como mas pero este esta son fue ha muy tambien hay sin sobre entre cuando ya'],
  ['pt', 'muito voce esse essa os as de do da dos das em no na nos nas um uma que por para com nao se sua seu mais como mas foi ao ser sao esta isso pelo pela tem ja'],
  ['ca', 'pel pels fou nomes perque el la els les de del en que un una per amb no es va al als com mes pero aquesta aquest seu seva dels hi ha molt tambe'],
  ['fr', 'etait le la les de des du et en un une que qui est pas pour dans sur au aux avec ce cette il elle nous vous ils sont se ne plus par son sa ses mais ou'],
  ['it', 'essere il lo la le gli di del della dei delle che un una per in con non si sono da al alla nel nella questo questa anche come ma piu'],
  ['ro', 'si de la in cu pe un este sunt care mai din pentru nu se ca ce sa fost acest aceasta sau lui ei al ale'],
  ['la', 'et in est non ad cum ut sed quod qui quae ex de per esse sunt erat enim autem atque ab eius hoc inter semper etiam nec'],
  ['eo', 'la kaj de en estas al ne sed unu por pri kun tiu jam ankau ke li si ni ili mi vi el da estis'],
  ['id', 'kepada yang dan di ini itu dengan untuk dari tidak ada akan dalam pada juga oleh ke saya kami kita mereka adalah atau sudah bisa karena tetapi lebih belum telah sebagai'],
  ['tl', 'sina kanyang ang ng mga sa na ay at si ni ito kay hindi siya niya ka ko mo ako ikaw nang para may'],
  ['sh', 'nije koji je na da se za su od ne sa kao to ali ili koji koja koje bi bio pa ni vse tudi ter ki so in kot jih bo smo'],
  ['cs', 'je se na to ze do jako ale ktery ktera ktere by jsou byl bylo pro po jeho jsem aby sa ako som bol su pre ktore tak aj'],
  ['pl', 'na sie nie do to ze jest jak co ale po tak od za jego przez czy tylko juz sa jej oraz przy'],
  ['hu', 'az es hogy nem egy is meg ez de van csak mint volt vagy ha azt mar el ki'],
  ['fi', 'ja on ei se etta oli mutta kun tai ole myos ovat han ne me joka kuin niin ka ning et kui see oma aga mis seda ta'],
  ['baltic', 'ir kad yra kaip buvo arba jis su uz bet tai bija tas kas vai ari un par ka no ar ja'],
  ['sq', 'dhe te ne nje qe me per nga eshte se si jane ka kjo'],
  ['eu', 'eta da ez bat ere du zen dira izan dago baina zuen egin hori bere ditu'],
  ['cy', 'yr ac yn ei mae gan wedi eu hyn ydy bod fel oedd gyda ein sy hefyd ar am'],
  ['ga', 'leis sna an na agus ar is le sa go ag ta bhi ni do chun seo nach iad ata'],
  ['az', 'cox olub edir edib idi il kimi deyil indi qeder bele nece yanvar fevral aprel iyun iyul avqust sentyabr oktyabr noyabr dekabr'],
  ['sw', 'kwamba na ya wa kwa ni za la katika kama hii huo lakini pia sana kuwa hiyo cha vya wake'],
  ['yo', 'ni ti si won awon ati je lati naa ninu sugbon tabi pelu fun ko ba lo wa tele'],
  ['mi', 'te ka ki he ko nga me kua ana ano tana kei hei etahi wa ia'],
  ['bantu', 'abantu kuti vanhu asi muna le ka ya go mo ba ke sa ho ha tse tsa hore bona ne gore mme gape ukuba kwa ngo uku nge ngoba kodwa futhi ukuthi kanye noma na ku mu nti era oba bwe kye iyo waxa ayaa uu aan soo wuxuu leswi swa loko eka hi'],
];

/**
 * ISO 639-1 codes of the groups above: when franc names one of these, the function words could
 * have told (and did not object); when it names another language for Turkish-looking text, it is
 * usually guessing on Turkish typed without its letters.
 */
export const CHECKED_LANGUAGES: ReadonlySet<string> = new Set(
  'af nl de da nb nn sv is fo es pt gl ca fr it ro la eo id ms tl bs hr sr sl cs sk pl hu fi et lt lv sq eu cy ga gd az sw yo mi st tn ts zu xh sn lg so'.split(' '),
);

/** Bit 0: an English function word; bit 1: a Turkish one; bit 2 + g: a function word of group g. */
let wordMap: IntMap | undefined;
/** The longest function word (longer words are not looked up). */
let longest = 0;

function build(): IntMap {
  if (CONFUSERS.length > 29) throw new Error('at most 29 groups fit in a non-negative 32-bit value');
  const bits = new Map<string, number>();
  const add = (word: string, bit: number) => {
    bits.set(word, (bits.get(word) ?? 0) | bit);
    longest = Math.max(longest, word.length);
  };
  for (const word of ENGLISH.split(/\s+/)) add(word, 1);
  for (const word of TURKISH.split(/\s+/)) add(word, 2);
  CONFUSERS.forEach(([, words], group) => {
    for (const word of words.split(/\s+/)) if (word.length > 1) add(word, 1 << (group + 2));
  });
  const map = new IntMap(bits.size);
  for (const [word, value] of bits) map.set(hashWord(word), value);
  return map;
}

const counts = new Int32Array(CONFUSERS.length);
const result: FunctionWordCounts = { english: 0, turkish: 0, foreign: 0, foreignGroup: undefined, azerbaijani: 0 };
const AZERBAIJANI = CONFUSERS.findIndex(([group]) => group === 'az');

/** Function words of a text: English, Turkish, and the largest count of any other group, with that group's name. */
export interface FunctionWordCounts {
  english: number;
  turkish: number;
  foreign: number;
  foreignGroup: string | undefined;
  /** Azerbaijani function words (counted apart: Turkish letters do not rule Azerbaijani out). */
  azerbaijani: number;
}

/** Counts the function words of a scanned text (one hash look-up per short word). The answer is reused by the next call. */
export function countFunctionWords(scan: ScannedText): FunctionWordCounts {
  const map = (wordMap ??= build());
  let english = 0;
  let turkish = 0;
  let touched = false;
  for (let token = 0; token < scan.tokenCount; token++) {
    // "sooo" is English "so" drawn out, not Somali "soo"
    if (scan.lengths[token]! > longest || (scan.flags[token]! & TOKEN_ELONGATED) !== 0) continue;
    const value = map.get(scan.hashes[token]!);
    if (value <= 0) continue;
    english += value & 1;
    turkish += (value >>> 1) & 1;
    let groups = value >>> 2;
    if (groups === 0) continue;
    if (!touched) {
      counts.fill(0);
      touched = true;
    }
    while (groups !== 0) {
      const lowest = groups & -groups;
      counts[31 - Math.clz32(lowest)]!++;
      groups ^= lowest;
    }
  }
  let foreign = 0;
  let foreignGroup: string | undefined;
  if (touched) {
    for (let group = 0; group < counts.length; group++) {
      if (counts[group]! > foreign) {
        foreign = counts[group]!;
        foreignGroup = CONFUSERS[group]![0];
      }
    }
  }
  result.english = english;
  result.turkish = turkish;
  result.foreign = foreign;
  result.foreignGroup = foreignGroup;
  result.azerbaijani = touched ? counts[AZERBAIJANI]! : 0;
  return result;
}

/**
 * Word endings of Turkish inflection (folded: ı→i, ş→s, ç→c, ğ→g), longest first within each
 * family: present continuous, possessives, plurals, past and reported past, future, copula,
 * derivation, infinitive, cases.
 */
const TURKISH_ENDINGS = 'iyor uyor yor miz niz muz nuz lar ler dim dik tim tik dum duk mis mus ecek acak dir dur tir tur lik luk siz suz mek mak den dan nin nun yla yle yan yen sin sun'
  .split(' ')
  .map((ending) => Array.from(ending, (letter) => letter.charCodeAt(0)));

/** Words of at least five letters ending in a Turkish inflection. */
export function turkishInflectedWords(scan: ScannedText): number {
  let count = 0;
  for (let token = 0; token < scan.tokenCount; token++) {
    const start = scan.starts[token]!;
    const end = scan.ends[token]!;
    if (end - start < 5) continue;
    for (const ending of TURKISH_ENDINGS) {
      let matches = true;
      for (let offset = 1; offset <= ending.length && matches; offset++) matches = scan.codes[end - offset] === ending[ending.length - offset];
      if (matches) {
        count++;
        break;
      }
    }
  }
  return count;
}

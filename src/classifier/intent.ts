/**
 * @internal Intents, department and urgency. Intents come from phrase rules matched on the
 * scanner's word hashes (folded to lower-case ASCII, so Turkish typed without its letters
 * matches too), in one pass over the words, plus votes from the sentiment. Each match
 * adds evidence, and evidence combines as independent votes (1 − Π(1 − weight)).
 *
 * Phrase syntax: words separated by spaces; `a|b` alternatives; a trailing `*` matches a
 * word prefix (Turkish suffixes: `iptal*` matches `iptali`); `[...]` makes a word optional;
 * `#` matches a number and `_` any one word.
 */
import { INTENT_LABELS, type Department, type IntentLabel } from '../_labels.js';
import { IntMap } from './_int-map.js';
import type { ModelLanguage } from './sentiment.js';
import { MAX_PREFIX, TOKEN_NUMERIC, hashWord, mixHash, type ScannedText } from './_text.js';

const INTENT_QUESTION = INTENT_LABELS.indexOf('question');

/** A group of phrases that vote `weight` for one intent. */
export interface IntentRule {
  intent: IntentLabel;
  weight: number;
  phrases: readonly string[];
}

const rule = (intent: IntentLabel, weight: number, phrases: string): IntentRule => ({
  intent,
  weight,
  phrases: phrases.split(';').map((phrase) => phrase.trim()).filter(Boolean),
});

const ENGLISH_RULES: IntentRule[] = [
  rule('complaint', 0.55, `worst|terrible|horrible|awful|unacceptable|ridiculous|disgusting|useless|pathetic|ripoff|scam|scammed|shameful|appalling|incompetent|rude; rip off; is a joke`),
  rule('complaint', 0.6, `still hasnt|havent|not|no|waiting|broken|nothing; never arrived|received|came|got|showed; hasnt|havent|didnt|wasnt|isnt|doesnt|wont|cant|not arrived|work|working|load|loading|respond|responded|answer|answered|fixed|come;
    stopped working; broken|damaged|overcharged|unhappy|disappointed|disappointing|frustrated|frustrating|complaint|complain|complaining; wrong item|order|size|charge|product|address; charged [me] twice; double charged;
    no response|reply|answer; nobody answers|replies|responds; keeps crashing|failing|freezing|dropping|breaking; keep crashing|failing; been waiting; waiting for|since [over|almost] [#] hours|days|weeks|months; on hold for;
    lost my; missing item|package|order|parcel|refund; late|delayed|cancelled again; poor|bad|terrible|awful|horrible|worst service|support|experience|quality; fed up; sick of; tired of; not happy; not good enough;
    stock|cold|wrong|down|broke|late again; never paid|refunded|reimbursed|compensated|responded|replied|answered|fixed; same thing happened to me|my|us; still silent; not cool; such|what a shame; every single time; in circles; nobody came|showed; never work|works|worked; supposed to; trying to reach; you promised; late fee; hasnt updated; been down; out of stock`),
  rule('question', 0.35, `how|what|when|where|why|who|which do|does|did|can|could|is|are|will|would|should; is there; are there; any idea; wondering; anyone know; do you know; can someone tell; do you have|offer|ship|sell`),
  rule('praise', 0.55, `thank|thanks|thx|kudos|impressed|lifesaver|exceeded; love|loving|adore it|this|you|the|my|your|how; great|amazing|awesome|excellent|fantastic|outstanding|brilliant|superb|quick|fast job|service|work|support|team|help|experience|product|app|response|delivery;
    best service|app|product|team|company|purchase; well done; shout out; shoutout; highly recommend; you [guys] rock; 5|five stars; keep it up; made my day`),
  rule('purchase_intent', 0.6, `want|wanted|looking|planning|ready|going to buy|order|purchase|upgrade|subscribe|book|preorder; how|where can|do|could i buy|order|purchase|subscribe|book|preorder; how|where can|do|could i get one; interested in buying|getting|your|the|a;
    price|pricing|cost|quote of|for|list; how much is|are|does|for|do|would; is|are it|this|they in stock; back in stock; take my money; sign me up; thinking of|about buying|getting|upgrading|ordering; do you sell|ship|deliver;
    promo|discount|coupon code; preorder; pre order; bulk order|pricing; add to [my] cart; need a quote; is it available; when does it go on sale`),
  rule('feature_request', 0.6, `please add; add|adding a|an|support|dark|an option; would be nice|great|awesome|cool|helpful if|to; i wish you|it|there|the|your; feature request; can|could|will you add|bring|support|allow; can|could you make it;
    you should add|have|support|let|make|allow; id love to see; id love if; need|needs an|a option|setting|feature|way; need|needs dark mode; bring back; suggestion; it would help if; support for; integrate|integration with;
    allow us|me|users to; please make|let it|us; missing feature; when will you add|support; dark mode please; please support`),
  rule('support_request', 0.5, `help; help me; cant|cannot log|login|sign|access|connect|reset|find|pay|update|download|open|see; unable to; not able to; how do|can i reset|change|cancel|fix|update|get|set|contact|track|return|delete|recover;
    reset|forgot|change [my] password; locked out; error; issue with; problem with; trouble; doesnt work|load|open|connect; not working|loading|connecting; track|tracking [my] order|package|parcel; where is my order|package|refund|parcel|money|delivery;
    refund; return|exchange my|an|the|this; dm me|us|sent; check your|ur dm|dms; please help|fix|respond|assist|advise; contact you|support|someone; speak|talk to|with a|someone|an|agent|human|manager; account|card locked|hacked|suspended|blocked|compromised; hacked`),
  rule('churn_risk', 0.7, `cancel|cancelling|canceling|cancelled|canceled my|the subscription|account|membership|plan|contract|service|policy; cancel my; switch|switching|switched to; switching providers; moving to; leaving you|for; done with you|this|your; never again;
    never buying|ordering|using|flying|shopping [with|from|here|again]; unsubscribe; unsubscribed; close|delete my account; terminate|terminating my|the; find|finding|look|looking for a|another new provider|company|bank|carrier|service; find|finding|look|looking for another provider|company|bank|carrier|service;
    take|taking my business|money elsewhere; lost a|another customer; not renewing; wont be renewing; wont renew; wont be coming|buying|using|ordering; wont be back; port|porting my number; last time i use|buy|order|fly`),
  rule('churn_risk', 0.3, `cancel; cancelling; canceling`),
  rule('escalation_threat', 0.75, `lawyer|lawyers|attorney|sue|suing|lawsuit|court|ombudsman|bbb|ftc|fcc|cfpb|regulator|journalist|reporter|chargeback|trustpilot; legal action; small claims; consumer protection|rights|court|ombudsman|agency; better business bureau; trading standards;
    report you|this|u to; go|going|went to the press|media|news; make this|it viral; tell everyone; all my followers; dispute the|this charge|payment; leave|leaving|write|writing a bad|negative review; one|1 star review`),
  rule('spam', 0.65, `follow me|back; follow for follow; f4f; check out my; click here|link; click the link; free followers|money|iphone|gift; earn #; make money; work from home; crypto|bitcoin|forex|giveaway|onlyfans; subscribe to my; visit my page|profile|site;
    win a|an free|new|iphone; limited offer; 100 free; get rich; investment opportunity; guaranteed profit|returns`),
];

const TURKISH_RULES: IntentRule[] = [
  rule('complaint', 0.6, `rezalet*|berbat|sikayet*|magdur*|rezil*|skandal|bozuk|arizali|hasarli|saattir|gundur|haftadir|aydir|bikt*|bezdim|usandim|kandirildim|dolandirildim|bekletiyorsunuz|calismiyor|cekmiyor|acilmiyor|baglanmiyor|yuklenmiyor|gelmedi|ulasmadi;
    kabul edilemez; yaziklar olsun; hala gelmedi|cozulmedi|donus|bekliyorum|ulasamadim|cevap|yok; teslim edilmedi; kirik geldi; yanlis urun|siparis|fatura|ucret|renk|beden; fazla ucret|para|cekildi|fatura; iki kez|kere|defa cekildi|ucret;
    cevap vermiyor|vermiyorsunuz|yok|alamadim|verilmedi; donus yapilmadi|yok|alamadim|yapmiyorsunuz; kotu|berbat|rezalet hizmet|deneyim|kalite; yeter artik; cozun|duzeltin|halledin artik; artik cozun|duzeltin|halledin; ayni sey|durum oldu|yasandi; ayni sey|durum basima geldi; aynisi bana|benim da|de oldu|geldi; aynisi basima da|de geldi; paramizi; utanin; ayip;
    yine gec|gecikti|bozuldu|bozuk|kesildi|yok|soguk|yanlis|zam; her seferinde; hicbir sey yok; haber verilmeden; kirli*|ezik|kirildi|sildi|kaybettiniz; soz verdiginiz; omuz silkti; ucret kestiniz|aldiniz; calismiyordu; kokuyordu`),
  rule('question', 0.4, `nasil|neden|niye|nicin|nerede|nereden|hangi|kac|kime; ne zaman; var mi|mu; yok mu; olur mu; mi|mu|misiniz|musunuz|midir|mudur|miyim|muyum|miyiz|muyuz`),
  rule('praise', 0.55, `tesekkur*|tsk|tskler|sagol*|harika*|mukemmel*|super|muhtesem*|efsane*|bravo|tebrik*|helal|memnunum|bayildim|sahane|kusursuz; eline|ellerinize|emeginize saglik; emegi gecen; cok memnun; memnun kaldim; tavsiye ederim; iyi ki varsiniz;
    hizli kargo|teslimat|donus|cozum; ilginiz icin; ilgilendiginiz icin; cok begendim; cok iyi`),
  rule('purchase_intent', 0.6, `almak istiyorum|isterim|niyetindeyim; satin al*; siparis vermek|verecegim|vermeyi; almayi dusun*; fiyat*; ne kadar; kac tl|lira|para; ucreti ne; stokta|stoga|taksit*|kampanya*|kupon|sepete; indirim kodu; on siparis;
    abone olmak; paketleriniz; tarife*; yukseltmek; nereden|nasil alabilirim; almak icin; satiyor musunuz; teklif alabilir|istiyorum`),
  rule('feature_request', 0.6, `eklerseniz|eklenirse|ekleyin|eklemeniz|eklense|oneri|onerim|getirin|entegrasyon*; ekler misiniz; eklemeyi dusun*; olsa iyi|guzel|super|harika olur; keske _ olsa; keske olsa; ozellik|ozelligi|ozellikler ekle*|gelse|olsa|istiyoruz; secenegi ekle*|olsa|yok;
    karanlik|gece mod*; desteklemesini; destegi gelse|ekle*|olsa; getirir misiniz; gelmesini istiyoruz`),
  rule('support_request', 0.5, `yardim*|giremiyorum|sifremi|iade*|ozelden|dm|ulasamiyorum|yetkili*|temsilci*; destek istiyorum|talebi|talebim|olur; arayabilir|bakabilir misiniz; kontrol eder misiniz; gorusmem lazim|gerekiyor; giris yapamiyorum; sifre unuttum|sifirla*; hesabim kilitlendi|acilmiyor|kapandi|hacklendi|calindi|askiya; hata veriyor|aliyorum|kodu|mesaji;
    sorun|problem yasiyorum|yasiyoruz|var; nasil yapabilirim|degistir*|iptal|iade|takip|ulas*|yapacagim; kargom|siparisim|paketim|iadem nerede|hala|gelmedi; takip no|numarasi|kodu; geri odeme; ulasmak istiyorum; musteri hizmetleri; lutfen yardim*|donus|ilgilen*|cozun; yardimci olur*`),
  rule('churn_risk', 0.7, `abonelig*|uyelig* iptal|sonlandir*; iptal edecegim|ettirecegim|ediyorum|ettim|etmek; hattimi|hatimi tasi*|kapat*; numara* tasi*; baska operator*|firma*|banka*|sirket*|marka*; rakip*; gececegim|gececegiz|geciyorum|gectim;
    ayrilacagim|ayriliyorum|ayrildim; bir daha asla|almam|almayacagim|kullanmam|gelmem; son kez; hesabimi kapat*|sil*; vazgec*`),
  rule('churn_risk', 0.3, `iptal*`),
  rule('escalation_threat', 0.75, `avukat*|dava*|mahkeme*|btk|savcilik*|sikayetvar|basina|gazeteye|medyaya|viral|cimer|hukuki; tuketici hakem heyeti*; hakem heyeti*; tuketici mahkemesi|haklari|dernegi; suc duyurusu*; sikayet var; haber yap*; herkese duyur*; yasal yollara|islem*|hak*`),
  rule('spam', 0.6, `takip|takibe et|edin; takipci kas*|sat*|kazan*; bedava|tikla|bahis|cekilis*|kripto|bitcoin|forex; ucretsiz takipci|iphone|hediye; linke tikla; para kazan*; evden calis*|para; deneme bonusu; yatirim firsati; garantili kazanc`),
];

/** The built-in rules of a language. */
export function builtInIntentRules(language: ModelLanguage): IntentRule[] {
  return language === 'en' ? ENGLISH_RULES : TURKISH_RULES;
}

/** Turns host keywords (whole words or phrases, any case, with or without Turkish letters) into rules. */
export function keywordRules(keywords: Partial<Record<IntentLabel, readonly string[]>>, fold: (term: string) => string): IntentRule[] {
  const rules: IntentRule[] = [];
  for (const [intent, terms] of Object.entries(keywords) as Array<[IntentLabel, readonly string[]]>) {
    const phrases = terms.map((term) => fold(term).replace(/[^a-z0-9 ]+/g, ' ').trim()).filter(Boolean);
    if (phrases.length > 0) rules.push({ intent, weight: 0.65, phrases });
  }
  return rules;
}

interface Slot {
  /** Whole-word hashes (a short list: a linear scan beats a set). */
  exact: Int32Array;
  /** Prefix hashes and their lengths. */
  prefixHashes: Int32Array;
  prefixLengths: Int32Array;
  number: boolean;
  any: boolean;
}

interface CompiledPhrase {
  intent: number;
  weight: number;
  rest: Slot[];
  /** Number of the last match pass that used this phrase (each phrase votes once per text). */
  usedIn: number;
}

let matchPass = 0;

/** Phrase rules compiled for a one-pass match over the scanner's word hashes. */
export interface PhraseMatcher {
  /** First-word hash (or prefix hash salted with its length) → index into `lists`. */
  exact: IntMap;
  prefixes: IntMap;
  lists: CompiledPhrase[][];
  /** Prefix lengths in use, ascending. */
  prefixLengths: Int32Array;
}

/** Salts a prefix hash with its length, so one map holds every prefix length. */
const prefixKey = (hash: number, length: number): number => mixHash(hash, length);

function parseSlot(source: string): Slot {
  const exact: number[] = [];
  const prefixHashes: number[] = [];
  const prefixLengths: number[] = [];
  let number = false;
  let any = false;
  for (const alternative of source.split('|')) {
    if (alternative === '#') number = true;
    else if (alternative === '_') any = true;
    else if (alternative.endsWith('*')) {
      const stem = alternative.slice(0, -1);
      prefixHashes.push(hashWord(stem.slice(0, MAX_PREFIX)));
      prefixLengths.push(Math.min(stem.length, MAX_PREFIX));
    } else exact.push(hashWord(alternative));
  }
  return { exact: Int32Array.from(exact), prefixHashes: Int32Array.from(prefixHashes), prefixLengths: Int32Array.from(prefixLengths), number, any };
}

/** Expands optional words: `a [b] c` gives `a b c` and `a c`. */
function expandOptional(words: string[]): string[][] {
  const variants: string[][] = [[]];
  for (const word of words) {
    const optional = word.startsWith('[') && word.endsWith(']');
    const bare = optional ? word.slice(1, -1) : word;
    const count = variants.length;
    for (let index = 0; index < count; index++) {
      if (optional) variants.push([...variants[index]!]);
      variants[index]!.push(bare);
    }
  }
  return variants;
}

/** Compiles rules into a matcher. */
export function compileIntentRules(rules: readonly IntentRule[]): PhraseMatcher {
  const matcher: PhraseMatcher = { exact: new IntMap(1024), prefixes: new IntMap(256), lists: [], prefixLengths: new Int32Array(0) };
  const lengths = new Set<number>();
  const add = (map: IntMap, key: number, phrase: CompiledPhrase) => {
    let list = map.get(key);
    if (list < 0) {
      list = matcher.lists.length;
      matcher.lists.push([]);
      map.set(key, list);
    }
    matcher.lists[list]!.push(phrase);
  };
  for (const { intent, weight, phrases } of rules) {
    for (const text of phrases) {
      for (const words of expandOptional(text.split(/\s+/))) {
        if (words.length === 0) continue;
        const [first, ...rest] = words;
        const phrase: CompiledPhrase = { intent: INTENT_LABELS.indexOf(intent), weight, rest: rest.map(parseSlot), usedIn: 0 };
        const firstSlot = parseSlot(first!);
        for (const hash of firstSlot.exact) add(matcher.exact, hash, phrase);
        firstSlot.prefixHashes.forEach((hash, index) => {
          const length = firstSlot.prefixLengths[index]!;
          lengths.add(length);
          add(matcher.prefixes, prefixKey(hash, length), phrase);
        });
      }
    }
  }
  matcher.prefixLengths = Int32Array.from([...lengths].sort((first, second) => first - second));
  return matcher;
}

function slotMatches(slot: Slot, scan: ScannedText, token: number): boolean {
  if (slot.any) return true;
  if (slot.number && (scan.flags[token]! & TOKEN_NUMERIC) !== 0) return true;
  const hash = scan.hashes[token]! | 0;
  const exact = slot.exact;
  for (let index = 0; index < exact.length; index++) if (exact[index] === hash) return true;
  const length = scan.lengths[token]!;
  const prefixLengths = slot.prefixLengths;
  for (let index = 0; index < prefixLengths.length; index++) {
    const prefix = prefixLengths[index]!;
    if (prefix <= length && (scan.prefixHashes[token * MAX_PREFIX + prefix - 1]! | 0) === slot.prefixHashes[index]) return true;
  }
  return false;
}

/** The number of intent labels (evidence arrays are indexed by position in `INTENT_LABELS`). */
export const INTENT_COUNT = INTENT_LABELS.length;

/**
 * Votes per intent (indexed like `INTENT_LABELS`) plus what cast them, for the explanation.
 * `cues` holds `[intent, start, end, '']` for a phrase matched at `text[start, end)` or
 * `[intent, -1, -1, text]` for a fixed reason; it stays `undefined` until the first vote.
 */
export interface IntentEvidence {
  scores: Float64Array;
  cues: Array<number | string> | undefined;
}

/** Adds a vote for `intent` (an index into `INTENT_LABELS`) with a fixed reason. */
export function vote(evidence: IntentEvidence, intent: number, weight: number, cue: string): void {
  evidence.scores[intent] = 1 - (1 - evidence.scores[intent]!) * (1 - weight);
  (evidence.cues ??= []).push(intent, -1, -1, cue);
}

function votePhrase(evidence: IntentEvidence, intent: number, weight: number, start: number, end: number): void {
  evidence.scores[intent] = 1 - (1 - evidence.scores[intent]!) * (1 - weight);
  (evidence.cues ??= []).push(intent, start, end, '');
}

/** Explanation strings per intent (at most four each), built from recorded cues. */
export function describeIntentCues(cues: ReadonlyArray<number | string> | undefined, text: string, intent: number): string[] {
  const lines: string[] = [];
  if (!cues) return lines;
  for (let index = 0; index < cues.length && lines.length < 4; index += 4) {
    if (cues[index] !== intent) continue;
    const start = cues[index + 1] as number;
    lines.push(start < 0 ? (cues[index + 3] as string) : `"${text.slice(start, cues[index + 2] as number)}"`);
  }
  return lines;
}

function tryPhrases(phrases: CompiledPhrase[], scan: ScannedText, token: number, evidence: IntentEvidence): void {
  for (let item = 0; item < phrases.length; item++) {
    const phrase = phrases[item]!;
    const rest = phrase.rest;
    if (phrase.usedIn === matchPass || token + rest.length >= scan.tokenCount) continue;
    let matched = true;
    for (let offset = 0; offset < rest.length; offset++) {
      if (!slotMatches(rest[offset]!, scan, token + 1 + offset)) {
        matched = false;
        break;
      }
    }
    if (matched) {
      phrase.usedIn = matchPass;
      votePhrase(evidence, phrase.intent, phrase.weight, scan.rawStarts[token]!, scan.rawEnds[token + rest.length]!);
    }
  }
}

/** Runs the phrase rules over the scanned words; each phrase votes at most once. */
export function matchIntentRules(scan: ScannedText, matcher: PhraseMatcher, evidence: IntentEvidence): void {
  matchPass = (matchPass + 1) | 0;
  const lengths = matcher.prefixLengths;
  const lists = matcher.lists;
  for (let token = 0; token < scan.tokenCount; token++) {
    const exact = matcher.exact.get(scan.hashes[token]!);
    if (exact >= 0) tryPhrases(lists[exact]!, scan, token, evidence);
    const length = scan.lengths[token]!;
    for (let index = 0; index < lengths.length; index++) {
      const prefixLength = lengths[index]!;
      if (prefixLength > length) break;
      const found = matcher.prefixes.get(prefixKey(scan.prefixHashes[token * MAX_PREFIX + prefixLength - 1]!, prefixLength));
      if (found >= 0) tryPhrases(lists[found]!, scan, token, evidence);
    }
  }
  if (scan.questions > 0) vote(evidence, INTENT_QUESTION, 0.55, '"?"');
}

/** Where a department comes first when intents tie; the first matching row decides. */
const ROUTES: Array<{ intents: IntentLabel[]; department: Department; reason: string }> = [
  { intents: ['escalation_threat', 'churn_risk'], department: 'customer_service', reason: 'an escalation threat or a churn risk needs a retention/care agent' },
  { intents: ['complaint', 'support_request'], department: 'customer_service', reason: 'a complaint or support request goes to customer care' },
  { intents: ['purchase_intent'], department: 'sales', reason: 'purchase intent is a sales lead' },
  { intents: ['feature_request'], department: 'research_development', reason: 'a feature request goes to product (R&D)' },
  { intents: ['question'], department: 'customer_service', reason: 'a customer question goes to customer care' },
  { intents: ['praise'], department: 'marketing_communication', reason: 'praise is for marketing and community' },
  { intents: ['spam'], department: 'marketing_communication', reason: 'spam is moderated by the social/community team' },
];

/** Picks a department from the intents that passed the threshold (strongest route first). */
export function routeDepartment(intents: ReadonlyArray<{ intent: IntentLabel; confidence: number }>): { department: Department; reason: string } {
  let best: (typeof ROUTES)[number] | undefined;
  let bestScore = 0;
  for (let rank = 0; rank < ROUTES.length; rank++) {
    const route = ROUTES[rank]!;
    let score = 0;
    for (const item of intents) if (item.confidence > score && route.intents.includes(item.intent)) score = item.confidence;
    // earlier routes win ties and near-ties: a complaint that also asks a question is still a complaint
    const weighted = score * (1 - rank * 0.04);
    if (weighted > bestScore) {
      best = route;
      bestScore = weighted;
    }
  }
  if (best) return { department: best.department, reason: best.reason };
  return { department: 'marketing_communication', reason: 'no service, sales or product cue: general social conversation for marketing' };
}

/**
 * @internal Intents, department and urgency. Intents are phrase rules on the folded text
 * (lower-case ASCII, so Turkish typed without its letters matches too), combined with the
 * sentiment: each matching rule adds evidence, and evidence combines as independent votes
 * (1 − Π(1 − weight)).
 */
import type { Department, IntentLabel } from '../interaction.js';
import type { ModelLanguage } from './sentiment.js';

/** A phrase rule: where it matches, it votes `weight` for its intent. */
export interface IntentRule {
  intent: IntentLabel;
  pattern: RegExp;
  weight: number;
}

const rule = (intent: IntentLabel, weight: number, pattern: RegExp): IntentRule => ({ intent, weight, pattern });

const ENGLISH_RULES: IntentRule[] = [
  rule('complaint', 0.55, /\b(?:worst|terrible|horrible|awful|unacceptable|ridiculous|disgusting|useless|pathetic|rip ?off|scam(?:med)?|shameful|appalling|incompetent|rude)\b/),
  rule('complaint', 0.6, /\b(?:still (?:hasnt|havent|not|no|waiting|broken|nothing)|never (?:arrived|received|came|got|showed)|(?:hasnt|havent|didnt|wasnt|isnt|doesnt|wont|cant|not) (?:arrived|been delivered|work(?:ing)?|load(?:ing)?|respond(?:ed)?|answer(?:ed)?|fixed|come|shown up)|stopped working|broken|damaged|wrong (?:item|order|size|charge|product|address)|overcharged|charged (?:me )?twice|double charged|no (?:response|reply|answer|one (?:answers|replies|responds))|keeps? (?:crashing|failing|freezing|dropping|breaking)|been waiting|waiting (?:for|since) (?:\d+ |over |almost )?(?:hours|days|weeks|months)|on hold for|lost my|missing (?:item|package|order|parcel|refund)|(?:late|delayed|cancelled) again|(?:poor|bad|terrible|awful|horrible|worst) (?:service|support|experience|quality)|fed up|sick of|tired of|complain|disappointed|frustrat|not happy|unhappy|not good enough|is a joke)/),
  rule('question', 0.55, /\?/),
  rule('question', 0.35, /(?:^|[.!?] )(?:how|what|when|where|why|who|which|is|are|can|could|do|does|did|will|would|should|anyone|anybody|any) \w/),
  rule('question', 0.3, /\b(?:is there|are there|any idea|wondering|anyone know|do you know|let me know if|can someone tell)/),
  rule('praise', 0.55, /\b(?:thank(?:s| you)|thx|ty so much|(?:love|loving|adore) (?:it|this|you|the|my|your|how)|(?:great|amazing|awesome|excellent|fantastic|outstanding|brilliant|superb|quick|fast) (?:job|service|work|support|team|help|experience|product|app|response|delivery)|best (?:service|app|product|team|company|customer|purchase) ?(?:ever)?|well done|kudos|shout ?out|impressed|highly recommend|you (?:guys )?rock|5 stars|five stars|keep it up|lifesaver|you made my day|exceeded)/),
  rule('purchase_intent', 0.6, /\b(?:want(?:ed)? to (?:buy|order|purchase|get|upgrade|subscribe|book)|(?:looking|planning|ready|going) to (?:buy|purchase|order|get|upgrade|book|switch to you)|(?:how|where) (?:can|do|could) i (?:buy|order|purchase|get one|subscribe|sign up|book|pre-?order)|interested in (?:buying|getting|your|the|a)|(?:price|pricing|cost|quote) (?:of|for|list)|how much (?:is|are|does|for|do)|(?:is|are) (?:it|this|they|the \w+) (?:in stock|available)|back in stock|take my money|sign me up|thinking (?:of|about) (?:buying|getting|upgrading|ordering)|do you (?:sell|ship|deliver) (?:to|in)|(?:promo|discount|coupon) code|pre-?order|bulk (?:order|pricing)|business (?:plan|account) pricing|add to (?:my )?cart|need a quote)/),
  rule('feature_request', 0.6, /\b(?:please add|(?:add|adding) (?:a|an|support|the option|dark mode|an option)|would be (?:nice|great|awesome|cool|helpful) (?:if|to)|i wish (?:you|it|there|the app|your)|feature request|(?:can|could|will) you (?:add|make it|bring|support|let us|allow)|you should (?:add|have|support|let|make|allow)|i'?d love (?:to see|if)|needs? (?:an? )?(?:option|setting|feature|way to|dark mode|export)|bring back|suggestion|it would help if|support for|integrat(?:e|ion) with|allow (?:us|me|users) to|please (?:make|let) (?:it|us)|missing feature|when will you (?:add|support))/),
  rule('support_request', 0.5, /\b(?:help(?: me)?|cant (?:log ?in|login|sign in|access|connect|reset|find|pay|update|download|open|see)|cannot|unable to|not able to|how (?:do|can) i (?:reset|change|cancel|fix|update|get|set|contact|track|return|delete|recover)|(?:reset|forgot|change) (?:my )?password|locked out|error(?: code| message)?|issue with|problem with|trouble|doesnt (?:work|load|open|connect)|not (?:working|loading|connecting)|track(?:ing)? (?:my )?(?:order|package|parcel)|where is my (?:order|package|refund|parcel|money|delivery)|refund|(?:return|exchange) (?:my|an|the|this)|dm (?:me|us|sent)|check (?:your|ur) dms?|please (?:help|fix|respond|assist|advise|look into)|contact (?:you|support|someone)|speak (?:to|with) (?:a|someone|an agent|a human|a manager)|(?:account|card) (?:locked|hacked|suspended|blocked|compromised)|hacked)/),
  rule('churn_risk', 0.7, /\b(?:cancel(?:l?ing|l?ed)? (?:my |the )?(?:subscription|account|membership|plan|contract|service|policy)|switch(?:ing|ed)? (?:to|over to|providers)|moving (?:to|over to) (?:\w+ )?(?:instead|now)?|leaving (?:you|for)|done with (?:you|this|your)|never (?:again|buying|ordering|using|flying|shopping)|unsubscrib|close my account|delete my account|terminat(?:e|ing) (?:my|the)|(?:find|look for|looking for) (?:a|another|a new) (?:provider|company|bank|carrier|service)|(?:take|taking) my (?:business|money) elsewhere|lost (?:a|another) customer|not renewing|wont (?:be )?(?:renewing|coming back|buying|using|ordering)|port(?:ing)? my number|goodbye \w+|last time i (?:use|buy|order|fly))/),
  rule('churn_risk', 0.3, /\bcancel\b/),
  rule('escalation_threat', 0.75, /\b(?:lawyer|attorney|sue|suing|lawsuit|legal action|court|small claims|consumer (?:protection|rights|court|ombudsman|agency)|ombudsman|bbb|better business bureau|ftc|fcc|cfpb|regulator|trading standards|report (?:you|this|u) to|(?:go|going|went) to the (?:press|media|news)|journalist|reporter|make (?:this|it) viral|tell (?:everyone|all my)|all my followers|chargeback|dispute (?:the |this )?(?:charge|payment)|trustpilot|(?:leave|leaving|write|writing) (?:a )?(?:bad|1 star|one star|negative) review)/),
  rule('spam', 0.65, /\b(?:follow (?:me|back|for follow)|f4f|check out my|click (?:here|the link|link)|free (?:followers|money|iphone|gift|gift card)|earn \$?\d+|make money|work from home|dm (?:me )?for (?:promo|collab)|crypto|bitcoin|forex|giveaway|onlyfans|subscribe to my|visit my (?:page|profile|site)|win (?:a|an) (?:free|new|iphone)|limited offer|100% free|get rich|investment opportunity|guaranteed (?:profit|returns))/),
];

const TURKISH_RULES: IntentRule[] = [
  rule('complaint', 0.6, /\b(?:rezalet|berbat|sikayet|magdur|kabul edilemez|yaziklar olsun|rezil|skandal|hala (?:gelmedi|cozulmedi|donus|bekliyorum|ulasamadim|cevap|ses yok)|gelmedi|ulasmadi|teslim edilmedi|calismiyor|cekmiyor|acilmiyor|baglanmiyor|yuklenmiyor|bozuk|arizali|hasarli|kirik geldi|yanlis (?:urun|siparis|fatura|ucret|renk|beden)|fazla (?:ucret|para|cekildi|fatura)|iki (?:kez|kere|defa) (?:cekildi|ucret)|cevap (?:vermiyor|yok|alamadim|verilmedi|vermiyorsunuz)|donus (?:yapilmadi|yok|alamadim|yapmiyorsunuz)|bekletiyorsunuz|saattir|gundur|haftadir|aydir|(?:kotu|berbat|rezalet) (?:hizmet|bir hizmet|deneyim|kalite)|bikt|yeter artik|bezdim|usandim|kandirildim|dolandirildim|paramizi|bunu hak etmiyoruz|utanin|ayip)/),
  rule('question', 0.55, /\?/),
  rule('question', 0.4, /\b(?:nasil|neden|niye|nicin|ne zaman|nerede|nereden|hangi|kac|kime|m[iu](?:s[iu]n(?:[iu]z)?|y[iu]m|d[iu]r|y[iu]z)?) \w|\b(?:var m[iu]|yok mu|olur mu|m[iu](?:s[iu]n(?:[iu]z)?|d[iu]r)?)(?:$|[ .,!?])/),
  rule('praise', 0.55, /\b(?:tesekkur|tsk|sagol|harika|mukemmel|super|muhtesem|efsane|bravo|tebrik|helal|eline saglik|ellerinize saglik|emeginize saglik|emegi gecen|cok memnun|memnun kaldim|memnunum|tavsiye ederim|bayildim|iyi ki varsiniz|basarilarinizin|sahane|kusursuz|hizli (?:kargo|teslimat|donus|cozum)|ilginiz icin|ilgilendiginiz icin|cok begendim|cok iyi)/),
  rule('purchase_intent', 0.6, /\b(?:almak istiyorum|satin al|siparis (?:vermek|verece|vermeyi)|almayi dusun|fiyat|ne kadar|kac (?:tl|lira|para)|ucreti ne|stokta|stoga|taksit|kampanya|indirim kodu|kupon|on siparis|abone olmak|paketleriniz|tarife(?:ler)?(?:iniz)?|yukseltmek|nereden alabilirim|nasil alabilirim|almak icin|satiyor musunuz|teklif (?:alabilir|istiyorum)|almak (?:isterim|niyetindeyim)|sepete)/),
  rule('feature_request', 0.6, /\b(?:eklerseniz|eklenirse|ekleyin|eklemeniz|ekler misiniz|eklemeyi dusun|eklense|olsa (?:iyi|guzel|super|harika) olur|olsa keske|keske .{0,40}(?:olsa|ekle|gelse)|oneri|onerim|ozellik(?:i|ler)? (?:ekle|gelse|olsa|istiyoruz)|secenegi (?:ekle|olsa|yok)|karanlik mod|gece modu|desteklemesini|destegi (?:gelse|ekle|olsa)|getirin|getirir misiniz|gelmesini istiyoruz|entegrasyon)/),
  rule('support_request', 0.5, /\b(?:yardim|destek (?:ekibi|hatti|istiyorum|olur)|giris yapamiyorum|giremiyorum|sifre(?:mi)? (?:unuttum|sifirla)|sifremi|hesabim (?:kilitlendi|acilmiyor|kapandi|hacklendi|calindi|askiya)|hata (?:veriyor|aliyorum|kodu|mesaji)|sorun (?:yasiyorum|var|yasiyoruz)|problem (?:yasiyorum|var)|nasil (?:yapabilirim|degistir|iptal|iade|takip|ulas|yapacagim)|(?:kargom|siparisim|paketim|iadem) (?:nerede|hala|gelmedi|ne zaman)|takip (?:no|numarasi|kodu)|iade|geri odeme|ozelden|dm(?:den)?|ulasamiyorum|ulasmak istiyorum|yetkili|temsilci|musteri hizmetleri|lutfen (?:yardim|donus|ilgilen|cozun|yardimci)|yardimci olur)/),
  rule('churn_risk', 0.7, /\b(?:abonelig\w* (?:iptal|sonlandir)|iptal (?:edece|ettir|etmek istiyorum|ediyorum|ettim)|uyelig\w* (?:iptal|sonlandir)|hatt?imi (?:tasi|kapat)|numara\w* tasi|baska (?:operator|firma|banka|sirket|marka)|rakip|gecece(?:gim|giz)|geciyorum|gectim|ayril(?:acagim|iyorum|dim)|bir daha (?:asla|almam|almayacagim|kullanmam|tercih etmem|gelmem|alisveris)|son kez|hesabimi (?:kapat|sil)|vazgec)/),
  rule('churn_risk', 0.3, /\biptal\b/),
  rule('escalation_threat', 0.75, /\b(?:avukat|dava|mahkeme|tuketici hakem heyeti|hakem heyeti|tuketici (?:mahkemesi|haklari|dernegi)|btk|savcilik|suc duyurusu|sikayetvar|sikayet ?var(?:\.com)?|basina|gazeteye|medyaya|haber yap|herkese duyur|viral|cimer|yasal (?:yollara|islem|hak)|hukuki)/),
  rule('spam', 0.6, /\b(?:takip(?:e)? (?:et|edin)|takipci (?:kas|sat|kazan)|takip et takip edeyim|bedava|ucretsiz (?:takipci|iphone|hediye)|tikla|linke tikla|para kazan|evden (?:calis|para)|bahis|deneme bonusu|cekilis|kripto|bitcoin|forex|yatirim firsati|garantili kazanc)/),
];

/** The built-in rules of a language. */
export function builtInIntentRules(language: ModelLanguage): IntentRule[] {
  return language === 'en' ? ENGLISH_RULES : TURKISH_RULES;
}

/** Turns host keywords into rules (whole words, folded). */
export function keywordRules(keywords: Partial<Record<IntentLabel, readonly string[]>>, fold: (term: string) => string): IntentRule[] {
  const rules: IntentRule[] = [];
  for (const [intent, terms] of Object.entries(keywords) as Array<[IntentLabel, readonly string[]]>) {
    const escaped = terms.map(fold).filter(Boolean).map((term) => term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    if (escaped.length > 0) rules.push({ intent, weight: 0.65, pattern: new RegExp(`(?:^|\\b)(?:${escaped.join('|')})(?:\\b|$)`) });
  }
  return rules;
}

/** Votes per intent plus the text that matched, for the explanation. */
export interface IntentEvidence {
  scores: Map<IntentLabel, number>;
  cues: Map<IntentLabel, string[]>;
}

/** Adds a vote for `intent`. */
export function vote(evidence: IntentEvidence, intent: IntentLabel, weight: number, cue: string): void {
  const previous = evidence.scores.get(intent) ?? 0;
  evidence.scores.set(intent, 1 - (1 - previous) * (1 - weight));
  const cues = evidence.cues.get(intent);
  if (cues) {
    if (cues.length < 4) cues.push(cue);
  } else evidence.cues.set(intent, [cue]);
}

/** Runs phrase rules on the folded text. */
export function matchIntentRules(folded: string, rules: readonly IntentRule[], evidence: IntentEvidence): void {
  for (const { intent, pattern, weight } of rules) {
    const match = pattern.exec(folded);
    if (match) vote(evidence, intent, weight, `"${match[0].trim()}"`);
  }
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
  const confidence = new Map(intents.map((item) => [item.intent, item.confidence]));
  let best: { department: Department; reason: string; score: number } | undefined;
  for (const [rank, route] of ROUTES.entries()) {
    const score = Math.max(0, ...route.intents.map((intent) => confidence.get(intent) ?? 0));
    if (score === 0) continue;
    // earlier routes win ties and near-ties: a complaint that also asks a question is still a complaint
    const weighted = score * (1 - rank * 0.04);
    if (!best || weighted > best.score) best = { department: route.department, reason: route.reason, score: weighted };
  }
  if (best) return { department: best.department, reason: best.reason };
  return { department: 'marketing_communication', reason: 'no service, sales or product cue: general social conversation for marketing' };
}

/**
 * The demo's bundled stream: a week of social traffic to a fictional airline, Yıldız Air, in
 * English and Turkish across several networks. It is generated from a fixed seed, so every run
 * replays the same 300+ interactions, and it always contains the stories the report is about:
 * - a complaint (a broken guitar) that escalates and spreads as other customers join in;
 * - the same person on two networks (Instagram and WhatsApp);
 * - a repeat advocate who praises the brand and defends it to other customers;
 * - purchase questions, a product idea, and spam;
 * - customers helping each other in a Telegram group, a YouTube comment thread under the brand's
 *   video, and Google reviews of its ticket office, with star ratings.
 */

/** One scripted interaction, independent of any network's payload format. */
export interface Scene {
  /** Network the interaction happens on: `x`, `instagram`, `facebook`, `whatsapp`, `messenger`, `telegram`, `youtube`, `google-business`. */
  network: string;
  /** Unique per network. */
  nativeId: string;
  kind: 'post' | 'comment' | 'reply' | 'mention' | 'direct_message' | 'review';
  author: {
    nativeId: string;
    handle?: string;
    displayName?: string;
    phone?: string;
    followerCount?: number;
    locale?: string;
    isBrand?: boolean;
  };
  text: string;
  /** Native id of the item answered, on the same network. */
  parentId?: string;
  /** Native id of the thread's root. */
  conversationId?: string;
  visibility: 'public' | 'private';
  createdAt: string;
  /** Stars (1–5) of a review. */
  rating?: number;
  /** Which story it belongs to (for the report's checks). */
  story: 'guitar-crisis' | 'two-networks' | 'advocate' | 'purchase' | 'idea' | 'spam' | 'group-chat' | 'video-comments' | 'reviews' | 'background';
}

/** Mulberry32: a tiny seeded PRNG, so the stream is the same on every machine. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const START = Date.UTC(2026, 10, 14, 6, 0, 0);
const hour = 3_600_000;
const at = (hours: number) => new Date(START + hours * hour).toISOString();

export const BRAND = {
  x: { nativeId: '1500000000000000001', handle: 'yildizair', displayName: 'Yıldız Air', isBrand: true },
  instagram: { nativeId: '17841400000000001', handle: 'yildizair', displayName: 'Yıldız Air', isBrand: true },
  facebook: { nativeId: '104000000000001', displayName: 'Yıldız Air', isBrand: true },
};

function guitarCrisis(): Scene[] {
  const scenes: Scene[] = [];
  const root = '1590000000000000100';
  const mert = { nativeId: '2200000000000000001', handle: 'mertkaya_music', displayName: 'Mert Kaya', followerCount: 48_200, locale: 'tr-TR' };
  scenes.push({
    network: 'x', nativeId: root, kind: 'mention', author: mert, visibility: 'public', createdAt: at(100), story: 'guitar-crisis',
    text: '@yildizair baggage crew threw my guitar on the tarmac in Istanbul. The neck is broken. I watched it through the window. Unacceptable!',
  });
  scenes.push({
    network: 'x', nativeId: '1590000000000000101', kind: 'reply', author: mert, parentId: root, conversationId: root, visibility: 'public', createdAt: at(104), story: 'guitar-crisis',
    text: '@yildizair 4 hours and still no answer. Customer service hung up on me twice. Gitarım kırıldı ve kimse umursamıyor.',
  });
  const joiners = [
    ['Same thing happened to my cello last year with @yildizair, they never paid', 'en'],
    ['@yildizair bagajım da hasarlı geldi, hiç dönüş yapmadınız. Rezalet!', 'tr'],
    ['This is why I stopped flying @yildizair. Terrible service', 'en'],
    ['Mert haklı, Yıldız Air müşteri hizmetleri berbat. Tüketici hakem heyetine gidin', 'tr'],
    ['Retweeting so @yildizair sees this. Pay for the guitar!', 'en'],
    ['@yildizair aynısı bana da oldu, valizim parçalandı 😡', 'tr'],
    ['Musicians, avoid @yildizair until they fix this', 'en'],
    ['Şikayetvar’a yazdım, sizin de yazmanızı öneririm @yildizair', 'tr'],
    ['@yildizair my stroller came back broken too. No reply for a week', 'en'],
    ['Bu kadar ilgisizlik olamaz @yildizair, basına gidiyoruz', 'tr'],
    ['@yildizair you broke his guitar, now fix it. #YildizBreaksGuitars', 'en'],
    ['Yazık, sanatçının enstrümanına böyle davranılır mı @yildizair', 'tr'],
    ['@yildizair this thread is getting huge, respond please', 'en'],
    ['@yildizair ben de iptal ediyorum üyeliğimi, başka firmaya geçiyorum', 'tr'],
    ['Lawyer friend says he should sue @yildizair for the damage', 'en'],
    ['@yildizair dün de aynı şey oldu arkadaşıma', 'tr'],
    ['Wow @yildizair still silent? This is going viral', 'en'],
    ['@yildizair gitar meselesini çözün artık', 'tr'],
  ] as const;
  joiners.forEach(([text, language], index) => {
    scenes.push({
      network: 'x', nativeId: `15900000000000002${String(index).padStart(2, '0')}`, kind: 'reply',
      author: { nativeId: `23000000000000000${String(index).padStart(2, '0')}`, handle: `${language === 'tr' ? 'yolcu' : 'flyer'}_${index}`, followerCount: 150 + index * 431, locale: language === 'tr' ? 'tr-TR' : 'en-US' },
      parentId: index % 3 === 0 ? root : `15900000000000002${String(Math.max(0, index - 1)).padStart(2, '0')}`,
      conversationId: root, visibility: 'public', createdAt: at(105 + index * 0.4), story: 'guitar-crisis', text,
    });
  });
  scenes.push({
    network: 'x', nativeId: '1590000000000000300', kind: 'mention', author: mert, visibility: 'public', createdAt: at(113), story: 'guitar-crisis',
    text: 'Writing a song about @yildizair breaking my guitar. Video drops tomorrow. 🎸💔',
  });
  return scenes;
}

function twoNetworks(): Scene[] {
  return [
    {
      network: 'instagram', nativeId: '17900000000000001', kind: 'comment', visibility: 'public', createdAt: at(20), story: 'two-networks',
      author: { nativeId: '17841400000000777', handle: 'ayse.yilmaz', displayName: 'Ayşe Yılmaz', followerCount: 820, locale: 'tr-TR' },
      conversationId: '17800000000000001', text: 'Online check-in çalışmıyor, uygulama sürekli hata veriyor. Yarın uçuşum var!',
    },
    {
      network: 'whatsapp', nativeId: 'wamid.HBgMOTA1MzIxMTEyMjMzFQIAERgSQUFBQUFBMQ==', kind: 'direct_message', visibility: 'private', createdAt: at(21), story: 'two-networks',
      author: { nativeId: '905321112233', phone: '+905321112233', displayName: 'Ayşe Yılmaz', locale: 'tr-TR' },
      text: 'Merhaba, Instagram’a yazdım ama cevap gelmedi. PNR: YA7K2Q, check-in yapamıyorum, yardım eder misiniz?',
    },
    {
      network: 'whatsapp', nativeId: 'wamid.HBgMOTA1MzIxMTEyMjMzFQIAERgSQUFBQUFBMg==', kind: 'direct_message', visibility: 'private', createdAt: at(21.5), story: 'two-networks',
      author: { nativeId: '905321112233', phone: '+905321112233', displayName: 'Ayşe Yılmaz', locale: 'tr-TR' },
      text: 'Acil lütfen, uçuş sabah 7de.',
    },
  ];
}

function advocate(): Scene[] {
  const can = { nativeId: '17841400000000555', handle: 'can.demir.travels', displayName: 'Can Demir', followerCount: 12_400, locale: 'tr-TR' };
  const praise = [
    'Yıldız Air ile 5. uçuşum, ekip her seferinde harika 👏',
    'Best legroom in economy, thank you Yıldız Air! ✈️',
    'Kabin ekibi annemle çok ilgilendi, çok teşekkürler Yıldız Air ❤️',
    'On time again. Yıldız Air never lets me down.',
    'Yeni menü çok güzel olmuş, tebrikler!',
  ];
  const scenes: Scene[] = praise.map((text, index) => ({
    network: 'instagram', nativeId: `1790000000000010${index}`, kind: 'comment', author: can, visibility: 'public',
    conversationId: `1780000000000010${index}`, createdAt: at(8 + index * 30), story: 'advocate', text,
  }));
  scenes.push({
    network: 'instagram', nativeId: '17900000000000200', kind: 'comment', visibility: 'public', createdAt: at(60), story: 'background',
    author: { nativeId: '17841400000000901', handle: 'seyahatsever', followerCount: 300, locale: 'tr-TR' },
    conversationId: '17800000000000200', text: 'Bagaj hakkı neden bu kadar az? Çok pahalı.',
  });
  scenes.push({
    network: 'instagram', nativeId: '17900000000000201', kind: 'reply', author: can, visibility: 'public', parentId: '17900000000000200',
    conversationId: '17800000000000200', createdAt: at(61), story: 'advocate',
    text: '@seyahatsever bence fiyat/performans çok iyi, ben hep memnun kaldım. Ek bagajı önceden alırsan ucuza geliyor, tavsiye ederim 👍',
  });
  return scenes;
}

function purchaseIdeaSpam(): Scene[] {
  return [
    { network: 'facebook', nativeId: '104000000000001_900000000001', kind: 'comment', visibility: 'public', createdAt: at(30), story: 'purchase', author: { nativeId: '6100000000001', displayName: 'Elif Şahin' }, conversationId: '104000000000001_800000000001', text: 'İstanbul-Berlin gidiş dönüş bilet fiyatı ne kadar? Aralıkta 4 kişi almak istiyoruz.' },
    { network: 'x', nativeId: '1590000000000000500', kind: 'mention', visibility: 'public', createdAt: at(44), story: 'purchase', author: { nativeId: '2200000000000000009', handle: 'jwalker', displayName: 'James Walker', followerCount: 900 }, text: '@yildizair do you fly direct to Tokyo? Looking to book business class for 3 in March, what are the prices?' },
    { network: 'messenger', nativeId: 'm_AbC1dEfGhIjKlMnOpQrStU', kind: 'direct_message', visibility: 'private', createdAt: at(52), story: 'idea', author: { nativeId: '24000000000000001', displayName: 'Deniz Arslan' }, text: 'Uygulamaya uçuştan 24 saat önce check-in hatırlatması eklerseniz harika olur. Ayrıca evcil hayvan dostu kabin seçeneği de olsa?' },
    { network: 'facebook', nativeId: '104000000000001_900000000002', kind: 'comment', visibility: 'public', createdAt: at(70), story: 'idea', author: { nativeId: '6100000000002', displayName: 'Sarah Collins' }, conversationId: '104000000000001_800000000002', text: 'Feature idea: let us pick seats for the whole family in one step in the app. Would love that!' },
    { network: 'facebook', nativeId: '104000000000001_900000000003', kind: 'comment', visibility: 'public', createdAt: at(71), story: 'spam', author: { nativeId: '6100000000003', displayName: 'Crypto Wins' }, conversationId: '104000000000001_800000000002', text: 'EARN $5000 A WEEK FROM HOME!!! Click bit.ly/free-cash-now DM me 💰💰💰' },
    { network: 'instagram', nativeId: '17900000000000300', kind: 'comment', visibility: 'public', createdAt: at(72), story: 'spam', author: { nativeId: '17841400000000999', handle: 'takipci_sat_ucuz', followerCount: 12 }, conversationId: '17800000000000101', text: 'Ucuz takipçi ve beğeni satın al! Link profilde 🔥🔥 www.takipci-ucuz.example' },
  ];
}

/**
 * Where the demo's community channels live: the Telegram group of Yıldız Air's passengers (the
 * brand's bot is a member), the brand's YouTube channel and video, and the Google Business
 * Profile of its ticket office.
 */
export const PLACES = {
  telegram: { chatId: -1001987654321, title: 'Yıldız Air Yolcuları', username: 'yildizair_yolcular', botId: 7012345678, botUsername: 'YildizAirDestekBot' },
  youtube: { channelId: 'UCYildizAirResmiKanal001', videoId: 'yA321neoCab' },
  google: { accountId: '104729384756102938', locationId: '5829104738291047382', name: 'Yıldız Air Bilet Ofisi, İstanbul Havalimanı' },
};

/** Customers answering each other in the passengers' Telegram group; one asks the brand's bot. */
function telegramGroup(): Scene[] {
  const message = (id: number) => `${PLACES.telegram.chatId}_${id}`;
  const burak = { nativeId: '5123400001', handle: 'burak_ozdemir', displayName: 'Burak Özdemir', locale: 'tr' };
  const elif = { nativeId: '5123400002', handle: 'elifcetin', displayName: 'Elif Çetin', locale: 'tr' };
  const hannah = { nativeId: '5123400003', handle: 'hannah_w', displayName: 'Hannah Wright', locale: 'en' };
  const kemal = { nativeId: '5123400004', displayName: 'Kemal Polat', locale: 'tr' };
  const lines: Array<[number, Scene['author'], string, number?, Scene['kind']?]> = [
    [1, burak, 'Arkadaşlar yarın İstanbul–Londra uçuşunda olan var mı? Ekonomide bagaj hakkı 20 kg mı 23 kg mı?'],
    [2, elif, 'Ekonomide 20 kg, Yıldız Miles üyesiysen 25 kg oluyor.', 1],
    [3, hannah, 'Flew that route last week: they weighed cabin bags at the gate too, so keep it under 8 kg.', 1],
    [4, burak, 'Çok teşekkürler, çok yardımcı oldunuz 🙏', 2],
    [5, kemal, 'Bu grupta online check-in hatası yaşayan var mı? Uygulama hâlâ hata veriyor.'],
    [6, hannah, 'Yes! Clearing the app cache and logging in again fixed it for me.', 5],
    [7, kemal, '@YildizAirDestekBot uygulama check-in sırasında E-401 hatası veriyor, ne yapmalıyım?', undefined, 'mention'],
    [8, elif, 'Bende de aynı hata vardı, havalimanında kiosktan check-in yaptım, sorun olmadı.', 7],
  ];
  return lines.map(([id, author, text, parent, kind], index) => ({
    network: 'telegram',
    nativeId: message(id),
    kind: kind ?? 'direct_message',
    author,
    text,
    ...(parent ? { parentId: message(parent) } : {}),
    conversationId: String(PLACES.telegram.chatId),
    visibility: 'public',
    createdAt: at(30 + index * 0.35),
    story: 'group-chat',
  }));
}

/** A comment thread under the brand's new-cabin video, one more thread, and the brand's answer. */
function videoComments(): Scene[] {
  const thread = (id: string, author: Scene['author'], text: string, hours: number, replies: Array<[string, Scene['author'], string, number]>): Scene[] => [
    { network: 'youtube', nativeId: id, kind: 'comment', author, text, conversationId: id, visibility: 'public', createdAt: at(hours), story: 'video-comments' },
    ...replies.map(([reply, replyAuthor, replyText, replyHours]): Scene => ({
      network: 'youtube', nativeId: `${id}.${reply}`, kind: 'reply', author: replyAuthor, text: replyText, parentId: id, conversationId: id, visibility: 'public', createdAt: at(replyHours), story: 'video-comments',
    })),
  ];
  const merve = { nativeId: 'UCmerveAydin0000000000a1', displayName: '@merveaydin', locale: 'tr' };
  const olivia = { nativeId: 'UColiviaTravels00000000b', displayName: '@oliviatravels', locale: 'en' };
  const jack = { nativeId: 'UCjackHughesFlies000000c', displayName: 'Jack Hughes', locale: 'en' };
  const kerem = { nativeId: 'UCkeremKurt000000000000d', displayName: '@keremkurt', locale: 'tr' };
  const brand = { nativeId: PLACES.youtube.channelId, displayName: '@yildizair', isBrand: true };
  return [
    ...thread('UgzA321neo1AaABAg', merve, 'Koltuklar gerçekten daha geniş mi? Geçen ay 3 saat rötar yaşadım, önce onu düzeltin.', 124, [
      ['9zRa1', olivia, 'The new seats are great, I flew one to Antalya last week and had plenty of legroom!', 125],
      ['9zRa2', merve, '@oliviatravels iyi o zaman, bir şans daha vereyim.', 126.5],
      ['9zRa3', brand, 'Merve Hanım, yaşadığınız rötar için özür dileriz. Yeni kabinli uçaklarımız Aralık ayından itibaren tüm dış hatlarda.', 128],
    ]),
    ...thread('UgxA321neo2AaABAg', jack, 'Does the new cabin have power outlets in economy?', 131, [['9zRb1', kerem, 'Evet, her koltukta USB-C var, geçen hafta kullandım.', 132]]),
  ];
}

/** Google reviews of the ticket office, with stars; agents answer the unhappy ones. */
function reviews(): Scene[] {
  const review = (id: string, author: Scene['author'], rating: number, text: string, hours: number): Scene => ({
    network: 'google-business',
    nativeId: `accounts/${PLACES.google.accountId}/locations/${PLACES.google.locationId}/reviews/${id}`,
    kind: 'review', author, rating, text, visibility: 'public', createdAt: at(hours), story: 'reviews',
  });
  return [
    review('AbFvOqnGizem1', { nativeId: 'reviewer:AbFvOqnGizem1', displayName: 'Gizem Koç', locale: 'tr' }, 1, 'Bilet ofisinde 45 dakika bekledim, tek bir gişe açıktı. Çok kötü hizmet.', 40),
    review('AbFvOqnThomas2', { nativeId: 'reviewer:AbFvOqnThomas2', displayName: 'Thomas Green', locale: 'en' }, 5, 'Left my passport at the desk and the staff called me within ten minutes. Brilliant service!', 76),
    review('AbFvOqnOnur3', { nativeId: 'reviewer:AbFvOqnOnur3', displayName: 'Onur Kara', locale: 'tr' }, 3, 'Personel güler yüzlü ama fiyatlar internetten daha pahalı.', 140),
  ];
}

const BACKGROUND: Record<'en' | 'tr', string[]> = {
  en: [
    'What is the baggage allowance on international flights?',
    'Flight YA{n} delayed again, two hours at the gate. Really disappointing.',
    'Great crew on YA{n} today, thanks!',
    'Can I change my return date online?',
    'The app keeps logging me out when I try to check in.',
    'Lovely sunset view from the plane ✈️🌅',
    'Lost my luggage on YA{n}, no one answers the phone.',
    'Smooth flight, friendly staff. Would fly again.',
    'Is there wifi on the A321s?',
    'Why was my refund rejected? I cancelled within 24 hours.',
    'Thanks for upgrading my seat, made my day!',
    'Food was cold and the seat was broken.',
    'Do you allow pets in the cabin?',
    'Check-in queue in Izmir was chaos this morning.',
    'Booked my honeymoon with you, so excited!',
  ],
  tr: [
    'Dış hat uçuşlarında bagaj hakkı ne kadar?',
    'YA{n} seferi yine rötar yaptı, iki saattir kapıda bekliyoruz.',
    'YA{n} ekibi bugün harikaydı, teşekkürler!',
    'Dönüş tarihimi online değiştirebilir miyim?',
    'Uygulama check-in yaparken sürekli çıkış yapıyor.',
    'Uçaktan gün batımı manzarası 😍',
    'YA{n} seferinde bavulum kayboldu, telefonu kimse açmıyor.',
    'Çok rahat bir uçuştu, personel çok ilgiliydi.',
    'A321 uçaklarında internet var mı?',
    'İadem neden reddedildi? 24 saat içinde iptal ettim.',
    'Koltuğumu yükselttiğiniz için teşekkürler, günümü güzelleştirdiniz!',
    'Yemek soğuktu, koltuk da bozuktu.',
    'Kabinde evcil hayvana izin veriyor musunuz?',
    'İzmir’de sabah check-in kuyruğu tam bir kaostu.',
    'Balayı biletimizi sizden aldık, çok heyecanlıyız!',
    'cok kotu bir deneyimdi, bir daha asla',
    'musteri hizmetlerine ulasamiyorum, yardim edin',
  ],
};

const FIRST_NAMES = {
  tr: ['Zeynep', 'Emre', 'Elif', 'Burak', 'Selin', 'Oğuz', 'Merve', 'Kerem', 'Büşra', 'Hakan', 'Ece', 'Tolga', 'Gizem', 'Serkan', 'İrem', 'Onur', 'Dilan', 'Çağrı', 'Şule', 'Uğur'],
  en: ['Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Oliver', 'Sophia', 'Lucas', 'Mia', 'Ethan', 'Grace', 'Henry', 'Chloe', 'Jack', 'Ella', 'Leo', 'Ruby', 'Adam', 'Isla', 'Owen'],
};
const LAST_NAMES = {
  tr: ['Yıldırım', 'Öztürk', 'Aydın', 'Özdemir', 'Arslan', 'Doğan', 'Kılıç', 'Aslan', 'Çetin', 'Kara', 'Koç', 'Kurt', 'Özkan', 'Şimşek', 'Polat'],
  en: ['Smith', 'Johnson', 'Brown', 'Taylor', 'Wilson', 'Davies', 'Evans', 'Thomas', 'Roberts', 'Walker', 'Wright', 'Hughes', 'Green', 'Hall', 'Clarke'],
};

const fold = (text: string) =>
  text.toLocaleLowerCase('tr').replace(/[çğıöşü]/g, (letter) => ({ ç: 'c', ğ: 'g', ı: 'i', ö: 'o', ş: 's', ü: 'u' })[letter] ?? letter);

interface Person {
  language: 'tr' | 'en';
  name: string;
  handle: string;
  phone: string;
  followers: number;
  /** One or two networks this person uses. */
  networks: string[];
}

function people(count: number, next: () => number): Person[] {
  const networks = ['x', 'instagram', 'facebook', 'whatsapp', 'messenger'];
  return Array.from({ length: count }, (_, index) => {
    const language = next() < 0.55 ? 'tr' : 'en';
    const first = FIRST_NAMES[language][Math.floor(next() * FIRST_NAMES[language].length)]!;
    const last = LAST_NAMES[language][Math.floor(next() * LAST_NAMES[language].length)]!;
    const home = networks[Math.floor(next() * networks.length)]!;
    const second = next() < 0.2 ? networks[Math.floor(next() * networks.length)]! : home;
    return {
      language,
      name: `${first} ${last}`,
      handle: `${fold(first)}${next() < 0.5 ? '.' : '_'}${fold(last)}${index}`,
      phone: `+90532${String(5_000_000 + index).padStart(7, '0')}`,
      followers: Math.floor(next() * next() * 20_000),
      networks: [...new Set([home, second])],
    };
  });
}

function background(count: number, next: () => number): Scene[] {
  const crowd = people(150, next);
  const scenes: Scene[] = [];
  for (let index = 0; index < count; index++) {
    const person = crowd[Math.floor(next() * crowd.length)]!;
    const network = person.networks[Math.floor(next() * person.networks.length)]!;
    const templates = BACKGROUND[person.language];
    const text = templates[Math.floor(next() * templates.length)]!.replace('{n}', String(100 + Math.floor(next() * 900)));
    const isPrivate = network === 'whatsapp' || network === 'messenger';
    const locale = person.language === 'tr' ? 'tr-TR' : 'en-GB';
    const author =
      network === 'whatsapp'
        ? { nativeId: person.phone.slice(1), phone: person.phone, displayName: person.name, locale }
        : { nativeId: `${network}-${person.handle}`, handle: person.handle, displayName: person.name, followerCount: person.followers, locale };
    scenes.push({
      network,
      nativeId: network === 'whatsapp' ? `wamid.BG${String(index).padStart(6, '0')}` : `${network}-bg-${index}`,
      kind: isPrivate ? 'direct_message' : network === 'x' ? 'mention' : 'comment',
      author,
      text: network === 'x' ? `@yildizair ${text}` : text,
      visibility: isPrivate ? 'private' : 'public',
      createdAt: at(next() * 160),
      story: 'background',
      ...(network === 'instagram' || network === 'facebook' ? { conversationId: `${network}-media-${Math.floor(next() * 12)}` } : {}),
    });
  }
  return scenes;
}

const ANSWERS: Record<'en' | 'tr', string[]> = {
  en: [
    'Sorry to hear that. Please send us your booking reference by DM and we will look into it right away.',
    'Thanks for reaching out! You can find the details in our app under My Trips, and we are happy to help by DM.',
    'Thank you for your kind words, we will pass them on to the crew! 💙',
  ],
  tr: [
    'Yaşadığınız sorun için çok üzgünüz. PNR numaranızı DM ile iletirseniz hemen ilgileneceğiz.',
    'Bize yazdığınız için teşekkürler! Detaylar uygulamada Seyahatlerim bölümünde, DM üzerinden de yardımcı oluruz.',
    'Güzel sözleriniz için teşekkür ederiz, ekibimize iletiyoruz! 💙',
  ],
};

/**
 * The brand answers part of the public background traffic, after anything from twenty minutes to a
 * day and a half, so the response-time figures have answered and waiting conversations. The guitar
 * crisis and the scripted stories stay unanswered: that is the lesson the report shows.
 */
function brandAnswers(scenes: Scene[], next: () => number): Scene[] {
  const answers: Scene[] = [];
  for (const scene of scenes) {
    if (scene.story !== 'background' || scene.visibility !== 'public' || next() >= 0.45) continue;
    const brand = BRAND[scene.network as keyof typeof BRAND];
    if (!brand) continue;
    const language = scene.author.locale?.startsWith('tr') ? 'tr' : 'en';
    const text = ANSWERS[language][Math.floor(next() * ANSWERS[language].length)]!;
    const delayHours = 1 / 3 + next() * next() * 36;
    answers.push({
      network: scene.network,
      nativeId: scene.network === 'x' ? `16${scene.nativeId.replace(/\D/g, '').padStart(17, '0')}` : `${scene.nativeId}-answer`,
      kind: 'reply',
      author: brand,
      text: scene.network === 'x' ? `@${scene.author.handle ?? scene.author.nativeId} ${text}` : text,
      parentId: scene.nativeId,
      conversationId: scene.conversationId ?? scene.nativeId,
      visibility: 'public',
      createdAt: new Date(Date.parse(scene.createdAt) + delayHours * hour).toISOString(),
      story: 'background',
    });
  }
  return answers;
}

/** The full stream, ordered by time. */
export function demoStream(seed = 20261122): Scene[] {
  const next = random(seed);
  const scripted = [...guitarCrisis(), ...twoNetworks(), ...advocate(), ...purchaseIdeaSpam()];
  const crowd = background(320 - scripted.length, next);
  const communities = [...telegramGroup(), ...videoComments(), ...reviews()];
  return [...scripted, ...communities, ...crowd, ...brandAnswers(crowd, next)].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
}

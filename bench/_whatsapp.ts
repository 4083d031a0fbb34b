/** Shared by the bench commands: signed WhatsApp Cloud API deliveries, shaped as Meta documents them. */
import { hmac, toHex } from 'social-crm/adapter-kit';

export const APP_SECRET = 'bench-meta-app-secret';
export const PHONE_NUMBER_ID = '106540352242922';
export const texts = [
  'Siparişim hâlâ gelmedi, kargo takip numarası çalışmıyor 😡',
  'Can I change my delivery address for order 4411?',
  'Teşekkürler, çok hızlı çözdünüz 🙏',
  'The app keeps crashing when I open my invoices',
  'Fiyat listesini gönderebilir misiniz?',
  'I want a refund, this is the third time the box arrived broken!',
];

const FIRST_NAMES = ['Ayşe', 'Mehmet', 'Priya', 'Sam', 'Elif', 'Can', 'Zeynep', 'Emre', 'Olivia', 'Burak', 'Fatma', 'Noah', 'Deniz', 'Hasan', 'Chloe', 'Murat', 'Selin', 'Liam', 'Gül', 'Kerem', 'Amara', 'Oğuz', 'Mia', 'Tolga', 'Hande', 'Lucas', 'Ebru', 'Yusuf', 'Nora', 'İpek'];
const LAST_NAMES = ['Yılmaz', 'Kaya', 'Demir', 'Şahin', 'Çelik', 'Natarajan', 'Okafor', 'Smith', 'Öztürk', 'Aydın', 'Arslan', 'Doğan', 'Kılıç', 'Aslan', 'Johnson', 'Koç', 'Kurt', 'Özdemir', 'Müller', 'Garcia', 'Polat', 'Erdoğan', 'Güneş', 'Brown', 'Tekin', 'Yıldız', 'Acar', 'Bulut', 'Rossi', 'Ekinci'];
/** A person's name, distinct for each of the 5,000 customers as far as the lists allow. */
export function personName(index: number): string {
  const customer = index % 5000;
  return `${FIRST_NAMES[customer % FIRST_NAMES.length]} ${LAST_NAMES[Math.floor(customer / FIRST_NAMES.length) % LAST_NAMES.length]}`;
}

function customerWaId(index: number): string {
  return `90532${String(1_000_000 + (index % 5000)).slice(1)}`;
}

/** One WhatsApp `messages` notification with `size` messages, shaped as Meta documents it. */
export function whatsappNotification(delivery: number, size: number, now: number): string {
  const messages = [];
  const contacts = new Map<string, unknown>();
  for (let offset = 0; offset < size; offset++) {
    const index = delivery * size + offset;
    const from = customerWaId(index * 7);
    contacts.set(from, { profile: { name: personName(index * 7) }, wa_id: from });
    const base = { from, id: `wamid.BENCH${String(index).padStart(10, '0')}`, timestamp: String(now - 600 + (index % 300)) };
    const text = texts[index % texts.length]!;
    switch (index % 10) {
      case 7:
        messages.push({ ...base, type: 'image', image: { caption: text, mime_type: 'image/jpeg', sha256: 'a'.repeat(64), id: String(2754859441498128 + index) } });
        break;
      case 8:
        messages.push({ ...base, type: 'location', location: { latitude: 41.0082, longitude: 28.9784, name: 'Kadıköy Şube', address: 'Caferağa, 34710 Kadıköy/İstanbul' } });
        break;
      case 9:
        messages.push({ ...base, context: { from: '15550783881', id: 'wamid.MENU' }, type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'refund', title: 'İade talebi' } } });
        break;
      default:
        messages.push({ ...base, type: 'text', text: { body: text } });
    }
  }
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID }, contacts: [...contacts.values()], messages } }] }],
  });
}


/** A signed webhook request carrying {@link whatsappNotification}. */
export async function signedWhatsappRequest(delivery: number, size: number, now: number): Promise<Request> {
  const body = whatsappNotification(delivery, size, now);
  const signature = `sha256=${toHex(await hmac('SHA-256', APP_SECRET, body))}`;
  return new Request('https://crm.example.test/webhooks/whatsapp', { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body });
}

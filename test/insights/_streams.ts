/** Builders for constructed streams in the insights tests (part A). */
import { parseInteraction, type Classification, type Interaction, type InteractionInput, type SentimentLabel, type IntentLabel } from 'social-crm';

export const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
export const HOUR = 3_600_000;
export const at = (hours: number) => new Date(T0 + hours * HOUR).toISOString();

export function labels(sentiment: SentimentLabel, intents: IntentLabel[] = []): Classification {
  const score = sentiment === 'negative' ? -0.7 : sentiment === 'positive' ? 0.7 : 0;
  return {
    language: 'en',
    languageConfidence: 0.9,
    languageSupported: true,
    sentiment: { label: sentiment, score, confidence: 0.8 },
    intents: intents.map((intent) => ({ intent, confidence: 0.8 })),
    department: { department: 'customer_service', reason: 'test' },
    urgency: 0.5,
    explanation: [],
    model: 'test@1',
  };
}

let serial = 0;
export interface PostSpec {
  hours: number;
  text?: string;
  sentiment?: SentimentLabel;
  intents?: IntentLabel[];
  author?: string;
  name?: string;
  followers?: number;
  customerId?: string;
  direction?: 'inbound' | 'peer' | 'outbound';
  parentId?: string;
  conversationId?: string;
  nativeId?: string;
  hashtags?: string[];
  metrics?: InteractionInput['metrics'];
  kind?: InteractionInput['kind'];
}

/** One classified interaction on network `x`. */
export function post(spec: PostSpec): Interaction {
  const author = spec.author ?? `user${serial}`;
  const interaction = parseInteraction(
    {
      channel: 'x',
      nativeId: spec.nativeId ?? `p${++serial}`,
      kind: spec.kind ?? (spec.parentId ? 'reply' : 'mention'),
      direction: spec.direction ?? 'inbound',
      author: { channel: 'x', nativeId: author, handle: author, ...(spec.name ? { displayName: spec.name } : {}), followerCount: spec.followers ?? 100, ...(spec.direction === 'outbound' ? { isBrand: true } : {}) },
      text: spec.text ?? (spec.sentiment === 'negative' ? 'Terrible service, my bag is lost' : 'Nice flight'),
      createdAt: at(spec.hours),
      ...(spec.parentId ? { parentId: spec.parentId } : {}),
      ...(spec.conversationId ? { conversationId: spec.conversationId } : {}),
      ...(spec.hashtags ? { hashtags: spec.hashtags } : {}),
      ...(spec.metrics ? { metrics: spec.metrics } : {}),
      ...(spec.customerId ? { customerId: spec.customerId } : {}),
      receivedAt: at(spec.hours),
    },
  );
  return { ...interaction, classification: labels(spec.sentiment ?? 'neutral', spec.intents ?? []) };
}

/** A quiet background: `perHour` interactions per hour for `hours`, one negative in every `negativeEvery`. */
export function background(fromHours: number, hours: number, perHour = 4, negativeEvery = 4): Interaction[] {
  const rows: Interaction[] = [];
  let index = 0;
  for (let hour = 0; hour < hours; hour++) {
    for (let slot = 0; slot < perHour; slot++) {
      const negative = index++ % negativeEvery === 0;
      rows.push(post({ hours: fromHours + hour + slot / perHour, sentiment: negative ? 'negative' : 'neutral', followers: 50 + (index % 7) * 40 }));
    }
  }
  return rows;
}

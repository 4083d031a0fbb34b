/** Builders for the customer-service streams of the part-B insights tests (SLA, routing, surveys, segments, 360). */
import { parseInteraction, type Classification, type Department, type IntentLabel, type Interaction, type SentimentLabel } from 'social-crm';

/** A classification with the given labels; everything else neutral. */
export function classified(spec: { language?: string; sentiment?: SentimentLabel; score?: number; intents?: IntentLabel[]; department?: Department; urgency?: number } = {}): Classification {
  const sentiment = spec.sentiment ?? 'neutral';
  return {
    language: spec.language ?? 'en',
    languageConfidence: 0.9,
    languageSupported: spec.language === undefined || spec.language === 'en' || spec.language === 'tr',
    sentiment: { label: sentiment, score: spec.score ?? (sentiment === 'negative' ? -0.6 : sentiment === 'positive' ? 0.6 : 0), confidence: 0.8 },
    intents: (spec.intents ?? []).map((intent) => ({ intent, confidence: 0.8 })),
    department: { department: spec.department ?? 'customer_service', reason: 'test' },
    urgency: spec.urgency ?? 0.4,
    explanation: [],
    model: 'test@1',
  };
}

export interface MessageSpec {
  id: string;
  at: string;
  channel?: string;
  /** Conversation root (native id); defaults to the message itself. */
  conversation?: string;
  direction?: 'inbound' | 'outbound' | 'peer';
  /** Author native id; the brand for outbound messages. */
  author?: string;
  customerId?: string;
  text?: string;
  visibility?: 'public' | 'private';
  parentId?: string;
  recipientId?: string;
  kind?: Interaction['kind'];
  labels?: Classification;
}

/** One stored-shape interaction, parsed as the pipeline would. */
export function message(spec: MessageSpec): Interaction {
  const channel = spec.channel ?? 'x';
  const outbound = spec.direction === 'outbound';
  const interaction = parseInteraction({
    channel,
    nativeId: spec.id,
    kind: spec.kind ?? (spec.visibility === 'private' ? 'direct_message' : spec.parentId ? 'reply' : 'mention'),
    direction: spec.direction ?? 'inbound',
    visibility: spec.visibility ?? 'public',
    author: outbound ? { channel, nativeId: 'brand', handle: 'brand', isBrand: true } : { channel, nativeId: spec.author ?? 'ayse', handle: spec.author ?? 'ayse' },
    conversationId: spec.conversation ?? spec.id,
    ...(spec.parentId ? { parentId: spec.parentId } : {}),
    ...(spec.recipientId ? { recipientId: spec.recipientId } : {}),
    text: spec.text ?? (outbound ? 'We are on it.' : 'Where is my order?'),
    createdAt: spec.at,
    receivedAt: spec.at,
    ...(spec.customerId ? { customerId: spec.customerId } : {}),
  });
  return spec.labels ? { ...interaction, classification: spec.labels } : interaction;
}

/** `2026-01-05T09:00:00Z` style instants from a compact day/time. */
export const utc = (date: string, time: string) => `${date}T${time}:00.000Z`;

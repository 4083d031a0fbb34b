// The label sets of a classification, without zod: the classifier entry imports them at start,
// and importing them from interaction.ts would load zod and build every schema first.
// interaction.ts re-exports them beside the schemas that use them.
export const SENTIMENT_LABELS = ['negative', 'neutral', 'positive'] as const;
export type SentimentLabel = (typeof SENTIMENT_LABELS)[number];

export const INTENT_LABELS = [
  'complaint',
  'question',
  'praise',
  'purchase_intent',
  'feature_request',
  'support_request',
  'churn_risk',
  'escalation_threat',
  'spam',
] as const;
export type IntentLabel = (typeof INTENT_LABELS)[number];

export const DEPARTMENTS = ['marketing_communication', 'sales', 'customer_service', 'research_development'] as const;
export type Department = (typeof DEPARTMENTS)[number];

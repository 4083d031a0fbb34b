/**
 * The classifier port. The pipeline classifies every interaction through a {@link Classifier};
 * the default one lives in `social-crm/classifier` (offline, English and Turkish) and is
 * loaded lazily, so the root import never pulls in language data. Hosts may pass their own,
 * e.g. one that calls a hosted model.
 *
 * @module
 */
import type { Classification, InteractionDirection, InteractionKind } from './interaction.js';

/** What a classifier sees of an interaction. Only `text` is required. */
export interface ClassifierInput {
  text: string;
  /** The interaction's id when the caller has one, so a deferred (cascade) answer can be matched to its message. */
  id?: string;
  /** Locale the network or account reports (`tr-TR`), a prior for language detection. */
  locale?: string;
  channel?: string;
  kind?: InteractionKind;
  direction?: InteractionDirection;
  visibility?: 'public' | 'private';
  /** The author's followers, for urgency (reach). */
  followerCount?: number;
  /** How many distinct people have joined the thread so far, for urgency. */
  threadParticipants?: number;
}

/**
 * A sentiment / intent / department / urgency classifier.
 * `classify` may be sync (local models) or async (remote models).
 */
export interface Classifier {
  /** Reported as `classification.model`, e.g. `acme/llm@2`. */
  readonly id: string;
  classify(input: ClassifierInput): Classification | Promise<Classification>;
  /** Optional batch form; the pipeline falls back to `classify` per item. */
  classifyBatch?(inputs: ClassifierInput[]): Classification[] | Promise<Classification[]>;
}

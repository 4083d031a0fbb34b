/**
 * The classify stage: language, sentiment, intent, department and urgency for the inbound
 * interactions of a batch, in one classifier call when the classifier has a batch form.
 *
 * @internal
 * @module
 */
import type { Classifier, ClassifierInput } from '../classifier-port.js';
import { ClassifierError, isSocialCrmError } from '../errors.js';
import { identityKey, type Classification, type Interaction } from '../interaction.js';
import type { PipelineContext } from './context.js';

const MAX_TRACKED_CONVERSATIONS = 50_000;

/** Some character `trim()` keeps (`\s` is exactly what it removes), tested without a trimmed copy. */
const NOT_BLANK = /\S/;

/** Whether the interaction is something the classifier reads. */
export function needsClassification(interaction: Interaction): boolean {
  return interaction.direction !== 'outbound' && interaction.kind !== 'reaction' && NOT_BLANK.test(interaction.text);
}

/** Notes the author as a participant of the conversation (bounded, oldest conversation dropped). */
export function noteParticipant(context: PipelineContext, interaction: Interaction): void {
  const { participants } = context;
  let set = participants.get(interaction.conversationId);
  if (!set) {
    if (participants.size >= MAX_TRACKED_CONVERSATIONS) participants.delete(participants.keys().next().value as string);
    participants.set(interaction.conversationId, (set = new Set()));
  }
  set.add(identityKey(interaction.author));
}

function classifierInput(context: PipelineContext, interaction: Interaction): ClassifierInput {
  const locale = interaction.author.locale ?? interaction.language;
  return {
    text: interaction.text,
    ...(interaction.id ? { id: interaction.id } : {}),
    channel: interaction.channel,
    kind: interaction.kind,
    direction: interaction.direction,
    visibility: interaction.visibility,
    ...(locale ? { locale } : {}),
    ...(interaction.author.followerCount !== undefined ? { followerCount: interaction.author.followerCount } : {}),
    threadParticipants: context.participants.get(interaction.conversationId)?.size ?? 1,
  };
}

function toClassifierError(classifier: Classifier, error: unknown): Error {
  return isSocialCrmError(error) ? error : new ClassifierError(`[${classifier.id}] classify() failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}

/**
 * Classifies each interaction that needs it. Returns one entry per input: the classification,
 * `undefined` (nothing to classify, or no classifier), or the error of that one item. A batch
 * call that fails is retried one item at a time, so one bad input fails alone.
 */
export async function classifyAll(context: PipelineContext, interactions: Interaction[]): Promise<Array<Classification | undefined | Error>> {
  const results: Array<Classification | undefined | Error> = new Array(interactions.length).fill(undefined);
  if (!interactions.some(needsClassification)) return results;
  const classifier = await context.loadClassifier();
  if (!classifier) return results;
  const wanted = interactions.map((interaction, index) => ({ interaction, index })).filter(({ interaction }) => needsClassification(interaction));
  const inputs = wanted.map(({ interaction }) => classifierInput(context, interaction));
  if (classifier.classifyBatch && inputs.length > 1) {
    try {
      const batch = await classifier.classifyBatch(inputs);
      if (batch.length === inputs.length) {
        wanted.forEach(({ index }, position) => (results[index] = batch[position]));
        return results;
      }
    } catch {
      // One input may have broken the batch: the loop below finds which.
    }
  }
  await Promise.all(
    wanted.map(async ({ index }, position) => {
      try {
        results[index] = await classifier.classify(inputs[position]!);
      } catch (error) {
        results[index] = toClassifierError(classifier, error);
      }
    }),
  );
  return results;
}

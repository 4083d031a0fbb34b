/**
 * Where the core keeps publishing facts on a stored post, apart from the request schema so that
 * reading them costs no validation code.
 *
 * @module
 */
/**
 * Where the core keeps publishing facts on the stored post: `channelMetadata[PUBLICATION_METADATA_KEY]`
 * holds `{ campaignId?, idempotencyKey }`.
 */
export const PUBLICATION_METADATA_KEY = 'publication';

/** The campaign a stored interaction was published for, if any. */
export function campaignIdOf(interaction: { channelMetadata: Record<string, unknown> }): string | undefined {
  const entry = interaction.channelMetadata[PUBLICATION_METADATA_KEY] as { campaignId?: unknown } | undefined;
  return typeof entry?.campaignId === 'string' ? entry.campaignId : undefined;
}

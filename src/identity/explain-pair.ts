/**
 * The `explainPair` command: how two identities, or identity keys the ledger knows, compare.
 *
 * @internal
 * @module
 */
import type { ChannelIdentity } from '../interaction.js';
import type { InteractionLedger } from '../ledger.js';
import { NotFoundError } from '../errors.js';
import { comparePair, type PairExplanation } from './compare-pair.js';
import { commandContext } from './coordination.js';
import type { IdentityCommandContext } from './identity-merger.js';
import type { MergerContext } from './merger-context.js';

/** The `explainPair` command. @throws NotFoundError for an unknown identity key */
export async function explainPair(merger: MergerContext, a: ChannelIdentity | string, b: ChannelIdentity | string, context?: IdentityCommandContext): Promise<PairExplanation> {
  const ledger = context?.ledger ?? merger.commandDefaults.ledger;
  const needsLedger = typeof a === 'string' || typeof b === 'string';
  // Fails with the commands' error when a key must be read and there is no ledger.
  if (needsLedger && !ledger) commandContext(merger, context);
  const first = typeof a === 'string' ? await identityOf(a, ledger as InteractionLedger) : a;
  const second = typeof b === 'string' ? await identityOf(b, ledger as InteractionLedger) : b;
  return comparePair(merger, first, second);
}

async function identityOf(reference: ChannelIdentity | string, ledger: InteractionLedger): Promise<ChannelIdentity> {
  if (typeof reference !== 'string') return reference;
  const record = await ledger.getIdentity(reference);
  if (!record) throw new NotFoundError('Identity', reference);
  return record.identity;
}

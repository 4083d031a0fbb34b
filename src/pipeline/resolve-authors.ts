/**
 * The identity stage: which customer wrote each new interaction of a batch. One call to the
 * resolver's batch form when it has one, else one resolution per distinct author, side by side.
 *
 * @internal
 * @module
 */
import { IdentityConflictError, isSocialCrmError } from '../errors.js';
import type { IdentityResolverContext, ResolveResult } from '../identity-resolver.js';
import { identityKey, type ChannelIdentity } from '../interaction.js';
import { hasBatchStore, type IdentityRecord, type InteractionLedger } from '../ledger.js';
import type { PipelineContext } from './context.js';

function toIdentityError(identity: ChannelIdentity, error: unknown): Error {
  return isSocialCrmError(error) ? error : new IdentityConflictError(`Identity resolution failed for ${identityKey(identity)}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}

/** Identity records of a round's authors, read beside the round's interactions. */
export type AuthorsReadAhead = Promise<IdentityRecord[] | undefined>;

/**
 * Starts reading the authors' identity records (one batch read), to run beside the round's other
 * reads; `undefined` when the ledger has no batch reads. A failed read is read again later.
 */
export function readAuthorsAhead(context: PipelineContext, authors: ChannelIdentity[]): AuthorsReadAhead | undefined {
  const { ledger } = context;
  if (!hasBatchStore(ledger) || authors.length === 0) return undefined;
  return ledger.getIdentities([...new Set(authors.map(identityKey))]).catch(() => undefined);
}

/**
 * The ledger the resolver gets: its first batch read of identity records is answered from the
 * records read ahead when it asks for no key beyond them (the resolver reads those without locks,
 * so an answer read a moment earlier is one it could have had); every other call goes through.
 */
function withReadAhead(ledger: InteractionLedger, authors: ChannelIdentity[], ahead: AuthorsReadAhead): InteractionLedger {
  const covered = new Set(authors.map(identityKey));
  let used = false;
  const getIdentities = async (keys: string[]): Promise<IdentityRecord[]> => {
    const records = used || !keys.every((key) => covered.has(key)) ? undefined : await ahead;
    used = true;
    if (!records) return ledger.getIdentities!(keys);
    const wanted = new Set(keys);
    return records.filter((record) => wanted.has(record.key));
  };
  return new Proxy(ledger, { get: (target, property, receiver) => (property === 'getIdentities' ? getIdentities : Reflect.get(target, property, receiver)) });
}

/**
 * Resolves each author; returns one entry per input, in order: the result or that author's error.
 * Repeats of one author share the first one's resolution (`created` only on the first).
 * `ahead` holds their identity records when {@link readAuthorsAhead} read them already.
 */
export async function resolveAuthors(context: PipelineContext, authors: ChannelIdentity[], ahead?: AuthorsReadAhead): Promise<Array<ResolveResult | Error>> {
  if (authors.length === 0) return [];
  const resolver = await context.loadIdentity();
  const ledger = ahead ? withReadAhead(context.ledger, authors, ahead) : context.ledger;
  const resolverContext: IdentityResolverContext = { ledger, now: context.now, generateId: () => context.generateId('cus') };
  const firstIndex = new Map<string, number>();
  const distinct: ChannelIdentity[] = [];
  const slot = authors.map((author) => {
    const key = identityKey(author);
    let index = firstIndex.get(key);
    if (index === undefined) {
      index = distinct.length;
      firstIndex.set(key, index);
      distinct.push(author);
    }
    return index;
  });
  const lockKeys = distinct.map((author) => `identity:${identityKey(author)}`);
  let resolved: Array<ResolveResult | Error> | undefined;
  if (resolver.resolveMany && distinct.length > 1) {
    resolved = await context.locks
      .withLocks(lockKeys, () => resolver.resolveMany!(distinct, resolverContext))
      .then((results) => (results.length === distinct.length ? results : undefined))
      .catch(() => undefined); // One author may have broken the batch: resolve one by one below.
  }
  resolved ??= await Promise.all(
    distinct.map((author, index) =>
      context.locks.withLock(lockKeys[index]!, () => resolver.resolve(author, resolverContext)).catch((error: unknown) => toIdentityError(author, error)),
    ),
  );
  const announced = new Set<number>();
  return slot.map((index) => {
    const result = resolved[index]!;
    if (result instanceof Error || !announced.has(index)) {
      announced.add(index);
      return result;
    }
    // A repeat: same customer, nothing new to announce.
    return { customerId: result.customerId, created: false, merges: [], suggestions: [] };
  });
}

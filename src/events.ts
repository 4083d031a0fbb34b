import EventEmitter from 'eventemitter3';
import type { AdapterWarning, Logger } from './adapter.js';
import type { SocialCrmError } from './errors.js';
import type { Classification, Customer, Interaction } from './interaction.js';
import type { ConsentRecord, DeadLetter, EraseResult, MergeRecord } from './ledger.js';
import type { ErasureSubject } from './erasure.js';

/** Where an interaction came from. */
export type InteractionSource = 'webhook' | 'poll' | 'ingest' | 'reply' | 'replay';

/**
 * An alert raised by the insights layer (crisis, virality, SLA breach ...). The insights emit it
 * on their own bus (`createInsights(crm).on('alert-raised', ...)` from `social-crm/insights`);
 * the type stays exported from the root for hosts that store or forward alerts.
 */
export interface Alert {
  id: string;
  /** e.g. `crisis`, `virality`, `sla-breach`. */
  kind: string;
  severity: 'info' | 'warning' | 'critical';
  title: string;
  /** Window, baseline, observed values, top posts and authors ... */
  evidence: Record<string, unknown>;
  raisedAt: string;
}

/**
 * Every event the SDK emits, named `<noun>-<action>`. Events observe; they never change the
 * flow (use hooks for that). A listener that throws is logged and the pipeline carries on.
 */
export interface SocialCrmEvents {
  /** A new interaction was stored. */
  'interaction-received': { interaction: Interaction; source: InteractionSource };
  /** A stored interaction changed on its network: edited, deleted, or its delivery state moved. */
  'interaction-updated': { interaction: Interaction; change: 'edited' | 'deleted' | 'delivery-status' };
  /** A redelivered or re-polled item was recognised and skipped. */
  'interaction-skipped': { id: string; reason: 'duplicate' | 'deleted'; source: InteractionSource };
  /** The classifier labelled an interaction. */
  'interaction-classified': { interaction: Interaction; classification: Classification };
  /** A customer was created for a new identity. */
  'customer-created': { customer: Customer };
  /** Customers were merged (automatically or by an agent). */
  'customer-merged': { merge: MergeRecord };
  /** A merge was undone. */
  'customer-unmerged': { merge: MergeRecord };
  /** The merger found a likely match that needs an agent's review. */
  'customer-match-suggested': { identityKey: string; customerId: string; candidates: Array<{ customerId: string; score: number; evidence: unknown }> };
  /** A reply went out and was recorded. */
  'reply-sent': { interaction: Interaction; inReplyTo: Interaction };
  /** A reply could not be sent. */
  'reply-failed': { inReplyTo: Interaction; error: SocialCrmError };
  /** The brand published a post on its own account (`crm.publish()`), recorded as an outbound `post`. */
  'post-published': { interaction: Interaction; campaignId?: string };
  /** A post could not be published. `idempotencyKey` names its send record. */
  'post-failed': { channel: string; idempotencyKey: string; campaignId?: string; error: SocialCrmError };
  /** An input failed a step and was kept in the dead-letter store. */
  'dead-lettered': { deadLetter: DeadLetter };
  /**
   * A customer was erased (`crm.eraseCustomer`). `subject` lists what identified them (ids,
   * handles, phone numbers, emails, names, message texts) so that in-process caches can forget
   * them; it is never written anywhere: durable handlers get `customerId` and `result` only, and
   * erase the customer from the host's own tables by id.
   */
  'customer-erased': { customerId: string; result: EraseResult; subject: ErasureSubject };
  /** A customer opted in or out of messages on one identity. */
  'consent-changed': { consent: ConsentRecord };
  /** Polling an adapter failed (the cursor was not advanced). */
  'poll-failed': { adapterId: string; error: SocialCrmError };
  /** Something was dropped or ignored but nothing failed. */
  warning: { adapterId?: string; warning: AdapterWarning };
}

export type SocialCrmEventName = keyof SocialCrmEvents;
export type SocialCrmEventListener<Name extends SocialCrmEventName> = (payload: SocialCrmEvents[Name]) => void;

/** @internal A typed emitter that isolates listener failures. */
export class EventBus<Events extends object = SocialCrmEvents> {
  readonly #emitter = new EventEmitter();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  on<Name extends keyof Events & string>(name: Name, listener: (payload: Events[Name]) => void): () => void {
    const safe = (payload: Events[Name]) => {
      try {
        const result = listener(payload) as unknown;
        if (result instanceof Promise) {
          result.catch((error: unknown) => this.#logListenerError(name, error));
        }
      } catch (error) {
        this.#logListenerError(name, error);
      }
    };
    this.#emitter.on(name, safe);
    return () => {
      this.#emitter.off(name, safe);
    };
  }

  emit<Name extends keyof Events & string>(name: Name, payload: Events[Name]): void {
    this.#emitter.emit(name, payload);
  }

  listenerCount(name: keyof Events & string): number {
    return this.#emitter.listenerCount(name);
  }

  #logListenerError(name: string, error: unknown) {
    this.#logger.error(`A listener of \`${name}\` threw; the pipeline carried on.`, {
      event: name,
      error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
    });
  }
}

/**
 * Routing: which department and queue an interaction goes to, from the classifier's labels and
 * declarative host rules, and which agent of that queue takes it (round-robin, least open
 * items, or the host's own function). Rules are data, so they can be stored, reviewed and
 * tested on their own with `router.explain()`.
 *
 * @module
 */
import * as z from 'zod';
import { DEPARTMENTS, INTENT_LABELS, type Classification, type Department, type IntentLabel, type Interaction } from '../interaction.js';
import { classificationOf, foldForMatch, parseInsightOptions } from './_shared.js';
import { asList, departmentsSchema, namesSchema, unitRangeSchema } from './option-schemas.js';

/** Conditions of a rule. Every given condition must hold; a list matches when any of its values does. */
export interface RoutingMatch {
  channel?: string | string[];
  /** Classifier language code(s), e.g. `tr`. */
  language?: string | string[];
  /** Any of these intents, at `minIntentConfidence` or above. */
  intents?: IntentLabel[];
  /** Department(s) the classifier chose. */
  department?: Department | Department[];
  /** Urgency range, inclusive. */
  urgency?: { min?: number; max?: number };
  /** Any of these words or phrases in the text (case and diacritics ignored, whole words). */
  keywords?: string[];
  /** Any of these customer segments (see the segment engine). */
  segments?: string[];
  /** @default 0.5 */
  minIntentConfidence?: number;
}

/** Where a matched interaction goes. */
export interface RoutingTarget {
  /** Queue name, free-form (e.g. `sales-tr`); agents per queue are set in `queues`. */
  queue: string;
  /** @default the classifier's department */
  department?: Department;
}

/** A declarative rule. */
export interface RoutingRule {
  /** Unique; named in explanations and `routed` events. */
  name: string;
  /** With `mode: 'priority'`, higher runs first (ties keep their order). @default 0 */
  priority?: number;
  /** Conditions; all must hold. */
  when: RoutingMatch;
  /** Where a matching interaction goes. */
  assign: RoutingTarget;
}

/** How agents of one queue are picked. */
export interface QueueOptions {
  /** Agent ids, in round-robin order. */
  agents: string[];
  /** @default 'round-robin' */
  strategy?: 'round-robin' | 'least-loaded';
}

/** What a host assignment hook receives. */
export interface AssignmentContext {
  interaction: Interaction;
  classification?: Classification;
  queue: string;
  department?: Department;
  /** The queue's agents with their current open items. */
  agents: Array<{ agent: string; openItems: number }>;
}

/** Options of {@link createRouter}. */
export interface RouterOptions {
  rules: RoutingRule[];
  /** `first-match` takes rules in order; `priority` sorts them by `priority` first. @default 'first-match' */
  mode?: 'first-match' | 'priority';
  /**
   * When no rule matches. @default the classifier's department as both queue and department
   * (`customer_service`, `sales` ...), or queue `general` for an unclassified interaction
   */
  default?: RoutingTarget;
  /** Agents per queue; a queue without agents routes without assigning anyone. */
  queues?: Record<string, QueueOptions>;
  /**
   * The host's own assignment: return an agent id, or `undefined` to fall back to the
   * queue's strategy. Runs before the built-in strategies.
   */
  assign?: (context: AssignmentContext) => string | undefined | Promise<string | undefined>;
  /** A snapshot from `toJSON()` to resume from. */
  state?: RouterState;
}

/** Why one rule did or did not match. */
export interface RuleCheck {
  /** The rule's name. */
  rule: string;
  /** Every condition held. */
  matched: boolean;
  /** One line per condition: what was required and what was found. */
  reasons: string[];
}

/** Result of {@link Router.explain}. */
export interface RoutingExplanation {
  /** The queue chosen. */
  queue: string;
  /** The rule's department, else the classifier's (or the default's). */
  department?: Department;
  /** The rule that decided, or `null` for the default. */
  rule: string | null;
  /** Rules in the order they were tried, up to and including the match. */
  checks: RuleCheck[];
}

/** The `routed` event: where an interaction went and who took it. */
export interface RoutedEvent {
  /** The interaction routed. */
  interactionId: string;
  conversationId: string;
  channel: string;
  /** The queue it went to. */
  queue: string;
  /** The rule's department, else the classifier's. */
  department?: Department;
  /** The rule that matched, or `null` for the default. */
  rule: string | null;
  /** The agent assigned, when the queue has agents or the host hook chose one. */
  agent?: string;
  /** `host`, `round-robin`, `least-loaded`, or `none`. */
  assignedBy: 'host' | 'round-robin' | 'least-loaded' | 'none';
  /** Why the rule matched, one line per condition. */
  reasons: string[];
}

/** Facts a rule can match besides the interaction and its labels. */
export interface RoutingContext {
  /** The customer's segments (e.g. from `segments.segmentsOf(customerId)`). */
  segments?: string[];
}

/** Serializable state: round-robin positions, open items per agent, and who holds what. */
export interface RouterState {
  version: 1;
  positions: Record<string, number>;
  assignments: Record<string, string>;
}

export interface Router {
  /** Which rule matches and why; pure, assigns nobody. */
  explain(interaction: Interaction, classification?: Classification, context?: RoutingContext): RoutingExplanation;
  /** Route and assign. The agent's open-item count grows by one until `release()`. */
  route(interaction: Interaction, classification?: Classification, context?: RoutingContext): Promise<RoutedEvent>;
  /** The item is closed (by interaction id): its agent's load drops. Returns the agent, if any. */
  release(interactionId: string): string | undefined;
  /** Open items per agent. */
  load(): Record<string, number>;
  /** The state, serialisable; pass it back as `options.state` to resume. */
  toJSON(): RouterState;
}

const targetSchema = z.object({ queue: z.string().min(1), department: z.enum(DEPARTMENTS).optional() });

const ruleSchema = z.object({
  name: z.string().min(1),
  priority: z.number().finite().default(0),
  when: z
    .object({
      channel: namesSchema.optional(),
      language: namesSchema.optional(),
      intents: z.array(z.enum(INTENT_LABELS)).min(1).optional(),
      department: departmentsSchema.optional(),
      urgency: unitRangeSchema.optional(),
      keywords: z.array(z.string().trim().min(1)).min(1).optional(),
      segments: z.array(z.string().min(1)).min(1).optional(),
      minIntentConfidence: z.number().min(0).max(1).default(0.5),
    })
    .strict(),
  assign: targetSchema,
});

const optionsSchema = z
  .object({
    rules: z.array(ruleSchema),
    mode: z.enum(['first-match', 'priority']).default('first-match'),
    default: targetSchema.optional(),
    queues: z
      .record(z.string(), z.object({ agents: z.array(z.string().min(1)).min(1), strategy: z.enum(['round-robin', 'least-loaded']).default('round-robin') }))
      .default({}),
    assign: z.custom<RouterOptions['assign']>((value) => typeof value === 'function', 'Expected a function.').optional(),
    state: z
      .object({ version: z.literal(1), positions: z.record(z.string(), z.number().int().nonnegative()), assignments: z.record(z.string(), z.string()) }, 'Expected a snapshot made by toJSON() (version 1).')
      .optional(),
  })
  .superRefine((value, context) => {
    const seen = new Set<string>();
    value.rules.forEach((rule, index) => {
      if (seen.has(rule.name)) context.addIssue({ code: 'custom', path: ['rules', index, 'name'], message: `Duplicate rule name \`${rule.name}\`.` });
      seen.add(rule.name);
    });
  });

type ParsedRule = z.output<typeof ruleSchema>;

function listText(values: readonly string[]): string {
  return values.map((value) => `\`${value}\``).join(', ');
}

/** Checks every condition of a rule, each with a human-readable reason. */
function checkRule(rule: ParsedRule, interaction: Interaction, labels: Classification | undefined, context: RoutingContext, foldedText: () => string): RuleCheck {
  const reasons: string[] = [];
  let matched = true;
  const test = (ok: boolean, reason: string) => {
    reasons.push(`${ok ? '✓' : '✗'} ${reason}`);
    if (!ok) matched = false;
  };
  const when = rule.when;
  const channels = asList(when.channel);
  if (channels) test(channels.includes(interaction.channel), `channel ${listText(channels)}: is \`${interaction.channel}\``);
  const languages = asList(when.language);
  if (languages) {
    const language = labels?.language ?? interaction.language ?? 'und';
    test(languages.includes(language), `language ${listText(languages)}: is \`${language}\``);
  }
  if (when.intents) {
    const found = (labels?.intents ?? []).filter((intent) => intent.confidence >= when.minIntentConfidence).map((intent) => intent.intent);
    const hit = when.intents.filter((intent) => found.includes(intent));
    test(hit.length > 0, `intents any of ${listText(when.intents)} (confidence ≥ ${when.minIntentConfidence}): ${found.length ? `found ${listText(found)}` : 'none found'}`);
  }
  const departments = asList(when.department);
  if (departments) {
    const department = labels?.department.department;
    test(department !== undefined && departments.includes(department), `department ${listText(departments)}: is ${department ? `\`${department}\`` : 'unknown'}`);
  }
  if (when.urgency) {
    const urgency = labels?.urgency ?? 0;
    const min = when.urgency.min ?? 0;
    const max = when.urgency.max ?? 1;
    test(urgency >= min && urgency <= max, `urgency in [${min}, ${max}]: is ${urgency}`);
  }
  if (when.keywords) {
    const text = foldedText();
    const hit = when.keywords.filter((keyword) => containsPhrase(text, foldForMatch(keyword)));
    test(hit.length > 0, `keywords any of ${listText(when.keywords)}: ${hit.length ? `found ${listText(hit)}` : 'none found'}`);
  }
  if (when.segments) {
    const segments = context.segments ?? [];
    const hit = when.segments.filter((segment) => segments.includes(segment));
    test(hit.length > 0, `segments any of ${listText(when.segments)}: ${hit.length ? `in ${listText(hit)}` : 'in none'}`);
  }
  if (reasons.length === 0) reasons.push('✓ no conditions: matches everything');
  return { rule: rule.name, matched, reasons };
}

/** Whole-word (or whole-phrase) containment over folded text. */
function containsPhrase(text: string, phrase: string): boolean {
  let from = 0;
  for (;;) {
    const index = text.indexOf(phrase, from);
    if (index < 0) return false;
    const before = index === 0 ? '' : text[index - 1]!;
    const after = text[index + phrase.length] ?? '';
    if (!/[\p{L}\p{N}]/u.test(before) && !/[\p{L}\p{N}]/u.test(after)) return true;
    from = index + 1;
  }
}

/**
 * Creates a router over declarative rules.
 * @throws InvalidOptionsError for malformed rules (unknown intents or departments, duplicate names ...).
 * @example
 * const router = createRouter({
 *   rules: [
 *     { name: 'legal threats', when: { intents: ['escalation_threat'] }, assign: { queue: 'escalations', department: 'customer_service' } },
 *     { name: 'turkish sales', when: { language: 'tr', intents: ['purchase_intent'] }, assign: { queue: 'sales-tr', department: 'sales' } },
 *   ],
 *   queues: { 'sales-tr': { agents: ['deniz', 'ece'], strategy: 'least-loaded' } },
 * });
 */
export function createRouter(options: RouterOptions): Router {
  const settings = parseInsightOptions('routing', optionsSchema, options);
  const ordered = settings.mode === 'priority' ? settings.rules.map((rule, index) => ({ rule, index })).sort((a, b) => b.rule.priority - a.rule.priority || a.index - b.index).map(({ rule }) => rule) : settings.rules;
  const positions: Record<string, number> = { ...settings.state?.positions };
  // interaction id → agent; the load of an agent is the number of items it holds.
  const assignments = new Map<string, string>(Object.entries(settings.state?.assignments ?? {}));
  const counts = new Map<string, number>();
  for (const agent of assignments.values()) counts.set(agent, (counts.get(agent) ?? 0) + 1);

  function unassign(interactionId: string): string | undefined {
    const agent = assignments.get(interactionId);
    if (agent === undefined) return undefined;
    assignments.delete(interactionId);
    const left = (counts.get(agent) ?? 1) - 1;
    if (left > 0) counts.set(agent, left);
    else counts.delete(agent);
    return agent;
  }

  function explain(interaction: Interaction, classification?: Classification, context: RoutingContext = {}): RoutingExplanation {
    const labels = classificationOf(interaction, classification);
    let folded: string | undefined;
    const foldedText = () => (folded ??= foldForMatch(interaction.text));
    const checks: RuleCheck[] = [];
    for (const rule of ordered) {
      const check = checkRule(rule, interaction, labels, context, foldedText);
      checks.push(check);
      if (check.matched) {
        const department = rule.assign.department ?? labels?.department.department;
        return { queue: rule.assign.queue, ...(department ? { department } : {}), rule: rule.name, checks };
      }
    }
    const department = settings.default?.department ?? labels?.department.department;
    return { queue: settings.default?.queue ?? labels?.department.department ?? 'general', ...(department ? { department } : {}), rule: null, checks };
  }

  return {
    explain,

    async route(interaction, classification, context = {}) {
      const labels = classificationOf(interaction, classification);
      const decision = explain(interaction, labels, context);
      const queue = settings.queues[decision.queue];
      const agents = (queue?.agents ?? []).map((agent) => ({ agent, openItems: counts.get(agent) ?? 0 }));
      let agent: string | undefined;
      let assignedBy: RoutedEvent['assignedBy'] = 'none';
      if (settings.assign) {
        agent = await settings.assign({ interaction, ...(labels ? { classification: labels } : {}), queue: decision.queue, ...(decision.department ? { department: decision.department } : {}), agents });
        if (agent !== undefined) assignedBy = 'host';
      }
      if (agent === undefined && queue) {
        if (queue.strategy === 'least-loaded') {
          // Fewest open items; ties go to the agent longest without a new item (round-robin order).
          const start = positions[decision.queue] ?? 0;
          const rotated = agents.map((_, offset) => agents[(start + offset) % agents.length]!);
          agent = rotated.reduce((best, candidate) => (candidate.openItems < best.openItems ? candidate : best)).agent;
          positions[decision.queue] = (queue.agents.indexOf(agent) + 1) % queue.agents.length;
          assignedBy = 'least-loaded';
        } else {
          const position = positions[decision.queue] ?? 0;
          agent = queue.agents[position % queue.agents.length]!;
          positions[decision.queue] = (position + 1) % queue.agents.length;
          assignedBy = 'round-robin';
        }
      }
      if (agent !== undefined) {
        unassign(interaction.id);
        assignments.set(interaction.id, agent);
        counts.set(agent, (counts.get(agent) ?? 0) + 1);
      }
      const matchedCheck = decision.checks.find((check) => check.rule === decision.rule);
      return {
        interactionId: interaction.id,
        conversationId: interaction.conversationId,
        channel: interaction.channel,
        queue: decision.queue,
        ...(decision.department ? { department: decision.department } : {}),
        rule: decision.rule,
        ...(agent !== undefined ? { agent } : {}),
        assignedBy,
        reasons: matchedCheck?.reasons ?? ['no rule matched: default queue'],
      };
    },

    release(interactionId) {
      return unassign(interactionId);
    },

    load() {
      return Object.fromEntries(counts);
    },

    toJSON() {
      return { version: 1, positions: { ...positions }, assignments: Object.fromEntries(assignments) };
    },
  };
}

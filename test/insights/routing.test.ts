import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from 'social-crm';
import { createRouter, type RoutingRule } from 'social-crm/insights';
import { classified, message, utc } from './_conversations.js';

const at = utc('2026-01-05', '10:00');
const rules: RoutingRule[] = [
  { name: 'legal threats', when: { intents: ['escalation_threat'] }, assign: { queue: 'escalations', department: 'customer_service' } },
  { name: 'turkish sales', when: { language: 'tr', intents: ['purchase_intent'] }, assign: { queue: 'sales-tr', department: 'sales' } },
  { name: 'refunds', when: { keywords: ['refund', 'iade'] }, assign: { queue: 'refunds' } },
  { name: 'urgent whatsapp', when: { channel: 'whatsapp', urgency: { min: 0.7 } }, assign: { queue: 'hot' } },
  { name: 'vip', when: { segments: ['vip'] }, assign: { queue: 'vip' } },
];

describe('createRouter: rules', () => {
  it('takes the first matching rule in order and explains each rule tried', () => {
    const router = createRouter({ rules });
    const interaction = message({ id: 'm1', at, text: 'Avukatıma gidiyorum, iade istiyorum' });
    const explanation = router.explain(interaction, classified({ language: 'tr', intents: ['escalation_threat', 'complaint'] }));
    expect(explanation).toMatchObject({ queue: 'escalations', department: 'customer_service', rule: 'legal threats' });
    expect(explanation.checks).toHaveLength(1);
    expect(explanation.checks[0]!.reasons[0]).toMatch(/✓ intents any of `escalation_threat`.*found `escalation_threat`, `complaint`/);
    // Without the threat, the refund keyword decides; the rules before it say why they did not match.
    const refund = router.explain(interaction, classified({ language: 'tr', intents: ['complaint'] }));
    expect(refund.rule).toBe('refunds');
    expect(refund.checks.map((check) => [check.rule, check.matched])).toEqual([
      ['legal threats', false],
      ['turkish sales', false],
      ['refunds', true],
    ]);
    expect(refund.checks[1]!.reasons).toEqual(['✓ language `tr`: is `tr`', expect.stringMatching(/^✗ intents any of `purchase_intent`/)]);
    expect(refund.department).toBe('customer_service');
  });

  it('with priority mode, the highest priority wins whatever the order; equal priorities keep their order', () => {
    const router = createRouter({
      mode: 'priority',
      rules: [
        { name: 'general complaints', when: { intents: ['complaint'] }, assign: { queue: 'care' } },
        { name: 'churn', priority: 10, when: { intents: ['churn_risk'] }, assign: { queue: 'retention' } },
        { name: 'also churn', priority: 10, when: { intents: ['churn_risk'] }, assign: { queue: 'other' } },
      ],
    });
    const labels = classified({ intents: ['complaint', 'churn_risk'] });
    expect(router.explain(message({ id: 'm', at }), labels).rule).toBe('churn');
    expect(createRouter({ rules: [{ name: 'general complaints', when: { intents: ['complaint'] }, assign: { queue: 'care' } }, { name: 'churn', priority: 10, when: { intents: ['churn_risk'] }, assign: { queue: 'retention' } }] }).explain(message({ id: 'm', at }), labels).rule).toBe(
      'general complaints',
    );
  });

  it('matches keywords as whole words, ignoring case and Turkish diacritics', () => {
    const router = createRouter({ rules });
    const queueOf = (text: string) => router.explain(message({ id: 'k', at, text }), classified()).queue;
    expect(queueOf('İADE lütfen')).toBe('refunds');
    expect(queueOf('I want a REFUND.')).toBe('refunds');
    expect(queueOf('refunded already, thanks')).toBe('customer_service');
  });

  it('matches urgency ranges per channel, segments from the context, and falls back to the default', () => {
    const router = createRouter({ rules, default: { queue: 'triage' } });
    const whatsapp = message({ id: 'w', channel: 'whatsapp', visibility: 'private', at });
    expect(router.explain(whatsapp, classified({ urgency: 0.8 })).queue).toBe('hot');
    expect(router.explain(whatsapp, classified({ urgency: 0.5 })).queue).toBe('triage');
    expect(router.explain(whatsapp, classified({ urgency: 0.5 }), { segments: ['vip'] }).queue).toBe('vip');
    const fallback = router.explain(message({ id: 'n', at }), classified({ department: 'research_development' }));
    expect(fallback).toMatchObject({ queue: 'triage', department: 'research_development', rule: null });
    expect(fallback.checks).toHaveLength(rules.length);
  });

  it('rejects malformed rules with a typed error naming each path', () => {
    let error: unknown;
    try {
      createRouter({
        rules: [
          { name: 'a', when: { intents: ['refund' as never] }, assign: { queue: 'q' } },
          { name: 'a', when: { urgency: { min: 2 } }, assign: { queue: '' } },
          { name: 'b', when: { colour: 'red' } as never, assign: { queue: 'q' } },
        ],
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).issues.map((issue) => issue.path)).toEqual(expect.arrayContaining(['rules.0.when.intents.0', 'rules.1.when.urgency.min', 'rules.1.assign.queue', 'rules.2.when.colour']));
    expect(() => createRouter({ rules: [rules[0]!, rules[0]!] })).toThrow(/Duplicate rule name `legal threats`/);
  });
});

describe('createRouter: assignment', () => {
  const tr = classified({ language: 'tr', intents: ['purchase_intent'] });

  it('round-robins the agents of a queue and emits the routed payload', async () => {
    const router = createRouter({ rules, queues: { 'sales-tr': { agents: ['deniz', 'ece', 'mert'] } } });
    const routed = [];
    for (let index = 0; index < 4; index++) routed.push(await router.route(message({ id: `s${index}`, at }), tr));
    expect(routed.map((event) => event.agent)).toEqual(['deniz', 'ece', 'mert', 'deniz']);
    expect(routed[0]).toMatchObject({ interactionId: 'x:s0', conversationId: 'x:s0', channel: 'x', queue: 'sales-tr', department: 'sales', rule: 'turkish sales', assignedBy: 'round-robin' });
    expect(router.load()).toEqual({ deniz: 2, ece: 1, mert: 1 });
  });

  it('gives the item to the agent with the fewest open items, counting releases', async () => {
    const router = createRouter({ rules, queues: { 'sales-tr': { agents: ['deniz', 'ece'], strategy: 'least-loaded' } } });
    const agents = [];
    for (let index = 0; index < 3; index++) agents.push((await router.route(message({ id: `l${index}`, at }), tr)).agent);
    expect(agents).toEqual(['deniz', 'ece', 'deniz']);
    expect(router.release('x:l0')).toBe('deniz');
    expect(router.release('x:l2')).toBe('deniz');
    expect(router.load()).toEqual({ ece: 1 });
    expect((await router.route(message({ id: 'l3', at }), tr)).agent).toBe('deniz');
    expect((await router.route(message({ id: 'l4', at }), tr)).agent).toBe('ece');
  });

  it('asks the host hook first and falls back to the strategy when it declines', async () => {
    const seen: Array<{ queue: string; agents: Array<{ agent: string; openItems: number }> }> = [];
    const router = createRouter({
      rules,
      queues: { 'sales-tr': { agents: ['deniz', 'ece'] } },
      assign: async ({ classification, queue, agents }) => {
        seen.push({ queue, agents });
        return (classification?.urgency ?? 0) > 0.9 ? 'supervisor' : undefined;
      },
    });
    expect(await router.route(message({ id: 'h1', at }), classified({ language: 'tr', intents: ['purchase_intent'], urgency: 0.95 }))).toMatchObject({ agent: 'supervisor', assignedBy: 'host' });
    expect(await router.route(message({ id: 'h2', at }), tr)).toMatchObject({ agent: 'deniz', assignedBy: 'round-robin' });
    expect(seen[1]).toEqual({ queue: 'sales-tr', agents: [{ agent: 'deniz', openItems: 0 }, { agent: 'ece', openItems: 0 }] });
    expect(await router.route(message({ id: 'h3', at }), classified({ department: 'research_development' }))).toMatchObject({ queue: 'research_development', department: 'research_development', rule: null, assignedBy: 'none' });
    expect(await router.route(message({ id: 'h4', at }))).toMatchObject({ queue: 'general', assignedBy: 'none' });
  });

  it('resumes round-robin positions and open items from toJSON()', async () => {
    const queues = { 'sales-tr': { agents: ['deniz', 'ece', 'mert'] } };
    const first = createRouter({ rules, queues });
    await first.route(message({ id: 'r1', at }), tr);
    const second = createRouter({ rules, queues, state: JSON.parse(JSON.stringify(first.toJSON())) });
    expect((await second.route(message({ id: 'r2', at }), tr)).agent).toBe('ece');
    expect(second.load()).toEqual({ deniz: 1, ece: 1 });
    expect(() => createRouter({ rules, state: { version: 3 } as never })).toThrow(InvalidOptionsError);
  });
});

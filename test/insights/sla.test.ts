import { describe, expect, it, vi } from 'vitest';
import { InvalidOptionsError, channelIdentityResolver, createSocialCrm, memoryLedger } from 'social-crm';
import { createBusinessCalendar, createInsights, createSlaTracker, type SlaChange } from 'social-crm/insights';
import { classified, message, utc } from './_conversations.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const weekdays = (start: string, end: string) => Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => [day, [{ start, end }]]));
const types = (changes: SlaChange[]) => changes.map((change) => change.type);

describe('business hours', () => {
  it('runs the clock only in opening hours, across a weekend, in Istanbul time (UTC+3)', () => {
    const sla = createSlaTracker({ defaultTarget: { firstResponseMinutes: 60 }, businessHours: { timeZone: 'Europe/Istanbul', weekly: weekdays('09:00', '18:00') } });
    // Friday 2 January 2026, 17:30 in Istanbul: 30 working minutes left that day.
    const [started] = sla.observe(message({ id: 'fri', at: utc('2026-01-02', '14:30') }));
    expect(started).toMatchObject({ type: 'sla-started', clock: { dueAt: utc('2026-01-05', '06:30'), warnAt: utc('2026-01-05', '06:15'), phase: 'first' } });
    expect(sla.advance(utc('2026-01-03', '12:00'))).toEqual([]);
    expect(sla.advance(utc('2026-01-05', '06:00'))).toEqual([]);
    const [stopped] = sla.observe(message({ id: 'answer', conversation: 'fri', direction: 'outbound', at: utc('2026-01-05', '06:10') }));
    expect(stopped).toMatchObject({ type: 'sla-stopped', response: { responseMs: 40 * MINUTE, breached: false, interactionId: 'x:fri', replyId: 'x:answer' } });
  });

  it('counts holidays as closed and follows a zone west of UTC (New York, EST)', () => {
    const sla = createSlaTracker({ businessHours: { timeZone: 'America/New_York', weekly: weekdays('09:00', '17:00'), holidays: ['2026-01-05'] } });
    // Friday 16:30 in New York; Monday is a holiday, so the remaining 30 minutes run on Tuesday.
    const [started] = sla.observe(message({ id: 'ny', at: utc('2026-01-02', '21:30') }));
    expect(started).toMatchObject({ clock: { dueAt: utc('2026-01-06', '14:30') } });
  });

  it('measures working time through a daylight-saving change (Berlin, 29 March 2026)', () => {
    const weekend = createBusinessCalendar({ timeZone: 'Europe/Berlin', weekly: { sat: [{ start: '00:00', end: '24:00' }], sun: [{ start: '00:00', end: '24:00' }] } });
    const saturday = Date.parse('2026-03-27T23:00:00Z');
    const monday = Date.parse('2026-03-29T22:00:00Z');
    expect(weekend.workingMsBetween(saturday, monday)).toBe(47 * HOUR);
    expect(weekend.addWorkingMs(saturday, 47 * HOUR)).toBe(monday);
    expect(weekend.isOpen(Date.parse('2026-03-29T12:00:00Z'))).toBe(true);
    expect(weekend.isOpen(Date.parse('2026-03-30T12:00:00Z'))).toBe(false);
  });
});

describe('createSlaTracker', () => {
  it('warns before the deadline and reports the breach after it, once each', () => {
    const sla = createSlaTracker({ defaultTarget: { firstResponseMinutes: 60 }, warningLeadMinutes: 15 });
    const fired: SlaChange[] = [];
    const feed = (changes: SlaChange[]) => fired.push(...changes.filter((change) => change.type === 'sla-warning' || change.type === 'sla-breached'));
    feed(sla.observe(message({ id: 'q', at: utc('2026-01-05', '10:00') })));
    feed(sla.advance(utc('2026-01-05', '10:44')));
    expect(fired).toEqual([]);
    feed(sla.advance(utc('2026-01-05', '10:45')));
    feed(sla.advance(utc('2026-01-05', '10:50')));
    feed(sla.observe(message({ id: 'q2', conversation: 'q', at: utc('2026-01-05', '10:55'), text: 'Hello??' })));
    feed(sla.advance(utc('2026-01-05', '11:00')));
    feed(sla.advance(utc('2026-01-05', '11:30')));
    expect(fired.map((change) => change.type)).toEqual(['sla-warning', 'sla-breached']);
    expect(fired[0]).toMatchObject({ at: utc('2026-01-05', '10:45'), remainingMs: 15 * MINUTE, clock: { conversationId: 'x:q' } });
    expect(fired[1]).toMatchObject({ at: utc('2026-01-05', '11:00'), overdueMs: 0, clock: { interactionIds: ['x:q', 'x:q2'] } });
    const [stopped] = sla.observe(message({ id: 'late', conversation: 'q', direction: 'outbound', at: utc('2026-01-05', '11:40') }));
    expect(stopped).toMatchObject({ type: 'sla-stopped', response: { breached: true, responseMs: 100 * MINUTE } });
  });

  it('reports a breach found only when the late answer arrives, without a warning first', () => {
    const sla = createSlaTracker({ defaultTarget: { firstResponseMinutes: 30 } });
    sla.observe(message({ id: 'q', at: utc('2026-01-05', '10:00') }));
    expect(types(sla.observe(message({ id: 'a', conversation: 'q', direction: 'outbound', at: utc('2026-01-05', '12:00') })))).toEqual(['sla-breached', 'sla-stopped']);
  });

  it('orders the unanswered queue by urgency band, then deadline', () => {
    const sla = createSlaTracker({ defaultTarget: { firstResponseMinutes: 60 } });
    sla.observe(message({ id: 'normal', at: utc('2026-01-05', '10:00'), labels: classified({ urgency: 0.3 }) }));
    sla.observe(message({ id: 'urgent-late', at: utc('2026-01-05', '10:20'), labels: classified({ urgency: 0.9 }) }));
    sla.observe(message({ id: 'urgent-early', at: utc('2026-01-05', '10:10'), labels: classified({ urgency: 0.85 }) }));
    sla.observe(message({ id: 'high', at: utc('2026-01-05', '09:00'), labels: classified({ urgency: 0.65 }) }));
    const queue = sla.queue();
    expect(queue.map((item) => item.conversationId)).toEqual(['x:urgent-early', 'x:urgent-late', 'x:high', 'x:normal']);
    expect(queue.map((item) => item.priority)).toEqual(['urgent', 'urgent', 'high', 'normal']);
    expect(queue[2]).toMatchObject({ status: 'breached', remainingMs: -20 * MINUTE });
    expect(queue[0]).toMatchObject({ status: 'ok', remainingMs: 50 * MINUTE });
    expect(sla.queue({ limit: 1 })).toHaveLength(1);
  });

  it('applies the first matching target by urgency, channel and department, tightening when urgency rises', () => {
    const sla = createSlaTracker({
      targets: [
        { name: 'urgent', match: { urgency: { min: 0.8 } }, firstResponseMinutes: 15 },
        { name: 'whatsapp', match: { channel: 'whatsapp' }, firstResponseMinutes: 30 },
        { name: 'sales', match: { department: 'sales' }, firstResponseMinutes: 240 },
      ],
      defaultTarget: { name: 'standard', firstResponseMinutes: 120, nextResponseMinutes: 60 },
    });
    const at = utc('2026-01-05', '10:00');
    sla.observe(message({ id: 'w', channel: 'whatsapp', visibility: 'private', at, labels: classified({ department: 'sales' }) }));
    sla.observe(message({ id: 's', at, labels: classified({ department: 'sales' }) }));
    sla.observe(message({ id: 'o', at }));
    expect(sla.clock('whatsapp:w')).toMatchObject({ target: 'whatsapp', dueAt: utc('2026-01-05', '10:30') });
    expect(sla.clock('x:s')).toMatchObject({ target: 'sales', dueAt: utc('2026-01-05', '14:00') });
    expect(sla.clock('x:o')).toMatchObject({ target: 'standard', dueAt: utc('2026-01-05', '12:00') });
    sla.observe(message({ id: 'o2', conversation: 'o', at: utc('2026-01-05', '10:05'), labels: classified({ urgency: 0.95 }) }));
    expect(sla.clock('x:o')).toMatchObject({ target: 'urgent', priority: 'urgent', dueAt: utc('2026-01-05', '10:15') });
  });

  it('stops on a brand answer and starts next-response on the follow-up', () => {
    const sla = createSlaTracker({ defaultTarget: { firstResponseMinutes: 120, nextResponseMinutes: 60 } });
    sla.observe(message({ id: 'q', at: utc('2026-01-05', '10:00') }));
    sla.observe(message({ id: 'a1', conversation: 'q', direction: 'outbound', at: utc('2026-01-05', '10:30') }));
    expect(sla.clock('x:q')).toBeNull();
    const [started] = sla.observe(message({ id: 'f', conversation: 'q', at: utc('2026-01-05', '11:00'), text: 'It did not arrive' }));
    expect(started).toMatchObject({ type: 'sla-started', clock: { phase: 'next', dueAt: utc('2026-01-05', '12:00') } });
    sla.observe(message({ id: 'a2', conversation: 'q', direction: 'outbound', at: utc('2026-01-05', '11:20') }));
    expect(sla.responses('x:q').map((response) => [response.phase, response.responseMs])).toEqual([
      ['first', 30 * MINUTE],
      ['next', 20 * MINUTE],
    ]);
  });

  it('stops the clock of a comment answered by private message (reply-sent to another thread)', () => {
    const sla = createSlaTracker();
    const comment = message({ id: 'c1', at: utc('2026-01-05', '10:00') });
    sla.observe(comment);
    const dm = message({ id: 'dm1', conversation: 'dm-thread', direction: 'outbound', visibility: 'private', at: utc('2026-01-05', '10:12') });
    expect(types(sla.observeReply({ interaction: dm, inReplyTo: comment }))).toEqual(['sla-stopped']);
    expect(sla.queue()).toEqual([]);
  });

  it('ignores customer-to-customer talk, reactions, confident spam and what the host excludes', () => {
    const excluding = createSlaTracker({ exclude: { kinds: ['mention'], intents: ['praise'] } });
    excluding.observe(message({ id: 'm', kind: 'mention', at: utc('2026-01-05', '10:00') }));
    excluding.observe(message({ id: 'p', kind: 'comment', at: utc('2026-01-05', '10:00'), labels: classified({ intents: ['praise'] }) }));
    excluding.observe(message({ id: 'q', kind: 'comment', at: utc('2026-01-05', '10:00'), labels: classified({ intents: ['question'] }) }));
    expect(excluding.queue().map((item) => item.conversationId)).toEqual(['x:q']);
    expect(() => createSlaTracker({ exclude: { kinds: ['tweet' as never] } })).toThrow(/exclude\.kinds\.0/);
    const sla = createSlaTracker();
    sla.observe(message({ id: 'p', direction: 'peer', at: utc('2026-01-05', '10:00') }));
    sla.observe(message({ id: 'r', kind: 'reaction', at: utc('2026-01-05', '10:00') }));
    sla.observe(message({ id: 's', at: utc('2026-01-05', '10:00'), labels: classified({ intents: ['spam'] }) }));
    expect(sla.queue()).toEqual([]);
  });

  it('computes median and p90 response times and the breach rate per channel and department', () => {
    const sla = createSlaTracker({ defaultTarget: { firstResponseMinutes: 60 } });
    [10, 20, 30, 40, 100].forEach((minutes, index) => {
      sla.observe(message({ id: `q${index}`, at: utc('2026-01-05', '10:00'), labels: classified({ department: index < 2 ? 'sales' : 'customer_service' }) }));
      sla.observe(message({ id: `a${index}`, conversation: `q${index}`, direction: 'outbound', at: new Date(Date.parse(utc('2026-01-05', '10:00')) + minutes * MINUTE).toISOString() }));
    });
    sla.observe(message({ id: 'open', at: utc('2026-01-05', '11:00') }));
    sla.advance(utc('2026-01-05', '12:30'));
    const [x] = sla.figures({ by: 'channel' });
    expect(x).toMatchObject({ key: 'x', responses: 5, breachedResponses: 1, open: 1, openBreached: 1, firstResponse: { count: 5, medianMs: 30 * MINUTE, p90Ms: 100 * MINUTE } });
    expect(x!.breachRate).toBeCloseTo(2 / 6);
    const byDepartment = sla.figures({ by: 'department' });
    expect(byDepartment.map((group) => [group.key, group.responses, group.open])).toEqual([
      ['customer_service', 3, 0],
      ['sales', 2, 0],
      ['unknown', 0, 1],
    ]);
    expect(byDepartment[0]!.breachRate).toBeCloseTo(1 / 3);
  });

  it('drops conversations left waiting too long, or beyond the bound, so the state stays bounded', () => {
    const sla = createSlaTracker({ defaultTarget: { firstResponseMinutes: 60 }, abandonAfterDays: 2, maxOpenClocks: 2 });
    sla.observe(message({ id: 'a', at: utc('2026-01-05', '10:00') }));
    sla.observe(message({ id: 'b', at: utc('2026-01-05', '11:00') }));
    const third = sla.observe(message({ id: 'c', at: utc('2026-01-05', '12:00') }));
    expect(third.filter((change) => change.type === 'sla-abandoned').map((change) => 'clock' in change && change.clock.conversationId)).toEqual(['x:a']);
    expect(types(sla.advance(utc('2026-01-07', '10:59')))).toEqual(['sla-breached']);
    const later = sla.advance(utc('2026-01-07', '11:00'));
    expect(later.map((change) => [change.type, 'clock' in change ? change.clock.conversationId : ''])).toEqual([['sla-abandoned', 'x:b']]);
    expect(sla.queue().map((item) => item.conversationId)).toEqual(['x:c']);
  });

  it('resumes from toJSON() without firing a warning twice', () => {
    const first = createSlaTracker({ defaultTarget: { firstResponseMinutes: 60 } });
    first.observe(message({ id: 'q', at: utc('2026-01-05', '10:00') }));
    expect(types(first.advance(utc('2026-01-05', '10:50')))).toEqual(['sla-warning']);
    const state = JSON.parse(JSON.stringify(first.toJSON()));
    const second = createSlaTracker({ defaultTarget: { firstResponseMinutes: 60 }, state });
    expect(second.advance(utc('2026-01-05', '10:55'))).toEqual([]);
    expect(types(second.advance(utc('2026-01-05', '11:05')))).toEqual(['sla-breached']);
    expect(() => createSlaTracker({ state: { version: 2 } as never })).toThrow(InvalidOptionsError);
    // A breached clock resumes too, and is abandoned on time after the restart.
    const third = createSlaTracker({ defaultTarget: { firstResponseMinutes: 60 }, abandonAfterDays: 2, state: JSON.parse(JSON.stringify(second.toJSON())) });
    expect(types(third.advance(utc('2026-01-07', '09:59')))).toEqual([]);
    expect(types(third.advance(utc('2026-01-07', '10:00')))).toEqual(['sla-abandoned']);
  });

  it('rejects bad targets and business hours with a typed error listing each path', () => {
    let error: unknown;
    try {
      createSlaTracker({ targets: [{ firstResponseMinutes: -5 }], businessHours: { timeZone: 'Mars/Olympus_Mons', weekly: { mon: [{ start: '18:00', end: '09:00' }] } } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    const paths = (error as InvalidOptionsError).issues.map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['targets.0.firstResponseMinutes', 'businessHours.timeZone', 'businessHours.weekly.mon.0']));
    expect(() => createSlaTracker({ businessHours: { timeZone: 'UTC', weekly: {} } })).toThrow(/no opening hours/);
  });
});

describe('SLAs, routing and segments through createInsights', () => {
  it('announces the route, the segment, the warning, the breach and the answer from the crm stream', async () => {
    let clock = new Date(utc('2026-01-05', '10:00'));
    const crm = createSocialCrm({ ledger: memoryLedger(), classifier: false, identity: channelIdentityResolver(), now: () => clock, logger: { debug() {}, info() {}, warn() {}, error() {} } });
    const insights = createInsights(crm, {
      now: () => clock,
      crisis: false,
      virality: false,
      sla: { defaultTarget: { firstResponseMinutes: 30 } },
      routing: { rules: [{ name: 'refunds', when: { keywords: ['refund'] }, assign: { queue: 'refunds' } }], queues: { refunds: { agents: ['mert'] } } },
      segments: { definitions: [{ id: 'waiting', within: { lastDays: 7 }, when: { noReplyYet: true } }] },
    });
    const log: string[] = [];
    insights.on('routed', (event) => log.push(`routed ${event.queue} ${event.agent}`));
    insights.on('segment-entered', (event) => log.push(`entered ${event.segmentId}`));
    insights.on('segment-left', (event) => log.push(`left ${event.segmentId}`));
    insights.on('sla-warning', (event) => log.push(`warning ${event.clock.conversationId}`));
    insights.on('sla-breached', (event) => log.push(`breached ${event.clock.conversationId}`));
    const input = { channel: 'forum', kind: 'comment' as const, createdAt: utc('2026-01-05', '10:00') };
    await crm.ingest({ ...input, nativeId: 'q1', author: { channel: 'forum', nativeId: 'ayse' }, text: 'I want a refund' });
    await vi.waitFor(() => expect(log).toContain('routed refunds mert'));
    clock = new Date(utc('2026-01-05', '10:16'));
    insights.advance();
    clock = new Date(utc('2026-01-05', '10:31'));
    insights.advance();
    insights.advance();
    await crm.ingest({ ...input, nativeId: 'a1', conversationId: 'q1', parentId: 'q1', author: { channel: 'forum', nativeId: 'brand', isBrand: true }, text: 'Refunded.', createdAt: utc('2026-01-05', '10:40') });
    expect(log).toEqual(['entered waiting', 'routed refunds mert', 'warning forum:q1', 'breached forum:q1', 'left waiting']);
    expect(insights.sla!.responses()).toEqual([expect.objectContaining({ conversationId: 'forum:q1', responseMs: 40 * MINUTE, breached: true })]);
    expect(insights.router!.load()).toEqual({ mert: 1 });
    insights.close();
  });
});

/**
 * The demo report as one self-contained HTML page: inline CSS and SVG charts, no scripts, no
 * fonts, images or styles from elsewhere, so it opens from disk in any browser and can be mailed.
 */
import type { CrisisEvidence, Customer360, MentionBucket, RankedCustomer, ViralityEvidence } from 'social-crm/insights';
import type { DemoCampaignReport } from './campaign.js';
import { reviewSummary, stars, type DemoReport } from './report.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (value: unknown) => String(value).replace(/[&<>"']/g, (character) => ESCAPES[character]!);
const time = (iso: string) => iso.slice(5, 16).replace('T', ' ');
const COLORS = { negative: '#d64545', neutral: '#a0a7b4', positive: '#2f9e5b', alert: '#f6c344', virality: '#8e5bd6' };

/** Stacked hourly bars of mentions by sentiment, with the alert windows shaded. */
function volumeChart(volume: MentionBucket[], alerts: NonNullable<DemoReport['insights']>['alerts']): string {
  if (!volume.length) return '<p>No mentions.</p>';
  const width = 960;
  const height = 220;
  const left = 36;
  const bottom = 24;
  const plotWidth = width - left - 8;
  const plotHeight = height - bottom - 8;
  const max = Math.max(1, ...volume.map((bucket) => bucket.mentions));
  const step = plotWidth / volume.length;
  const first = Date.parse(volume[0]!.start);
  const last = Date.parse(volume[volume.length - 1]!.start) + 3_600_000;
  const x = (ms: number) => left + ((ms - first) / (last - first)) * plotWidth;
  const y = (value: number) => 8 + plotHeight - (value / max) * plotHeight;
  const parts: string[] = [];
  for (const { alert, resolvedAt } of alerts) {
    const start = alert.kind === 'crisis' ? Date.parse((alert.evidence as CrisisEvidence).window.start) : Date.parse((alert.evidence as ViralityEvidence).window.start);
    const end = resolvedAt ? Date.parse(resolvedAt) : last;
    const from = Math.max(first, start);
    const to = Math.min(last, end);
    if (to <= from) continue;
    parts.push(`<rect class="alert-window" data-kind="${escape(alert.kind)}" x="${x(from).toFixed(1)}" y="8" width="${(x(to) - x(from)).toFixed(1)}" height="${plotHeight}" fill="${alert.kind === 'crisis' ? COLORS.alert : COLORS.virality}" fill-opacity="0.25"><title>${escape(alert.title)}</title></rect>`);
  }
  volume.forEach((bucket, index) => {
    let base = 0;
    for (const label of ['negative', 'neutral', 'positive'] as const) {
      const value = label === 'neutral' ? bucket.neutral + bucket.unclassified : bucket[label];
      if (!value) continue;
      parts.push(`<rect class="bar ${label}" x="${(left + index * step).toFixed(1)}" y="${y(base + value).toFixed(1)}" width="${Math.max(1, step - 1).toFixed(1)}" height="${(y(base) - y(base + value)).toFixed(1)}" fill="${COLORS[label]}"><title>${escape(time(bucket.start))}: ${value} ${label}</title></rect>`);
      base += value;
    }
  });
  for (let ms = Math.ceil(first / 86_400_000) * 86_400_000; ms < last; ms += 86_400_000) {
    parts.push(`<line x1="${x(ms).toFixed(1)}" x2="${x(ms).toFixed(1)}" y1="8" y2="${8 + plotHeight}" stroke="#ddd"/><text x="${(x(ms) + 3).toFixed(1)}" y="${height - 8}" font-size="11" fill="#555">${escape(new Date(ms).toISOString().slice(5, 10))}</text>`);
  }
  parts.push(`<text x="4" y="16" font-size="11" fill="#555">${max}</text><text x="4" y="${8 + plotHeight}" font-size="11" fill="#555">0</text>`);
  return `<svg id="volume-chart" role="img" aria-label="Mentions per hour by sentiment" viewBox="0 0 ${width} ${height}" width="100%" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

/** Share of negative mentions over a 6-hour rolling window, as a line. */
function sentimentChart(volume: MentionBucket[]): string {
  if (volume.length < 2) return '';
  const width = 960;
  const height = 140;
  const left = 36;
  const plot = { width: width - left - 8, height: height - 30 };
  const points: string[] = [];
  volume.forEach((_, index) => {
    const window = volume.slice(Math.max(0, index - 5), index + 1);
    const classified = window.reduce((sum, bucket) => sum + bucket.positive + bucket.neutral + bucket.negative, 0);
    const negative = window.reduce((sum, bucket) => sum + bucket.negative, 0);
    const share = classified ? negative / classified : 0;
    points.push(`${(left + (index / (volume.length - 1)) * plot.width).toFixed(1)},${(8 + plot.height - share * plot.height).toFixed(1)}`);
  });
  return `<svg id="sentiment-chart" role="img" aria-label="Share of negative mentions, 6-hour rolling" viewBox="0 0 ${width} ${height}" width="100%" xmlns="http://www.w3.org/2000/svg"><line x1="${left}" x2="${width - 8}" y1="${8 + plot.height / 2}" y2="${8 + plot.height / 2}" stroke="#eee"/><text x="4" y="16" font-size="11" fill="#555">100%</text><text x="4" y="${8 + plot.height}" font-size="11" fill="#555">0%</text><polyline points="${points.join(' ')}" fill="none" stroke="${COLORS.negative}" stroke-width="2"/></svg>`;
}

/** One horizontal bar split into the score's components. */
function scoreBar(customer: RankedCustomer, scale: number): string {
  const segments: Array<[string, number, string]> = [
    ['own', customer.components.mentions, '#4c78a8'],
    ['helped others', customer.components.peer, '#2f9e5b'],
    ['consistency', customer.components.consistency, '#f58518'],
    ['reach', customer.components.reach, '#b279a2'],
  ];
  let offset = 0;
  const rects = segments
    .filter(([, value]) => value > 0)
    .map(([label, value, color]) => {
      const rect = `<rect x="${((offset / scale) * 300).toFixed(1)}" y="2" width="${((value / scale) * 300).toFixed(1)}" height="14" fill="${color}"><title>${escape(label)}: ${value.toFixed(2)}</title></rect>`;
      offset += value;
      return rect;
    });
  return `<svg class="score-bar" viewBox="0 0 300 18" width="300" height="18" xmlns="http://www.w3.org/2000/svg">${rects.join('')}</svg>`;
}

function rankedTable(id: string, customers: RankedCustomer[], kind: 'advocate' | 'detractor'): string {
  if (!customers.length) return `<p id="${id}">None.</p>`;
  const scale = Math.max(1, ...customers.map((customer) => customer.components.mentions + customer.components.peer + customer.components.consistency + customer.components.reach));
  const rows = customers
    .map(
      (customer) => `<tr><td>${escape(customer.name)}</td><td class="num">${customer.score.toFixed(1)}</td><td>${scoreBar(customer, scale)}</td><td class="num">${kind === 'advocate' ? customer.counts.positive : customer.counts.negative}</td><td class="num">${kind === 'advocate' ? customer.counts.peerSupport : customer.counts.peerComplaints}</td><td class="num">${customer.counts.activeDays}</td><td class="num">${customer.counts.followers}</td></tr>`,
    )
    .join('');
  return `<table id="${id}"><thead><tr><th>Customer</th><th>Score</th><th>Components (own · helped others · consistency · reach)</th><th>${kind === 'advocate' ? 'Praise' : 'Complaints'}</th><th>${kind === 'advocate' ? 'Helped others' : 'Passed on'}</th><th>Active days</th><th>Followers</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function alertCards(alerts: NonNullable<DemoReport['insights']>['alerts']): string {
  if (!alerts.length) return '<p>No alerts.</p>';
  return alerts
    .map(({ alert, resolvedAt }) => {
      const body: string[] = [];
      if (alert.kind === 'crisis') {
        const evidence = alert.evidence as CrisisEvidence;
        body.push(`<p>Window ${escape(time(evidence.window.start))}–${escape(time(evidence.window.end))} UTC · observed <b>${evidence.observed.mentions}</b> negative mentions (weight ${evidence.observed.weight}) against a baseline of ${evidence.baseline.mean} ± ${evidence.baseline.stdDev} · z = <b>${evidence.score}</b></p>`);
        body.push(`<ol class="posts">${evidence.topPosts.map((post) => `<li><span class="reach">reach ${post.reach.toFixed(1)}</span> <b>${escape(post.author)}</b>: ${escape(post.text)}</li>`).join('')}</ol>`);
        body.push(`<p>Top authors: ${evidence.topAuthors.map((author) => `${escape(author.name)} (${author.followers} followers)`).join(', ')}</p>`);
      } else if (alert.kind === 'virality') {
        const evidence = alert.evidence as ViralityEvidence;
        body.push(`<p>+${evidence.growth} replies/shares in the window (${evidence.ratePerHour}/h), ${evidence.participants} people replying; answered by the brand: <b>${evidence.answeredByBrand ? 'yes' : 'no'}</b></p>`);
        body.push(`<blockquote><b>${escape(evidence.post.author)}</b>: ${escape(evidence.post.text)}</blockquote>`);
      }
      return `<article class="alert ${escape(alert.severity)}" data-kind="${escape(alert.kind)}"><h3>${escape(alert.kind)} · ${escape(alert.severity)} · ${escape(time(alert.raisedAt))} UTC</h3><p class="title">${escape(alert.title)}</p>${body.join('')}<p class="state">${resolvedAt ? `Resolved ${escape(time(resolvedAt))} UTC` : 'Still open'}</p></article>`;
    })
    .join('');
}

function queueTable(report: DemoReport): string {
  if (!report.waitingComplaints.length) return '<p id="queue">Nothing waiting.</p>';
  const rows = report.waitingComplaints
    .slice(0, 20)
    .map((row) => `<tr><td class="num">${(row.classification?.urgency ?? 0).toFixed(2)}</td><td>${escape(row.channel)}</td><td>${escape(row.author.displayName ?? row.author.handle ?? row.author.nativeId)}</td><td>${escape(time(row.createdAt))}</td><td>${escape(row.text)}</td></tr>`)
    .join('');
  return `<table id="queue"><thead><tr><th>Urgency</th><th>Channel</th><th>Author</th><th>Since (UTC)</th><th>Text</th></tr></thead><tbody>${rows}</tbody></table>${report.waitingComplaints.length > 20 ? `<p>… and ${report.waitingComplaints.length - 20} more.</p>` : ''}`;
}

function topicTable(report: DemoReport): string {
  const topics = [...(report.insights?.topics ?? [])].sort((a, b) => b.mentions - a.mentions);
  if (!topics.length) return '';
  const max = Math.max(1, ...topics.map((topic) => topic.mentions));
  const rows = topics
    .map((topic) => {
      const bar = (['negative', 'neutral', 'positive'] as const)
        .map((label) => {
          const value = label === 'neutral' ? topic.neutral + topic.unclassified : topic[label];
          return value ? `<span style="display:inline-block;height:12px;width:${((value / max) * 240).toFixed(1)}px;background:${COLORS[label]}" title="${value} ${label}"></span>` : '';
        })
        .join('');
      return `<tr><td>${escape(topic.name)}</td><td class="num">${topic.mentions}</td><td>${bar}</td><td class="num">${Math.round(topic.mix.negative * 100)}%</td><td class="num">${topic.authors}</td><td class="num">${topic.reach}</td></tr>`;
    })
    .join('');
  return `<table id="topics"><thead><tr><th>Topic</th><th>Mentions</th><th>Sentiment</th><th>Negative</th><th>Authors</th><th>Reach</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Group chats, comment threads under videos, and reviews with their stars. */
function communitiesSection(report: DemoReport): string {
  const { groups, videos, reviews } = report.communities;
  if (!groups.length && !videos.length && !reviews.length) return '';
  const parts: string[] = [];
  if (groups.length) {
    const rows = groups.map((group) => `<tr><td>${escape(group.channel)}</td><td>${escape(group.title)}</td><td class="num">${group.messages}</td><td class="num">${group.people}</td><td class="num">${group.peer}</td><td class="num">${group.toBrand}</td><td class="num">${group.fromBrand}</td></tr>`).join('');
    parts.push(`<h3>Group chats</h3><table id="group-chats"><thead><tr><th>Network</th><th>Group</th><th>Messages</th><th>People</th><th>Between customers</th><th>To the brand</th><th>From the brand</th></tr></thead><tbody>${rows}</tbody></table>`);
  }
  if (videos.length) {
    const rows = videos.map((video) => `<tr><td>${escape(video.channel)}</td><td>${escape(video.videoId)}</td><td class="num">${video.threads}</td><td class="num">${video.comments}</td><td class="num">${video.replies}</td><td class="num">${video.people}</td><td class="num">${video.fromBrand}</td></tr>`).join('');
    parts.push(`<h3>Video comments</h3><table id="video-threads"><thead><tr><th>Network</th><th>Video</th><th>Threads</th><th>Comments</th><th>Replies</th><th>People</th><th>From the brand</th></tr></thead><tbody>${rows}</tbody></table>`);
  }
  if (reviews.length) {
    const { average, counts } = reviewSummary(reviews);
    const rows = reviews.map((review) => `<tr><td class="stars" data-rating="${review.rating}">${stars(review.rating)}</td><td>${escape(review.channel)}</td><td>${escape(review.author)}</td><td>${escape(time(review.createdAt))}</td><td>${escape(review.text)}</td><td>${review.answered ? 'yes' : 'no'}</td></tr>`).join('');
    parts.push(`<h3>Reviews: average ${average!.toFixed(1)} of 5 (${counts.map((count, index) => `${5 - index}★ ${count}`).join(', ')})</h3><table id="reviews-table"><thead><tr><th>Stars</th><th>Network</th><th>Reviewer</th><th>When (UTC)</th><th>Review</th><th>Answered</th></tr></thead><tbody>${rows}</tbody></table>`);
  }
  return `<section id="communities"><h2>Group chats, video comments and reviews</h2>${parts.join('\n')}</section>`;
}

const duration = (ms: number | null) => (ms === null ? '–' : ms < 3_600_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 3_600_000).toFixed(1)} h`);

function serviceSection(report: DemoReport): string {
  const service = report.insights?.service;
  if (!service) return '';
  const queue = service.queue
    .map((item) => `<tr class="${escape(item.status)}"><td>${escape(item.priority)}</td><td>${escape(item.status)}</td><td>${escape(item.channel)}</td><td>${escape(time(item.waitingSince))}</td><td>${escape(time(item.dueAt))}</td><td class="num">${item.interactionIds.length}</td><td class="num">${item.urgency.toFixed(2)}</td></tr>`)
    .join('');
  const figures = service.figures
    .map((row) => `<tr><td>${escape(row.key)}</td><td class="num">${row.responses}</td><td class="num">${duration(row.firstResponse.medianMs)}</td><td class="num">${duration(row.firstResponse.p90Ms)}</td><td class="num">${row.open}</td><td class="num">${row.openBreached}</td></tr>`)
    .join('');
  const routed = Object.entries(service.routed)
    .sort((a, b) => b[1] - a[1])
    .map(([queueName, count]) => `<tr><td>${escape(queueName)}</td><td class="num">${count}</td></tr>`)
    .join('');
  const segments = service.segments.map((segment) => `<tr><td>${escape(segment.name)}</td><td class="num">${segment.members}</td></tr>`).join('');
  const percent = (value: number | null) => (value === null ? '–' : `${Math.round(value)}%`);
  const surveys = service.surveys
    .map((row) => `<tr><td>${escape(row.key)}</td><td class="num">${row.sent}</td><td class="num">${row.notSent}</td><td class="num">${row.answered}</td><td class="num">${percent(row.responseRate === null ? null : row.responseRate * 100)}</td><td class="num">${percent(row.csat)}</td></tr>`)
    .join('');
  return `<section id="sla"><h2>Conversations waiting for the brand (SLA queue, ${service.waiting} waiting; ${service.breaches} breaches announced)</h2>
<table id="sla-queue"><thead><tr><th>Priority</th><th>Status</th><th>Channel</th><th>Waiting since (UTC)</th><th>Due (UTC)</th><th>Messages</th><th>Urgency</th></tr></thead><tbody>${queue}</tbody></table>
<table id="sla-figures"><thead><tr><th>Channel</th><th>Answered</th><th>First response, median</th><th>p90</th><th>Open</th><th>Overdue</th></tr></thead><tbody>${figures}</tbody></table></section>
<section id="routing"><h2>Routing and segments</h2><table id="routing-table"><thead><tr><th>Queue</th><th>Messages routed</th></tr></thead><tbody>${routed}</tbody></table>
<table id="segments-table"><thead><tr><th>Segment</th><th>Customers</th></tr></thead><tbody>${segments}</tbody></table></section>${
    surveys
      ? `
<section id="surveys"><h2>Satisfaction after resolved conversations (CSAT, 4–5 = satisfied)</h2>
<table id="surveys-table"><thead><tr><th>Channel</th><th>Sent</th><th>Not sent</th><th>Answered</th><th>Response rate</th><th>CSAT</th></tr></thead><tbody>${surveys}</tbody></table></section>`
      : ''
  }`;
}

/**
 * What an agent sees before answering one customer: how to reach them on each identity, the
 * counts, the sentiment trend, open issues and the whole timeline, plus why the identities are
 * one customer (`identity.explain()` text, when given).
 */
export function customer360Section(view: Customer360, explanation?: string): HtmlSection {
  const name = view.customer.displayName ?? view.customer.id;
  const routes = view.identities
    .map((record) => `<tr><td>${escape(record.route.channel)}</td><td>${escape(record.route.handle ?? record.identity.phone ?? record.key)}</td><td>${escape(record.route.visibility ?? '–')}</td><td>${record.route.lastInteractionAt ? escape(time(record.route.lastInteractionAt)) : '–'}</td><td>${record.route.optedOut ? 'opted out' : 'yes'}</td></tr>`)
    .join('');
  const counts = Object.entries(view.counts)
    .map(([channel, value]) => `<tr><td>${escape(channel)}</td><td class="num">${value.inbound}</td><td class="num">${value.outbound}</td><td class="num">${value.peer}</td></tr>`)
    .join('');
  const trend = view.sentimentTrend.map((bucket) => `<li>${escape(bucket.start.slice(5, 10))}: ${bucket.averageScore.toFixed(2)} (${bucket.messages} messages)</li>`).join('');
  const issues = view.openIssues.length
    ? view.openIssues.map((issue) => `<li>${escape(time(issue.createdAt))} ${escape(issue.channel)}: <q>${escape(issue.text)}</q> <span class="reach">${escape(issue.intents.join(', '))}</span></li>`).join('')
    : '<li>none</li>';
  const timeline = view.timeline
    .map((entry) => `<tr class="${escape(entry.relation)}"><td>${escape(time(entry.interaction.createdAt))}</td><td>${escape(entry.interaction.channel)}</td><td>${escape(entry.relation)}</td><td>${escape(entry.interaction.text)}</td></tr>`)
    .join('');
  const scores = `advocate score ${view.advocateScore?.toFixed(1) ?? '–'}, detractor score ${view.detractorScore?.toFixed(1) ?? '–'}; segments: ${view.segments?.join(', ') || 'none'}`;
  return {
    id: 'customer-360',
    title: `Customer 360: ${name}`,
    html: `<p>First contact ${view.firstContactAt ? escape(time(view.firstContactAt)) : '–'}, last ${view.lastContactAt ? escape(time(view.lastContactAt)) : '–'}; ${escape(scores)}</p>
<table id="routes-table"><thead><tr><th>Network</th><th>Reply to</th><th>Visibility</th><th>Last message</th><th>Reachable</th></tr></thead><tbody>${routes}</tbody></table>
<table id="counts-table"><thead><tr><th>Network</th><th>From the customer</th><th>To the customer</th><th>With other customers</th></tr></thead><tbody>${counts}</tbody></table>
<h3>Sentiment by day</h3><ul>${trend}</ul>
<h3>Open issues</h3><ul id="open-issues">${issues}</ul>
<h3>Timeline</h3><table id="timeline-table"><thead><tr><th>When</th><th>Network</th><th>Relation</th><th>Text</th></tr></thead><tbody>${timeline}</tbody></table>${
      explanation ? `\n<h3>Why these identities are one customer</h3><pre>${escape(explanation)}</pre>` : ''
    }`,
  };
}

/** The apology post and the campaigns' results. */
export function campaignsSection(report: DemoCampaignReport): HtmlSection {
  const post = report.post
    ? `<p id="published-post">Published on ${escape(report.post.channel)} at ${escape(time(report.post.createdAt))} UTC (<code>${escape(report.post.id)}</code>):</p><blockquote>${escape(report.post.text)}</blockquote>`
    : '<p>No post published.</p>';
  const rows = report.campaigns
    .map(({ id, language, audience, excluded, results: { total } }) => {
      const reasons = Object.entries(excluded).map(([reason, count]) => `${escape(reason)} ${count}`).join(', ') || 'none';
      return `<tr data-campaign="${escape(id)}"><td>${escape(id)}</td><td>${escape(language)}</td><td class="num">${audience}</td><td class="num">${total.reached}</td><td>${reasons}</td><td class="num">${total.delivered}</td><td class="num">${total.read}</td><td class="num">${total.replies}</td><td class="num">${total.repliedCustomers}</td><td class="num">${total.optOuts}</td><td>${total.sentiment.positive} positive, ${total.sentiment.neutral} neutral, ${total.sentiment.negative} negative</td></tr>`;
    })
    .join('');
  return {
    id: 'campaigns',
    title: 'Campaigns',
    html: `${post}
<table id="campaigns-table"><thead><tr><th>Campaign</th><th>Language</th><th>Audience</th><th>Sent</th><th>Excluded (reason)</th><th>Delivered</th><th>Read</th><th>Replies</th><th>Customers who replied</th><th>Opt-outs</th><th>Reply sentiment</th></tr></thead><tbody>${rows}</tbody></table>
<p>Messaged without marketing consent: <b>${report.messagedWithoutConsent.length}</b></p>`,
  };
}

/** Extra sections (e.g. response SLAs, routing) as already-escaped HTML. */
export interface HtmlSection {
  id: string;
  title: string;
  html: string;
}

/** Renders the report as a standalone HTML document. */
export function renderHtmlReport(report: DemoReport, options: { title?: string; sections?: HtmlSection[] } = {}): string {
  const title = options.title ?? 'social-crm report';
  const insights = report.insights;
  const channels = Object.entries(report.byChannel)
    .sort((a, b) => b[1] - a[1])
    .map(([channel, value]) => `<li>${escape(channel)}: ${value}</li>`)
    .join('');
  const legend = (['negative', 'neutral', 'positive'] as const).map((label) => `<span class="key" style="background:${COLORS[label]}"></span>${label}`).join(' ') + ` <span class="key" style="background:${COLORS.alert};opacity:.5"></span>crisis alert <span class="key" style="background:${COLORS.virality};opacity:.5"></span>viral post`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1000px;padding:16px 24px;color:#1d2330}
h1{font-size:22px;margin:8px 0}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e3e6eb;padding-bottom:4px}h3{font-size:14px;margin:0 0 4px;text-transform:uppercase;letter-spacing:.03em}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{background:#f4f6f9;border-radius:8px;padding:8px 14px}.card b{display:block;font-size:20px}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border-bottom:1px solid #eceef2;padding:4px 6px;text-align:left;vertical-align:top}th{font-weight:600;background:#fafbfc}.num{text-align:right;font-variant-numeric:tabular-nums}
.alert{border-left:4px solid ${COLORS.alert};background:#fffaf0;padding:8px 12px;margin:10px 0;border-radius:4px}.alert.critical{border-color:${COLORS.negative}}.alert[data-kind=virality]{background:#f7f2fd}
tr.breached td:nth-child(2){color:${COLORS.negative};font-weight:600}tr.warning td:nth-child(2){color:#b7791f}
.stars{color:#d99a00;white-space:nowrap}.alert .title{font-weight:600}.posts{margin:4px 0 4px 18px;padding:0}.reach{color:#666;font-size:12px}.key{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;border-radius:2px}
blockquote{margin:6px 0;padding-left:10px;border-left:3px solid #ccc}
pre{white-space:pre-wrap;background:#f4f6f9;padding:8px 12px;border-radius:6px;font-size:12px}tr.to-customer td{color:#3b5b92}
</style></head>
<body>
<h1>${escape(title)}</h1>
<div class="cards" id="summary"><div class="card"><b>${report.interactions}</b>interactions</div><div class="card"><b>${report.customers}</b>customers</div><div class="card"><b>${insights?.alerts.length ?? 0}</b>alerts</div><div class="card"><b>${report.waitingComplaints.length}</b>complaints waiting</div><div class="card"><b>${report.deadLetters}</b>dead letters</div></div>
<ul>${channels}</ul>
${communitiesSection(report)}
<section id="volume"><h2>Mentions per hour by sentiment</h2><p>${legend}</p>${insights ? volumeChart(insights.volume, insights.alerts) : ''}<h2>Share of negative mentions (6-hour rolling)</h2>${insights ? sentimentChart(insights.volume) : ''}</section>
<section id="alerts"><h2>Alerts</h2>${alertCards(insights?.alerts ?? [])}</section>
<section id="waiting"><h2>Complaints waiting for an answer, most urgent first</h2>${queueTable(report)}</section>
${serviceSection(report)}
<section id="advocates"><h2>Brand advocates</h2>${rankedTable('advocates-table', report.advocates, 'advocate')}<h2>Detractors</h2>${rankedTable('detractors-table', report.detractors, 'detractor')}</section>
<section id="mentions"><h2>Mentions by topic</h2>${topicTable(report)}</section>
${(options.sections ?? []).map((section) => `<section id="${escape(section.id)}"><h2>${escape(section.title)}</h2>${section.html}</section>`).join('\n')}
<footer><p>Generated by social-crm from ${report.interactions} interactions. Self-contained: no scripts, no external assets.</p></footer>
</body></html>
`;
}

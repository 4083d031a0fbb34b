import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../examples/demo/index.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[html-report.test] skipped: ${CHROMIUM} is absent (install it with \`apt-get install -y chromium\`; .ci/run does).`);

describe.skipIf(!hasChromium)(`demo --html renders in headless Chromium${hasChromium ? '' : ` (skipped: ${CHROMIUM} is absent)`}`, () => {
  let folder: string;
  let html: string;
  let dom: string;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'social-crm-html-'));
    const file = join(folder, 'report.html');
    await runDemo({ quiet: true, html: file });
    html = readFileSync(file, 'utf8');
    dom = execFileSync(
      CHROMIUM,
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${join(folder, 'profile')}`, '--dump-dom', `file://${file}`],
      { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] },
    );
  }, 120_000);

  afterAll(() => {
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('is self-contained: no scripts and nothing loaded from elsewhere', () => {
    expect(html).not.toMatch(/<script|<link\b|<img\b|@import|url\(/i);
    expect(html).not.toMatch(/(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
  });

  it('shows the volume and sentiment charts with the alert windows', () => {
    expect(dom).toContain('<svg id="volume-chart"');
    expect(dom.match(/class="bar negative"/g)?.length ?? 0).toBeGreaterThan(50);
    expect(dom.match(/class="bar positive"/g)?.length ?? 0).toBeGreaterThan(20);
    expect(dom).toMatch(/class="alert-window" data-kind="crisis"/);
    expect(dom).toMatch(/<svg id="sentiment-chart"[\s\S]*<polyline points="[\d., ]+"/);
  });

  it('shows the guitar crisis and the viral complaint with their evidence', () => {
    const alerts = dom.slice(dom.indexOf('<section id="alerts">'), dom.indexOf('<section id="waiting">'));
    expect(alerts).toMatch(/<article class="alert \w+" data-kind="crisis">/);
    expect(alerts).toMatch(/<article class="alert critical" data-kind="virality">/);
    expect(alerts).toContain('Mert Kaya');
    expect(alerts).toMatch(/Gitarım kırıldı|guitar/);
    expect(alerts).toMatch(/z = <b>\d/);
  });

  it('ends with Ayşe\'s customer 360: both reply routes, the timeline and why she is one customer', () => {
    const panel = dom.slice(dom.indexOf('<section id="customer-360">'));
    expect(panel).toContain('<table id="routes-table">');
    expect(panel).toMatch(/ayse\.yilmaz[\s\S]*\+905321112233/);
    expect(panel).toContain('<table id="timeline-table">');
    expect(panel).toContain('Why these identities are one customer');
  });

  it('lists the unanswered queue and ranks Can Demir first among the advocates', () => {
    const queue = dom.slice(dom.indexOf('<table id="queue">'), dom.indexOf('</table>', dom.indexOf('<table id="queue">')));
    expect(queue.match(/<tr>/g)?.length ?? 0).toBeGreaterThan(10);
    const advocates = dom.slice(dom.indexOf('<table id="advocates-table">'));
    const firstRow = advocates.slice(advocates.indexOf('<tbody>'), advocates.indexOf('</tr>', advocates.indexOf('<tbody>')));
    expect(firstRow).toMatch(/can\.demir|Can Demir/);
    expect(firstRow).toContain('class="score-bar"');
    expect(dom).toContain('<table id="topics">');
    // The customer-service side: the SLA queue (the most urgent waiting are overdue), routing, segments, surveys.
    const sla = dom.slice(dom.indexOf('<table id="sla-queue">'), dom.indexOf('</table>', dom.indexOf('<table id="sla-queue">')));
    expect(sla.match(/<tr class="breached">/g)?.length ?? 0).toBeGreaterThan(5);
    expect(dom).toMatch(/<table id="routing-table">[\s\S]*?<td>triage<\/td>/);
    expect(dom).toContain('Purchase intent, no reply yet');
    expect(dom).toMatch(/<table id="surveys-table">[\s\S]*?<td>all<\/td><td class="num">\d+<\/td>/);
    expect(dom).toContain('Broken guitar');
  });
});

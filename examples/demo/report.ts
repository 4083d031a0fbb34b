import type { Customer, IdentityRecord, Interaction, InteractionLedger } from 'social-crm';

/** Everything the demo prints, computed from the ledger alone. */
export interface DemoReport {
  interactions: number;
  byChannel: Record<string, number>;
  byDirection: Record<string, number>;
  byLanguage: Record<string, number>;
  customers: number;
  multiNetworkCustomers: Array<{ customer: Customer; identities: IdentityRecord[] }>;
  waitingComplaints: Interaction[];
  departments: Record<string, number>;
  advocates: Array<{ customerId: string; name: string; positive: number; peerHelp: number; reach: number }>;
  spam: number;
  deadLetters: number;
}

async function allInteractions(ledger: InteractionLedger): Promise<Interaction[]> {
  const rows: Interaction[] = [];
  let cursor: string | undefined;
  do {
    const page = await ledger.queryInteractions({ limit: 1000, ...(cursor ? { cursor } : {}) });
    rows.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return rows;
}

const count = (target: Record<string, number>, key: string) => {
  target[key] = (target[key] ?? 0) + 1;
};

export async function buildDemoReport(ledger: InteractionLedger): Promise<DemoReport> {
  const rows = await allInteractions(ledger);
  const answered = new Set(rows.filter((row) => row.direction === 'outbound').map((row) => row.conversationId));
  const report: DemoReport = {
    interactions: rows.length,
    byChannel: {},
    byDirection: {},
    byLanguage: {},
    customers: 0,
    multiNetworkCustomers: [],
    waitingComplaints: [],
    departments: {},
    advocates: [],
    spam: 0,
    deadLetters: (await ledger.listDeadLetters({ limit: 1000 })).items.length,
  };
  const advocates = new Map<string, DemoReport['advocates'][number]>();
  for (const row of rows) {
    count(report.byChannel, row.channel);
    count(report.byDirection, row.direction);
    const classification = row.classification;
    if (!classification) continue;
    count(report.byLanguage, classification.language);
    const intents = new Set(classification.intents.filter((intent) => intent.confidence >= 0.5).map((intent) => intent.intent));
    if (intents.has('spam')) {
      report.spam++;
      continue;
    }
    count(report.departments, classification.department.department);
    if (intents.has('complaint') && row.direction !== 'outbound' && !answered.has(row.conversationId)) report.waitingComplaints.push(row);
    if (row.customerId && classification.sentiment.label === 'positive') {
      const entry = advocates.get(row.customerId) ?? { customerId: row.customerId, name: row.author.displayName ?? row.author.handle ?? row.author.nativeId, positive: 0, peerHelp: 0, reach: 0 };
      entry.positive++;
      if (row.direction === 'peer') entry.peerHelp++;
      entry.reach = Math.max(entry.reach, row.author.followerCount ?? 0);
      advocates.set(row.customerId, entry);
    }
  }
  report.waitingComplaints.sort((a, b) => (b.classification?.urgency ?? 0) - (a.classification?.urgency ?? 0));
  report.advocates = [...advocates.values()]
    .filter((entry) => entry.positive >= 2)
    .sort((a, b) => b.positive + 2 * b.peerHelp - (a.positive + 2 * a.peerHelp) || b.reach - a.reach);

  let cursor: string | undefined;
  do {
    const page = await ledger.listCustomers({ limit: 1000, ...(cursor ? { cursor } : {}) });
    report.customers += page.items.length;
    for (const customer of page.items) {
      const identities = await ledger.listIdentities(customer.id);
      if (new Set(identities.map((record) => record.identity.channel)).size > 1) report.multiNetworkCustomers.push({ customer, identities });
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return report;
}

const bar = (value: number, total: number, width = 24) => '█'.repeat(Math.round((value / Math.max(1, total)) * width)).padEnd(width, '·');

/** The report as text for a terminal. */
export function formatDemoReport(report: DemoReport, extra: string[] = []): string {
  const lines: string[] = [];
  const section = (title: string) => lines.push('', title, '─'.repeat(title.length));
  lines.push(`social-crm demo: ${report.interactions} interactions stored, ${report.customers} customers, ${report.deadLetters} dead letters`);
  section('Channels');
  for (const [channel, value] of Object.entries(report.byChannel).sort((a, b) => b[1] - a[1])) lines.push(`  ${channel.padEnd(12)} ${bar(value, report.interactions)} ${value}`);
  section('Directions (brand→customer, customer→brand, customer↔customer)');
  for (const [direction, value] of Object.entries(report.byDirection)) lines.push(`  ${direction.padEnd(12)} ${value}`);
  if (Object.keys(report.byLanguage).length) {
    section('Languages');
    for (const [language, value] of Object.entries(report.byLanguage).sort((a, b) => b[1] - a[1])) lines.push(`  ${language.padEnd(12)} ${value}`);
  }
  section('Customers on more than one network (merged identities)');
  if (!report.multiNetworkCustomers.length) lines.push('  none');
  const multi = [...report.multiNetworkCustomers].sort((a, b) => b.identities.length - a.identities.length);
  if (multi.length > 8) lines.push(`  ${multi.length} customers write on several networks; the first 8:`);
  for (const { customer, identities } of multi.slice(0, 8)) {
    lines.push(`  ${customer.displayName ?? customer.id}: ${identities.map((record) => `${record.identity.channel}:${record.identity.handle ?? record.identity.phone ?? record.identity.nativeId}`).join(' + ')}`);
  }
  section('Complaints waiting for an answer, most urgent first');
  if (!report.waitingComplaints.length) lines.push('  none (or no classifier)');
  for (const row of report.waitingComplaints.slice(0, 12)) {
    const urgency = (row.classification?.urgency ?? 0).toFixed(2);
    lines.push(`  [${urgency}] ${row.channel.padEnd(9)} ${(row.author.handle ?? row.author.displayName ?? '').padEnd(18)} ${row.text.replace(/\s+/g, ' ').slice(0, 80)}`);
  }
  if (report.waitingComplaints.length > 12) lines.push(`  … and ${report.waitingComplaints.length - 12} more`);
  section('Department split');
  const routed = Object.values(report.departments).reduce((sum, value) => sum + value, 0);
  for (const [department, value] of Object.entries(report.departments).sort((a, b) => b[1] - a[1])) lines.push(`  ${department.padEnd(24)} ${bar(value, routed)} ${value}`);
  lines.push(`  spam filtered: ${report.spam}`);
  section('Brand advocates');
  if (!report.advocates.length) lines.push('  none');
  for (const advocate of report.advocates.slice(0, 5)) lines.push(`  ${advocate.name.padEnd(18)} positive ${advocate.positive}, helped others ${advocate.peerHelp}, reach ${advocate.reach}`);
  lines.push(...extra);
  return lines.join('\n');
}

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTarball } from './install.js';

/**
 * A host that installed social-crm without its optional peers: a project outside the repository
 * whose node_modules holds the package and its dependencies, but not pg, PGlite or NATS.
 */
const OPTIONAL_PEERS = ['pg', '@electric-sql', '@nats-io'];
let directory: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'social-crm-no-peers-'));
  writeFileSync(join(directory, 'package.json'), JSON.stringify({ name: 'no-peers', private: true, type: 'module' }));
  installTarball(directory);
  const repositoryModules = resolve('node_modules');
  for (const name of readdirSync(repositoryModules)) {
    if (name === 'social-crm' || name.startsWith('.') || OPTIONAL_PEERS.includes(name)) continue;
    symlinkSync(join(repositoryModules, name), join(directory, 'node_modules', name));
  }
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function run(type: 'module' | 'commonjs', source: string): Record<string, unknown> {
  const output = execFileSync(process.execPath, [type === 'module' ? '--input-type=module' : '--input-type=commonjs', '-e', source], { cwd: directory, encoding: 'utf8' });
  return JSON.parse(output.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

const report = `(error) => ({ code: error?.code, name: error?.name, dependencies: error?.dependencies, message: String(error?.message) })`;

describe('optional peers that are not installed', () => {
  it('the dist imports each peer by a literal specifier, so bundlers and file tracers see it', () => {
    const dist = readdirSync('dist', { recursive: true, encoding: 'utf8' }).filter((file) => /\.c?js$/.test(file)).map((file) => readFileSync(join('dist', file), 'utf8')).join('\n');
    for (const name of ['pg', '@electric-sql/pglite', '@nats-io/transport-node', '@nats-io/jetstream']) expect(dist).toMatch(new RegExp(`import\\(["']${name}["']\\)`));
    expect(dist).not.toMatch(/import\(name\)/);
  });

  it.each(['module', 'commonjs'] as const)('postgresLedger({ connectionString }) fails with MISSING_DEPENDENCY naming pg, through the crm too (%s)', (type) => {
    const load = (path: string) => (type === 'module' ? `await import('${path}')` : `require('${path}')`);
    const result = run(
      type,
      `(async () => {
        const { createSocialCrm } = ${load('social-crm')};
        const { postgresLedger } = ${load('social-crm/ledgers/postgres')};
        const ledger = postgresLedger({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });
        const direct = await ledger.getCustomer('cus_1').then(() => null, ${report});
        const crm = createSocialCrm({ ledger });
        const viaCrm = await crm.ingest({ channel: 'canonical', nativeId: 'm1', kind: 'comment', author: { channel: 'canonical', nativeId: 'ayse' }, text: 'hello', createdAt: '2026-03-02T11:00:00Z' }).then(() => null, ${report});
        console.log(JSON.stringify({ direct, viaCrm }));
      })()`,
    );
    for (const failure of [result.direct, result.viaCrm] as Array<Record<string, unknown>>) {
      expect(failure).toMatchObject({ code: 'MISSING_DEPENDENCY', name: 'MissingDependencyError', dependencies: ['pg'] });
      expect(failure.message).toMatch(/^\[social-crm\] The PostgreSQL ledger \(`connectionString`\) needs the optional peer dependency `pg`, which could not be loaded: .*Install it: npm install pg$/s);
      expect(failure.message).not.toMatch(/Ledger method/);
    }
  });

  it('postgresLedger({ pglite: directory }) and natsQueue() name their own peers', () => {
    const result = run(
      'module',
      `const { postgresLedger } = await import('social-crm/ledgers/postgres');
       const { natsQueue } = await import('social-crm/queue');
       const pglite = await postgresLedger({ pglite: 'memory://' }).getCustomer('cus_1').then(() => null, ${report});
       const queue = natsQueue({ servers: 'nats://127.0.0.1:1' });
       const nats = await queue.enqueue([{ id: 'w1', key: 'k', payload: {} }]).then(() => null, ${report});
       console.log(JSON.stringify({ pglite, nats }));`,
    );
    expect(result.pglite).toMatchObject({ code: 'MISSING_DEPENDENCY', dependencies: ['@electric-sql/pglite'] });
    expect(result.nats).toMatchObject({ code: 'MISSING_DEPENDENCY', dependencies: ['@nats-io/transport-node', '@nats-io/jetstream'] });
    expect((result.nats as { message: string }).message).toMatch(/Install it: npm install @nats-io\/transport-node @nats-io\/jetstream$/);
  });
});

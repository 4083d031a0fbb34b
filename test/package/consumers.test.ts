import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerWorkspace, installTarball } from './install.js';

/**
 * Real consumer projects around the packed tarball: each has its own package.json and tsconfig,
 * typechecks the published declarations with `skipLibCheck: false`, then runs a tiny program.
 */
const tsc = resolve('node_modules/typescript/bin/tsc');
const adapterNames = readdirSync('adapters').filter((name) => !name.startsWith('_') && existsSync(`adapters/${name}/index.ts`));
/** Every entry of the package but the ESM-only kits, from the `exports` map. */
const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, unknown> };
const subpaths = Object.keys(manifest.exports)
  .filter((key) => key !== './package.json' && key !== './testing')
  .flatMap((key) => (key === './adapters/*' ? adapterNames.map((name) => `./adapters/${name}`) : [key]))
  .map((key) => (key === '.' ? 'social-crm' : `social-crm/${key.slice(2)}`));
let workspace: string;

/**
 * Every entry imported as a namespace, so that every declaration file is checked.
 * `social-crm/testing` is left out: its API hands out msw handlers and servers, and msw 2's own
 * declarations do not pass `skipLibCheck: false` (`@mswjs/interceptors` WebSocket types).
 */
function importEvery(subpaths: string[]): string {
  const lines = subpaths.map((subpath, index) => `import * as entry${index} from '${subpath}';`);
  return [...lines, `export const entries = [${subpaths.map((_, index) => `entry${index}`).join(', ')}];`].join('\n') + '\n';
}

const program = `
import { createSocialCrm, memoryLedger, isSocialCrmError } from 'social-crm';
import { canonicalWebhookAdapter } from 'social-crm/adapters/canonical';
import { entries } from './entries.js';

async function main(): Promise<void> {
  const crm = createSocialCrm({ ledger: memoryLedger(), adapters: [canonicalWebhookAdapter({ secret: 'a-secret-of-thirty-two-characters!!' })] });
  const result = await crm.ingest({ channel: 'canonical', nativeId: 'm1', kind: 'comment', author: { channel: 'canonical', nativeId: 'ayse' }, text: 'Where is my refund?', createdAt: '2026-03-02T11:00:00Z' });
  await crm.close();
  console.log(JSON.stringify({ stored: result.stored, entries: entries.length, guard: typeof isSocialCrmError }));
}
void main();
`;

function project(name: string, manifest: object, compilerOptions: object, files: Record<string, string>): string {
  const directory = join(workspace, name);
  mkdirSync(join(directory, 'src'), { recursive: true });
  writeFileSync(join(directory, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, ...manifest }));
  writeFileSync(
    join(directory, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, skipLibCheck: false, target: 'ES2022', lib: ['ES2023'], types: ['node'], outDir: 'out', rootDir: 'src', ...compilerOptions }, include: ['src'] }),
  );
  for (const [file, text] of Object.entries(files)) writeFileSync(join(directory, 'src', file), text);
  installTarball(directory);
  return directory;
}

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8' });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    throw new Error(`${[command, ...args].join(' ')} failed in ${cwd}:\n${failed.stdout ?? ''}${failed.stderr ?? ''}`);
  }
}

let remove: () => void;
beforeAll(() => {
  ({ directory: workspace, remove } = consumerWorkspace());
});
afterAll(() => remove());

describe('consumers of the packed package', () => {
  it('a CommonJS project (no DOM lib) with module node16 typechecks with skipLibCheck false and runs', () => {
    const directory = project('cjs-node16', { type: 'commonjs' }, { module: 'node16', moduleResolution: 'node16' }, { 'entries.ts': importEvery(subpaths), 'index.ts': program });
    run(process.execPath, [tsc, '-p', '.'], directory);
    const output = JSON.parse(run(process.execPath, ['out/index.js'], directory)) as Record<string, unknown>;
    expect(output).toEqual({ stored: 1, entries: subpaths.length, guard: 'function' });
  });

  it('an ESM project (no DOM lib) with module nodenext typechecks with skipLibCheck false and runs', () => {
    const directory = project('esm-nodenext', { type: 'module' }, { module: 'nodenext', moduleResolution: 'nodenext' }, { 'entries.ts': importEvery(subpaths), 'index.ts': program });
    run(process.execPath, [tsc, '-p', '.'], directory);
    const output = JSON.parse(run(process.execPath, ['out/index.js'], directory)) as Record<string, unknown>;
    expect(output).toEqual({ stored: 1, entries: subpaths.length, guard: 'function' });
  });

  it('a bundler project typechecks with skipLibCheck false, bundles and runs', async () => {
    const directory = project('bundler', { type: 'module' }, { module: 'esnext', moduleResolution: 'bundler', noEmit: true, lib: ['ES2023', 'DOM', 'DOM.Iterable'] }, { 'entries.ts': importEvery(subpaths), 'index.ts': program });
    run(process.execPath, [tsc, '-p', '.'], directory);
    const { build } = await import('esbuild');
    await build({ entryPoints: [join(directory, 'src/index.ts')], bundle: true, platform: 'node', format: 'esm', outfile: join(directory, 'out/bundle.mjs'), external: ['pg', '@electric-sql/pglite', '@nats-io/*'], logLevel: 'silent' });
    const output = JSON.parse(run(process.execPath, ['out/bundle.mjs'], directory)) as Record<string, unknown>;
    expect(output).toEqual({ stored: 1, entries: subpaths.length, guard: 'function' });
  });
});

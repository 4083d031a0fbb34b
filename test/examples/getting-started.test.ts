import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const PROGRAM = 'examples/getting-started/index.ts';

/** The page's TypeScript blocks, in order, joined as one file. */
async function pageProgram(): Promise<string> {
  const page = await readFile(`${root}docs/getting-started.md`, 'utf8');
  return [...page.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]).join('');
}

/** Runs the program as `npm run example:getting-started` does, until it prints `until`; then SIGTERM. */
function runUntil(until: string): Promise<{ stdout: string; stderr: string; code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(`${root}node_modules/.bin/tsx`, [PROGRAM], { cwd: root, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes(until)) child.kill('SIGTERM');
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ stdout, stderr, code, signal }));
  });
}

describe('docs/getting-started.md', () => {
  it(`is one program: its TypeScript blocks, in order, are ${PROGRAM} verbatim`, async () => {
    const blocks = await pageProgram();
    expect(blocks.split('\n').length).toBeGreaterThan(60);
    expect(blocks).toBe(await readFile(`${root}${PROGRAM}`, 'utf8'));
  });

  it('runs as written: a server receives a signed delivery, the durable handler triages it, SIGTERM stops it cleanly', async () => {
    const { stdout, stderr, code, signal } = await runUntil('Ready. Ctrl-C stops.');
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^Webhooks: http:\/\/localhost:\d+\/webhooks\/<adapter id>$/m);
    expect(stdout).toContain('web form delivery: HTTP 200');
    expect(stdout).toContain('[triage] web-form: positive, ');
    expect(stdout).toContain('[triage] store-reviews: positive, ');
    expect(stdout).toContain('polled 0 adapters');
    expect(stdout).toContain('stored web-form:form-1001: direct_message, tr, positive');
    expect(stdout).toContain('stored store-reviews:r-991: review, tr, positive');
    // The signal handler closed the server and the crm, so the process ended on its own.
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  }, 60_000);
});

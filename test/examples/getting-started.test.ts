import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { repositoryRoot as root, runExampleScript } from '../helpers/run-example.js';

const PROGRAM = 'examples/getting-started/index.ts';

/** The page's TypeScript blocks, in order, joined as one file. */
async function pageProgram(): Promise<string> {
  const page = await readFile(`${root}docs/getting-started.md`, 'utf8');
  return [...page.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]).join('');
}

describe('docs/getting-started.md', () => {
  it(`is one program: its TypeScript blocks, in order, are ${PROGRAM} verbatim`, async () => {
    const blocks = await pageProgram();
    expect(blocks.split('\n').length).toBeGreaterThan(60);
    expect(blocks).toBe(await readFile(`${root}${PROGRAM}`, 'utf8'));
  });

  it('runs as written: a server receives a signed delivery, the durable handler triages it, SIGTERM stops it cleanly', async () => {
    const { stdout, stderr, code, signal } = await runExampleScript('example:getting-started', { env: { PORT: '0' }, ready: (output) => output.includes('Ready. Ctrl-C stops.') });
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
  }, 120_000);
});

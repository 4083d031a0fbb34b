import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CANONICAL_SECRET, canonicalRequest, post } from '../helpers/canonical.js';
import { repositoryRoot, runExampleScript } from '../helpers/run-example.js';

describe.each([
  ['example:hono', 'Hono'],
  ['example:express', 'Express'],
])('npm run %s', (script, framework) => {
  it('serves /webhooks/canonical on PORT: a signed delivery is accepted, a forged one refused; SIGTERM stops it cleanly', async () => {
    const statuses: number[] = [];
    const run = await runExampleScript(script, {
      env: { PORT: '0', WEBHOOK_SECRET: CANONICAL_SECRET },
      async ready(output) {
        const url = new RegExp(`^${framework} listening on (http://localhost:\\d+/webhooks/canonical)$`, 'm').exec(output)?.[1];
        if (!url) return false;
        for (const secret of [CANONICAL_SECRET, 'wrong-secret-0123456789abcdef']) {
          const request = await canonicalRequest([post('s1', 'Bagajım kayıp, yardım edin')], { secret });
          statuses.push((await fetch(url, { method: 'POST', headers: request.headers, body: await request.text() })).status);
        }
        return true;
      },
    });
    expect(statuses).toEqual([200, 401]);
    expect({ code: run.code, signal: run.signal, stderr: run.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  }, 120_000);
});

describe('npm run example:multi-tenant', () => {
  it('stores one delivery for two brands in each brand’s own ledger and exits', async () => {
    const run = await runExampleScript('example:multi-tenant');
    expect(run.stdout.split('\n')).toEqual(['one delivery for two brands: HTTP 200', 'acme sees 1: Kargom nerede?', 'globex sees 1: Faturam yanlış geldi.', '']);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  }, 120_000);
});

describe('example scripts', () => {
  it('every example with an entry point has an `npm run example:<name>` script, listed in the README', async () => {
    const scripts = (JSON.parse(await readFile(`${repositoryRoot}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts;
    const readme = await readFile(`${repositoryRoot}README.md`, 'utf8');
    for (const [name, folder] of [['getting-started', 'getting-started'], ['hono', 'hono'], ['express', 'express-webhook'], ['multi-tenant', 'multi-tenant'], ['scale-out', 'scale-out'], ['existing-crm', 'existing-crm']]) {
      expect(scripts[`example:${name}`], name).toBe(`tsx examples/${folder}/index.ts`);
      expect(readme, name).toContain(`example:${name}`);
    }
  });
});

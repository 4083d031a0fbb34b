import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, unknown> };
const adapterNames = readdirSync('adapters').filter((name) => !name.startsWith('_') && existsSync(`adapters/${name}/index.ts`));
const subpaths = Object.keys(manifest.exports)
  .filter((key) => key !== './package.json')
  .flatMap((key) => (key === './adapters/*' ? adapterNames.map((name) => `./adapters/${name}`) : [key]))
  .map((key) => (key === '.' ? 'social-crm' : `social-crm/${key.slice(2)}`));

/** Runs a script in a fresh Node process inside the package, so `social-crm` self-resolves to dist/. */
function node(type: 'module' | 'commonjs', source: string): string {
  const flag = type === 'module' ? '--input-type=module' : '--input-type=commonjs';
  return execFileSync(process.execPath, [flag, '-e', source], { encoding: 'utf8' }).trim();
}

describe('built package', () => {
  it('has a dist entry for every adapters/<name>/index.ts', () => {
    for (const name of adapterNames) {
      for (const file of ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts']) {
        expect(existsSync(`dist/adapters/${name}/${file}`), `dist/adapters/${name}/${file}`).toBe(true);
      }
    }
  });

  it.each(subpaths.filter((subpath) => subpath !== 'social-crm/testing'))('imports %s with import and require', (subpath) => {
    const esm = node('module', `const m = await import(${JSON.stringify(subpath)}); console.log(Object.keys(m).length)`);
    const cjs = node('commonjs', `const m = require(${JSON.stringify(subpath)}); console.log(Object.keys(m).length)`);
    expect(Number(esm)).toBeGreaterThan(0);
    expect(Number(cjs)).toBe(Number(esm));
  });

  it('ships the vitest kits as ESM only, like vitest itself', () => {
    expect(Number(node('module', `const m = await import('social-crm/testing'); console.log(Object.keys(m).length)`))).toBeGreaterThan(0);
    expect(() => node('commonjs', `require('social-crm/testing')`)).toThrow(/ERR_PACKAGE_PATH_NOT_EXPORTED|not defined by "exports"/);
  });

  it('shares one copy of the error classes across entries, in ESM and CJS', () => {
    const check = (load: (path: string) => string) => `
      const root = ${load('social-crm')};
      const kit = ${load('social-crm/adapter-kit')};
      const { z } = ${load('zod')};
      let thrown;
      try { kit.parseAdapterOptions('probe', z.object({ x: z.string() }), {}); } catch (error) { thrown = error; }
      console.log(thrown instanceof root.InvalidOptionsError && thrown instanceof root.SocialCrmError && root.isSocialCrmError(thrown, 'INVALID_OPTIONS'));`;
    expect(node('module', check((path) => `await import('${path}')`))).toBe('true');
    expect(node('commonjs', check((path) => `require('${path}')`))).toBe('true');
  });

  it('keeps language data off the root import', () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      expect(text, `${file} statically imports franc`).not.toMatch(/from\s*["']franc|require\(["']franc/);
      for (const match of text.matchAll(/(?:^|\n)import[^'"]*from\s*["'](\.\/[^'"]+)["']/g)) visit(`dist/${match[1]!.slice(2)}`);
    };
    visit('dist/index.js');
    expect(seen.size).toBeGreaterThan(0);
  });
});

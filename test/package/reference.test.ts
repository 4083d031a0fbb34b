import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The API reference (`npm run docs`) names each module by the path users import it from. */
const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, unknown> };
const typedoc = JSON.parse(readFileSync('typedoc.json', 'utf8')) as { entryPoints: string[]; treatWarningsAsErrors?: boolean };
const adapterNames = readdirSync('adapters').filter((name) => !name.startsWith('_') && existsSync(`adapters/${name}/index.ts`));
const entries = Object.keys(manifest.exports)
  .filter((subpath) => subpath !== './package.json')
  .flatMap((subpath) => (subpath === './adapters/*' ? adapterNames.map((name) => `./adapters/${name}`) : [subpath]))
  .map((subpath) => {
    const name = subpath === '.' ? 'index' : subpath.slice(2);
    const source = subpath.startsWith('./adapters/') ? `${name}/index.ts` : [`src/${name}.ts`, `src/${name}/index.ts`].find((candidate) => existsSync(candidate))!;
    return { importPath: subpath === '.' ? 'social-crm' : `social-crm/${subpath.slice(2)}`, source };
  });

describe('the API reference', () => {
  it('includes every entry of the package and fails on warnings', () => {
    expect(typedoc.treatWarningsAsErrors).toBe(true);
    for (const { source } of entries) {
      const listed = typedoc.entryPoints.some((pattern) => pattern === source || (pattern === 'adapters/*/index.ts' && /^adapters\/[^_/][^/]*\/index\.ts$/.test(source)));
      expect(listed, `${source} is not in typedoc.json entryPoints`).toBe(true);
    }
  });

  it.each(entries)('names $source by its import path', ({ importPath, source }) => {
    expect(readFileSync(source, 'utf8')).toMatch(new RegExp(`^ \\* @module ${importPath.replaceAll('/', '\\/')}$`, 'm'));
  });
});

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

/**
 * Build entries are derived from the package's `exports` map, so the two cannot disagree:
 * every subpath must have its source file, and `./adapters/*` builds every `adapters/<name>/index.ts`
 * (folders starting with `_` are shared code or templates, not entries).
 */
function entriesFromExports(): Record<string, string> {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, unknown> };
  const entries: Record<string, string> = {};
  for (const subpath of Object.keys(manifest.exports)) {
    if (subpath === './package.json') continue;
    if (subpath === './adapters/*') {
      for (const name of readdirSync('adapters')) {
        if (!name.startsWith('_') && existsSync(`adapters/${name}/index.ts`)) entries[`adapters/${name}/index`] = `adapters/${name}/index.ts`;
      }
      continue;
    }
    const name = subpath === '.' ? 'index' : subpath.slice(2);
    const source = [`src/${name}.ts`, `src/${name}/index.ts`].find((candidate) => existsSync(candidate));
    if (!source) throw new Error(`package.json exports "${subpath}" but neither src/${name}.ts nor src/${name}/index.ts exists.`);
    entries[source === `src/${name}.ts` ? name : `${name}/index`] = source;
  }
  return entries;
}

const entries = entriesFromExports();
/** The kits run inside vitest, which is ESM-only, so they ship as ESM only. */
const esmOnly = new Set(['testing/index']);
const pick = (keep: (name: string) => boolean) => Object.fromEntries(Object.entries(entries).filter(([name]) => keep(name)));

const shared: Options = {
  dts: true,
  // `npm run build` empties dist/ first: the two configs run at once, so neither may clean.
  clean: false,
  sourcemap: true,
  // src/ is not shipped: maps give file and line names for stack traces without a second copy of
  // every source file inside the tarball.
  esbuildOptions(options) {
    options.sourcesContent = false;
  },
  target: 'node20',
  platform: 'neutral',
  splitting: true,
  treeshake: true,
  // The package imports itself through its public entries (adapters, kits), so each entry shares
  // one copy of the core and its error classes, in ESM and CJS alike.
  external: [/^social-crm(\/.*)?$/, 'pg', /^@electric-sql\/pglite/, /^@nats-io\//, 'vitest', 'msw', /^msw\//, /^node:/],
  outExtension: ({ format }) => ({ js: format === 'cjs' ? '.cjs' : '.js' }),
};

export default defineConfig([
  { ...shared, entry: pick((name) => !esmOnly.has(name)), format: ['esm', 'cjs'] },
  { ...shared, entry: pick((name) => esmOnly.has(name)), format: ['esm'] },
]);

import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerWorkspace, installTarball } from './install.js';

/**
 * Edge bundles: the root and one adapter, bundled from the packed package for esbuild's
 * `neutral` platform (no Node built-ins resolve there), with code splitting as edge bundlers do
 * for dynamic imports. What a worker loads at start is the entry chunk and everything it imports
 * statically; the classifier (and the identity merger) are behind literal dynamic imports.
 */
const adapterNames = readdirSync('adapters').filter((name) => !name.startsWith('_') && existsSync(`adapters/${name}/index.ts`));
const LIMIT_GZIP_BYTES = 150_000;
let workspace: string;
let remove: () => void;

beforeAll(() => {
  ({ directory: workspace, remove } = consumerWorkspace());
  installTarball(workspace);
  writeFileSync(join(workspace, 'package.json'), JSON.stringify({ name: 'edge-consumer', private: true, type: 'module' }));
  // Its own (empty) tsconfig: esbuild would otherwise apply the repository's `paths` to social-crm.
  writeFileSync(join(workspace, 'tsconfig.json'), '{}');
});
afterAll(() => remove());

/** The output files reachable from `start` through static imports only. */
function staticClosure(metafile: Metafile, start: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imported of metafile.outputs[file]!.imports) if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
  };
  visit(start);
  return [...seen];
}

async function edgeBundle(adapter: string) {
  const entry = join(workspace, `${adapter}.js`);
  writeFileSync(entry, `export * from 'social-crm';\nexport * from 'social-crm/adapters/${adapter}';\n`);
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: workspace,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    minify: true,
    write: false,
    metafile: true,
    outdir: join(workspace, `out-${adapter}`),
    logLevel: 'silent',
  });
  const files = new Map(result.outputFiles.map((file) => [file.path.slice(workspace.length + 1), file.contents]));
  const start = Object.entries(result.metafile.outputs).find(([, output]) => output.entryPoint !== undefined)![0];
  const initial = staticClosure(result.metafile, start);
  const gzip = (paths: string[]) => paths.reduce((sum, path) => sum + gzipSync(files.get(path)!).length, 0);
  const holding = (input: RegExp) => Object.entries(result.metafile.outputs).filter(([, output]) => Object.keys(output.inputs).some((path) => input.test(path))).map(([path]) => path);
  const classifierChunks = holding(/social-crm\/dist\/classifier\/index\.js$/);
  // zod's messages in ~60 languages: kept out as long as zod is imported as a namespace
  // (`import * as z from 'zod'`); `import { z }` pulls every locale into the bundle.
  const zodLocaleBytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + Object.entries(output.inputs).filter(([path]) => /zod\/v4\/locales\/(?!en\.js)/.test(path)).reduce((total, [, input]) => total + input.bytesInOutput, 0), 0);
  const everything = [...files.keys()].filter((path) => path.endsWith('.js'));
  return { files, zodLocaleBytes, initial, initialGzip: gzip(initial), classifierChunks, classifierGzip: gzip(classifierChunks), withoutClassifierGzip: gzip(everything.filter((path) => !classifierChunks.includes(path))) };
}

describe('edge bundles of the root and one adapter', () => {
  it.each(adapterNames)('root + %s: builds for the neutral platform, no Buffer, under 150 kB gzip at start, the classifier only on demand', async (adapter) => {
    const bundle = await edgeBundle(adapter);
    for (const [path, contents] of bundle.files) {
      if (!path.endsWith('.js')) continue;
      const text = new TextDecoder().decode(contents);
      expect(/\bBuffer\.(from|alloc|concat|isBuffer|byteLength)\(/.exec(text)?.[0], `${path} uses Buffer`).toBeUndefined();
      expect(/from\s*["']node:[^"']+|require\(["']node:[^"']+/.exec(text)?.[0], `${path} imports a Node built-in`).toBeUndefined();
    }
    expect(bundle.zodLocaleBytes, "zod's locales are bundled").toBeLessThan(5_000);
    expect(bundle.classifierChunks.length).toBeGreaterThan(0);
    expect(bundle.initial.filter((path) => bundle.classifierChunks.includes(path))).toEqual([]);
    expect(bundle.initialGzip, `root + ${adapter} at start`).toBeLessThan(LIMIT_GZIP_BYTES);
    console.info(`root + ${adapter}: ${(bundle.initialGzip / 1000).toFixed(1)} kB gzip at start, ${(bundle.withoutClassifierGzip / 1000).toFixed(1)} kB with every chunk but the classifier's, classifier ${(bundle.classifierGzip / 1000).toFixed(1)} kB`);
  });
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Resolves the package's own subpaths to the sources, as tsconfig `paths` do for tsc. */
export const sourceAliases = [
  { find: /^social-crm\/adapters\/([\w-]+)$/, replacement: here('./adapters/$1/index.ts') },
  { find: /^social-crm\/adapter-kit$/, replacement: here('./src/adapter-kit.ts') },
  { find: /^social-crm\/(classifier|identity|testing|insights|queue|campaigns)$/, replacement: here('./src/$1/index.ts') },
  { find: /^social-crm\/ledgers\/postgres$/, replacement: here('./src/ledgers/postgres/index.ts') },
  { find: /^social-crm$/, replacement: here('./src/index.ts') },
];

export default defineConfig({
  resolve: { alias: sourceAliases },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/package/**', 'node_modules/**'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});

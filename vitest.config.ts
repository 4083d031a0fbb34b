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

/**
 * End-to-end files: they start processes, kill workers, run the examples, or race real servers.
 * They run in the `e2e` project only (`npm run test:e2e`), with the services' URLs.
 */
export const endToEndFiles = [
  'test/examples/demo.test.ts',
  'test/examples/example-scripts.test.ts',
  'test/examples/existing-crm.test.ts',
  'test/examples/getting-started.test.ts',
  'test/identity/concurrency.test.ts',
  'test/identity/cross-process.test.ts',
  'test/privacy/erase-end-to-end.test.ts',
  'test/queue/kill-durable.test.ts',
  'test/queue/scale-out.test.ts',
];

/**
 * Files that test PGlite or memory backends and, when the service URL is set, a real server too.
 * The `unit` project runs them without the URLs (the server parts skip); `e2e` runs them whole.
 */
export const serverFiles = [
  'test/identity/resolve-many.test.ts',
  'test/ledgers/postgres.test.ts',
  'test/ledgers/postgres-conversation-keys.test.ts',
  'test/ledgers/postgres-tenants.test.ts',
  'test/queue/batches.test.ts',
  'test/queue/tenants.test.ts',
];

/** The services' URLs; `unit` blanks them so that no test in it waits on a server. */
const SERVICE_URLS = ['SOCIAL_CRM_TEST_POSTGRES_URL', 'SOCIAL_CRM_TEST_NATS_URL', 'SOCIAL_CRM_TEST_REDIS_URL'];

export default defineConfig({
  resolve: { alias: sourceAliases },
  test: {
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/package/**', 'node_modules/**', ...endToEndFiles],
          env: Object.fromEntries(SERVICE_URLS.map((name) => [name, ''])),
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: [...endToEndFiles, ...serverFiles],
          // Processes and real servers: generous, because a loaded machine slows them most.
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});

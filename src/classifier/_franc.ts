/**
 * @internal franc, loaded off the start path. Its import builds trigram tables for every
 * language it knows, the largest part of the classifier's cold start, and most messages never
 * need it (the English/Turkish model decides them). The import below starts when the
 * classifier is imported and finishes in the background; a message that needs franc before it
 * has arrived loads it synchronously where the runtime can (Node, Bun and Deno through
 * `process.getBuiltinModule`). Bundlers see the literal `import('franc')` and ship it.
 */
import type { francAll as FrancAll } from 'franc';

let francAll: typeof FrancAll | undefined;

void import('franc').then(
  (module) => {
    francAll ??= module.francAll;
  },
  () => {
    // left to the synchronous load below, which reports nothing either: `undefined` means "not available"
  },
);

/** franc's `francAll`, or `undefined` on a runtime without a synchronous loader before the import above has finished. */
export function loadFranc(): typeof FrancAll | undefined {
  if (francAll) return francAll;
  try {
    const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const nodeModule = runtime?.getBuiltinModule?.('node:module') as { createRequire(base: string): (id: string) => { francAll: typeof FrancAll } } | undefined;
    if (!nodeModule) return undefined;
    // the CommonJS build has no import.meta; it has __filename
    const base = typeof __filename === 'string' ? __filename : import.meta.url;
    francAll = nodeModule.createRequire(base)('franc').francAll;
  } catch {
    return undefined;
  }
  return francAll;
}

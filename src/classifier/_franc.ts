/**
 * @internal franc, loaded off the start path. Its import builds trigram tables for every
 * language it knows, the largest part of the classifier's cold start, and most messages never
 * need it (the English/Turkish model decides them). Where the runtime can load it synchronously
 * (Node, Bun and Deno through `process.getBuiltinModule`, with franc installed beside us), the
 * first message that needs it loads it. Elsewhere (edge bundles) the import below starts with
 * the classifier and finishes in the background; bundlers see the literal `import('franc')`
 * and ship it.
 */
import type { francAll as FrancAll } from 'franc';

type Require = (id: string) => { francAll: typeof FrancAll };

let francAll: typeof FrancAll | undefined;

/** A `require` that finds franc, or `undefined` where there is none. */
function francRequire(): Require | undefined {
  try {
    const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const nodeModule = runtime?.getBuiltinModule?.('node:module') as { createRequire(base: string): Require & { resolve(id: string): string } } | undefined;
    if (!nodeModule) return undefined;
    // the CommonJS build has no import.meta; it has __filename
    const require = nodeModule.createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
    require.resolve('franc');
    return require;
  } catch {
    return undefined;
  }
}

const requireFranc = francRequire();
if (!requireFranc) {
  void import('franc').then(
    (module) => {
      francAll = module.francAll;
    },
    () => {
      // `loadFranc` keeps answering `undefined`
    },
  );
}

/** franc's `francAll`; `undefined` only on a runtime without a synchronous loader, before the import above has finished. */
export function loadFranc(): typeof FrancAll | undefined {
  if (!francAll && requireFranc) francAll = requireFranc('franc').francAll;
  return francAll;
}

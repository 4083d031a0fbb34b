import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { inject } from 'vitest';

/**
 * A fresh directory under the repository's tmp/ (ignored) for a consumer of the packed package:
 * the package's own dependencies (zod, ky, ...) and TypeScript then resolve from the repository's
 * node_modules, with no registry involved.
 */
export function consumerWorkspace(): { directory: string; remove(): void } {
  const root = resolve('tmp');
  mkdirSync(root, { recursive: true });
  const directory = mkdtempSync(join(root, 'consumers-'));
  return { directory, remove: () => rmSync(directory, { recursive: true, force: true }) };
}

/** Unpacks the tarball into `<directory>/node_modules/social-crm`, as npm lays it out. */
export function installTarball(directory: string): void {
  const installed = join(directory, 'node_modules', 'social-crm');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', inject('tarball'), '-C', installed, '--strip-components=1']);
}

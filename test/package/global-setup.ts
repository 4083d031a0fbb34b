import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Absolute path of the tarball `npm pack` made from the current dist/, shared by every package test. */
    tarball: string;
    /** What `npm pack` reported: the files in the tarball with their sizes. */
    packedFiles: { path: string; size: number }[];
  }
}

/** Packs the package once (from the dist/ that `npm run build` left) for every test in test/package. */
export default function setup(project: TestProject): () => void {
  const directory = mkdtempSync(join(tmpdir(), 'social-crm-pack-'));
  const output = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', directory], { encoding: 'utf8' });
  const [report] = JSON.parse(output) as [{ filename: string; files: { path: string; size: number }[] }];
  project.provide('tarball', resolve(directory, report.filename));
  project.provide('packedFiles', report.files);
  return () => rmSync(directory, { recursive: true, force: true });
}

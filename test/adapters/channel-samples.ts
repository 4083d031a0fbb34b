import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * Real-world webhook payloads live outside the repository (../shared/data/channel-samples, see its
 * README: licences forbid copying them in). Tests read them from there, one test per file, and skip
 * with a message when the folder is absent. SOCIAL_CRM_CHANNEL_SAMPLES points elsewhere.
 */

const repositoryRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The samples folder, or `undefined` when this checkout has none. */
export const CHANNEL_SAMPLES_DIR: string | undefined = [process.env.SOCIAL_CRM_CHANNEL_SAMPLES, resolve(repositoryRoot, '../shared/data/channel-samples')].find(
  (candidate): candidate is string => candidate !== undefined && candidate !== '' && existsSync(candidate),
);

/** Reads one sample as JSON: `readSample('courier/wac/hello.json')`. */
export function readSample(path: string): unknown {
  if (!CHANNEL_SAMPLES_DIR) throw new Error('The channel samples folder is absent.');
  return JSON.parse(readFileSync(join(CHANNEL_SAMPLES_DIR, path), 'utf8'));
}

/**
 * One test per sample file of `folder`, each running the check named after the file. Every file of
 * the folder (matching `only`, when given) must have a check and every check a file, so a sample
 * added upstream cannot go untested. Skips the whole block, saying why, without the folder.
 */
export function describeSamples(folder: string, checks: Record<string, (sample: unknown) => Promise<unknown> | void>, only?: RegExp): void {
  const directory = CHANNEL_SAMPLES_DIR ? join(CHANNEL_SAMPLES_DIR, folder) : undefined;
  if (!directory || !existsSync(directory)) {
    describe(`channel samples: ${folder}`, () => {
      it.skip(`skipped: ${directory ?? '../shared/data/channel-samples'} is absent (set SOCIAL_CRM_CHANNEL_SAMPLES to the folder of real-world payloads)`, () => {});
    });
    return;
  }
  const files = readdirSync(directory).filter((file) => file.endsWith('.json') && (!only || only.test(file))).sort();
  describe(`channel samples: ${folder}`, () => {
    it('has a check for every sample file and a file for every check', () => {
      expect(Object.keys(checks).sort()).toEqual(files);
    });
    for (const file of files) {
      const check = checks[file];
      it.skipIf(!check)(file, async () => {
        await check!(JSON.parse(readFileSync(join(directory, file), 'utf8')));
      });
    }
  });
}

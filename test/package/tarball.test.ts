import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';

const files = inject('packedFiles');
const paths = files.map((file) => file.path);

describe('the tarball', () => {
  it('ships the licence, the readme and dist only', () => {
    expect(paths).toContain('LICENSE');
    expect(paths).toContain('README.md');
    expect(paths).toContain('package.json');
    expect(paths.filter((path) => !['LICENSE', 'README.md', 'package.json'].includes(path) && !path.startsWith('dist/'))).toEqual([]);
    expect(readFileSync('LICENSE', 'utf8')).toMatch(/^MIT License[\s\S]*social-crm contributors/);
  });

  it('names where the project lives', () => {
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as Record<string, unknown>;
    expect(manifest.repository).toMatchObject({ url: expect.stringContaining('github.com/social-crm/social-crm') });
    expect(manifest.homepage).toMatch(/^https:\/\//);
    expect(manifest.bugs).toMatchObject({ url: expect.stringMatching(/^https:\/\/.*\/issues$/) });
    expect((manifest.keywords as string[]).length).toBeGreaterThan(3);
  });

  it('has only absolute links in the readme, since docs/ and examples/ are not shipped', () => {
    const readme = readFileSync('README.md', 'utf8');
    const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!);
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.filter((target) => !/^(https?:\/\/|#|mailto:)/.test(target))).toEqual([]);
  });

  it('ships source maps without a second copy of the sources', () => {
    const maps = paths.filter((path) => path.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    for (const map of maps) {
      const parsed = JSON.parse(readFileSync(map, 'utf8')) as { sourcesContent?: unknown[] };
      expect(parsed.sourcesContent ?? [], map).toEqual([]);
    }
  });
});

// `npm run lint:package`: publint --strict, then "Are the types wrong?" over every entry of the
// package, the wildcard `./adapters/*` expanded into one entry per adapter (attw does not expand
// wildcards, so without this no adapter would be checked). Run after `npm run build`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
const entries = Object.keys(manifest.exports)
  .filter((subpath) => subpath !== './package.json')
  .flatMap((subpath) =>
    subpath === './adapters/*'
      ? readdirSync('adapters')
          .filter((name) => !name.startsWith('_') && existsSync(`adapters/${name}/index.ts`))
          .map((name) => `./adapters/${name}`)
      : [subpath],
  );
// The vitest kits are ESM only, like vitest: checked with the ESM-only profile.
const esmOnly = ['./testing'];
const dual = entries.filter((entry) => !esmOnly.includes(entry));

const bin = (name) => join('node_modules', '.bin', name);
const run = (command, args) => execFileSync(command, args, { stdio: 'inherit' });

run(bin('publint'), ['--strict']);
const directory = mkdtempSync(join(tmpdir(), 'social-crm-attw-'));
try {
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', directory], { encoding: 'utf8' }));
  const tarball = join(directory, packed.filename);
  run(bin('attw'), [tarball, '--profile', 'node16', '--format', 'table-flipped', '--entrypoints', ...dual]);
  run(bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'table-flipped', '--entrypoints', ...esmOnly]);
  console.log(`attw: ${dual.length} dual entries (node16 profile) and ${esmOnly.length} ESM-only entry checked.`);
} finally {
  rmSync(directory, { recursive: true, force: true });
}

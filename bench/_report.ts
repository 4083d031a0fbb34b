/** Shared by the bench commands: machine facts and writing a section of docs/benchmarks.md. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** One line naming the machine, the runtime and the date. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 1024 ** 3)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

/**
 * Replaces (or appends) the section between `<!-- bench:<name> -->` markers in docs/benchmarks.md,
 * so each command keeps its own figures current without touching the others'.
 */
export function writeBenchmarkSection(name: string, title: string, body: string, file = 'docs/benchmarks.md'): void {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const section = `${start}\n## ${title}\n\n_Measured on ${machineLine()}._\n\n${body.trim()}\n${end}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\nProduced by `npm run bench -- <command>`; each command rewrites its own section.\n';
  const pattern = new RegExp(`${start}[\\s\\S]*?${end}`);
  writeFileSync(file, pattern.test(current) ? current.replace(pattern, section) : `${current.trimEnd()}\n\n${section}\n`);
}

let collect: (() => void) | undefined;
/** Heap in use after two full garbage collections (enables `gc` on first use), for retained-memory figures. */
export function heapAfterGc(): number {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
  collect();
  return process.memoryUsage().heapUsed;
}

import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface ExampleRun {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Runs an `npm run <script>` of package.json the way npm does (its `tsx <file>` command, from the
 * repository root), with `env` added. When `ready` is given, the process is a server: `ready` is
 * called with the output so far on each chunk, and once it resolves the process gets SIGTERM, as a
 * platform stops a service. Resolves when the process has ended.
 */
export async function runExampleScript(script: string, options: { env?: Record<string, string>; ready?: (stdout: string) => Promise<boolean> | boolean } = {}): Promise<ExampleRun> {
  const scripts = (JSON.parse(await readFile(`${repositoryRoot}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts;
  const command = scripts[script];
  if (!command?.startsWith('tsx ')) throw new Error(`package.json has no \`${script}\` script of the form \`tsx <file>\` (found ${JSON.stringify(command)}).`);
  return new Promise((resolve, reject) => {
    const child = spawn(`${repositoryRoot}node_modules/.bin/tsx`, command.slice(4).split(' '), { cwd: repositoryRoot, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let stopping = false;
    child.stdout.setEncoding('utf8').on('data', async (chunk: string) => {
      stdout += chunk;
      if (stopping || !options.ready) return;
      stopping = true;
      try {
        stopping = await options.ready(stdout);
      } catch (error) {
        child.kill('SIGKILL');
        reject(error);
        return;
      }
      if (stopping) child.kill('SIGTERM');
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ stdout, stderr, code, signal }));
  });
}

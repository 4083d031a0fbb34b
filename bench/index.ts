/**
 * `npm run bench -- <command> [options]`. Each command is a module `bench/<command>.ts`
 * exporting `run(args: string[]): Promise<void>`; the last line it prints is one JSON object.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const folder = fileURLToPath(new URL('.', import.meta.url));
const commands = readdirSync(folder)
  .filter((file) => file.endsWith('.ts') && !file.startsWith('_') && file !== 'index.ts')
  .map((file) => file.slice(0, -3))
  .sort();

const [command, ...args] = process.argv.slice(2);
if (!command || command === '--help' || !commands.includes(command)) {
  console.log(`Usage: npm run bench -- <command> [options]\nCommands: ${commands.join(', ')}`);
  process.exit(command && command !== '--help' ? 2 : 0);
}
const module = (await import(`./${command}.ts`)) as { run(args: string[]): Promise<void> };
await module.run(args);

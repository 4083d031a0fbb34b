/**
 * `npm run bench -- fuzz [--cases 2000] [--seed 20261205] [--no-write]`: the adapters' fuzz tests
 * (test/fuzz) with many more cases. For every built-in webhook adapter, `--cases` generated bodies
 * are sent signed and unsigned through `crm.handleWebhook()`, and a quarter as many through the
 * queue intake; then stored times, dead-letter replay and every output are checked as the tests
 * check them. Exits with 1 when anything failed. The last line printed is one JSON object.
 */
import { ADAPTER_IDS } from '../test/hostile/harness.js';
import { builtInTarget, fuzzWebhook, TEST_CASES, type FuzzStats } from '../test/fuzz/fuzz-kit.js';
import { writeBenchmarkSection } from './_report.js';

function argument(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(name);
  const value = index >= 0 ? Number(args[index + 1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback;
}

export async function run(args: string[]): Promise<void> {
  const cases = argument(args, '--cases', 2_000);
  const seed = argument(args, '--seed', 20_261_205);
  const results: Array<FuzzStats & { entry: string }> = [];
  for (const adapterId of ADAPTER_IDS) {
    for (const [entry, count] of [['handleWebhook', cases], ['queue-intake', Math.max(1, Math.floor(cases / 4))]] as const) {
      let stats: FuzzStats;
      try {
        stats = await fuzzWebhook(builtInTarget(adapterId), { cases: count, seed, entry });
      } catch (error) {
        stats = { adapterId, cases: count, requests: 0, statuses: {}, stored: 0, deadLetters: 0, replay: { retried: 0, succeeded: 0, failed: 0, skipped: 0 }, replayErrors: [], problems: [`${(error as Error).message}\n  cause: ${String((error as Error).cause)}`], ms: 0 };
      }
      results.push({ ...stats, entry });
      console.log(`${adapterId.padEnd(10)} ${entry.padEnd(14)} ${stats.cases} cases, ${stats.requests} requests in ${stats.ms} ms: ${JSON.stringify(stats.statuses)}, ${stats.stored} stored, ${stats.deadLetters} dead letters (replayed: ${stats.replay.succeeded} ok, ${stats.replay.failed} failed again, ${stats.replay.skipped} skipped), ${stats.problems.length} problems`);
      for (const problem of stats.problems) console.log(`  ! ${problem}`);
      for (const reason of stats.replayErrors) console.log(`  replay failed again: ${reason.slice(0, 300)}`);
    }
  }
  const problems = results.reduce((sum, result) => sum + result.problems.length, 0);
  const requests = results.reduce((sum, result) => sum + result.requests, 0);
  const totalCases = results.reduce((sum, result) => sum + result.cases, 0);
  const status = (result: FuzzStats, code: number) => result.statuses[code] ?? 0;
  const table = [
    '| Adapter | Entry | Cases | Requests | 200 | 400 | 401 | other 4xx | 5xx | Stored | Dead letters | Replay ok / again / skipped | Problems | Time |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |',
    ...results.map((result) => {
      const other = Object.entries(result.statuses).filter(([code]) => Number(code) >= 402 && Number(code) < 500 || Number(code) === 403).reduce((sum, [, n]) => sum + n, 0);
      const server = Object.entries(result.statuses).filter(([code]) => Number(code) >= 500).reduce((sum, [, n]) => sum + n, 0);
      return `| ${result.adapterId} | ${result.entry} | ${result.cases} | ${result.requests} | ${status(result, 200)} | ${status(result, 400)} | ${status(result, 401)} | ${other} | ${server} | ${result.stored} | ${result.deadLetters} | ${result.replay.succeeded} / ${result.replay.failed} / ${result.replay.skipped} | ${result.problems.length} | ${(result.ms / 1000).toFixed(1)} s |`;
    }),
  ].join('\n');
  if (!args.includes('--no-write')) {
    writeBenchmarkSection(
      'fuzz',
      'Fuzzing the webhooks (`npm run bench -- fuzz`)',
      `Seed ${seed}; ${totalCases} generated bodies, each sent unsigned and signed (${requests} requests). Bodies are mutants of authentic deliveries and of the adapters' test fixtures (a field replaced by any JSON value, a hostile number or time, a 20 kB string, a nested structure, prototype keys, a field deleted; or the bytes truncated, garbled or replaced). Every case runs in a crm of its own, offline. Must hold, and is checked per case: no throw and no 5xx, except when the adapter's network cannot be reached (Instagram looks up a mentioned media while reading a delivery: 500, the request kept, and its replay failing again for the same reason); an unsigned request refused (401, or 400 before the signature when the body is not one JSON object) with no dead letter, event or queue message; a refused signed request keeps nothing either; no prototype pollution; every stored time between 2006 and a day ahead; every dead letter listable and replayed without a crash (\"again\": content still invalid, e.g. a follower count past 2^53; \"skipped\": items the adapter could not read, kept for a person to look at); no configured credential or sent signature in any response, log line, event, queue message or stored row. \`npm test\` runs the same generators with ${TEST_CASES} cases per adapter and entry (test/fuzz).\n\n${table}\n\nProblems: ${problems}.`,
    );
  }
  console.log(JSON.stringify({ seed, cases: totalCases, requests, problems }));
  if (problems > 0) process.exitCode = 1;
}

/**
 * `npm run litmus`: the litmus suite on the weak-memory simulator, judged against LKMM.
 * Exit status: 0 all agree (documented differences allowed), 1 a disagreement, 2 usage error.
 */
import { parseArgs } from 'node:util';
import { LITMUS_TESTS, runLitmusSuite } from './suite.js';
import { formatLitmusTable } from './format.js';
import { runCli } from '../cli-args.js';

const HELP = `Usage: npm run litmus -- [options]

Runs the classic litmus tests (MP, SB and their barrier variants, MP+assign+deref, the reversed
dead check, store buffering through the project's RCU code, LB) on the weak-memory simulator and
compares what it reaches with the verdicts of the Linux-kernel memory model.

Options:
  --runs N      seeded executions per test (default 2000)
  --seed N      seed (default 1); execution i of a test is replayable from (seed, i)
  --test NAME   only this test (repeatable)
  --json        print the results as JSON instead of the table
  --help        this text

Exit status: 0 every test agrees with LKMM (documented differences allowed), 1 a disagreement,
2 usage error.`;

function parseCount(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    throw new Error(`--${name} needs an integer >= ${min}, got '${text}'`);
  }
  return Number(text);
}

export function main(argv: string[]): number {
  let runs: number;
  let seed: number;
  let only: string[];
  let json: boolean;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        runs: { type: 'string' },
        seed: { type: 'string' },
        test: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    runs = parseCount('runs', values.runs, 2000, 1);
    seed = parseCount('seed', values.seed, 1, 0);
    only = values.test ?? [];
    json = values.json ?? false;
    const unknown = only.filter((n) => !LITMUS_TESTS.some((t) => t.name === n));
    if (unknown.length > 0) {
      throw new Error(`unknown test ${unknown.join(', ')}; tests: ${LITMUS_TESTS.map((t) => t.name).join(', ')}`);
    }
  } catch (err) {
    console.error(`litmus: ${(err as Error).message}`);
    console.error('Try --help.');
    return 2;
  }
  const suite = runLitmusSuite({ runs, seed, only });
  console.log(json ? JSON.stringify(suite, null, 2) : formatLitmusTable(suite));
  return suite.ok ? 0 : 1;
}

runCli('litmus', () => main(process.argv.slice(2)));

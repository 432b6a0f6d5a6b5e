/**
 * `npm run litmus` (entry point: cli.ts): litmus tests on the weak-memory simulator, judged against LKMM. Two suites:
 * `project` (the project's own tests of its memory layer, suite.ts) and `lkmm` (the kernel's own
 * tools/memory-model/litmus-tests, parsed and interpreted: lkmm/).
 */
import { LITMUS_TESTS, runLitmusSuite } from './suite.js';
import { formatLitmusTable } from './format.js';
import { UsageError, parseFlags } from '../cli-args.js';
import { writeJson } from '../results-file.js';
import { KernelSourceError } from '../../kernel/source.js';
import { findLkmmLitmusTests, readLitmusFolder } from './lkmm/source.js';
import { runLkmmSuite, testName } from './lkmm/judge.js';
import { formatLkmmTable } from './lkmm/format.js';

const HELP = `Usage: npm run litmus -- [options]

Runs litmus tests on the weak-memory simulator and compares what it reaches with the verdicts of
the Linux-kernel memory model (LKMM).

Suites:
  --suite project   (default) the project's own tests of its memory layer: MP, SB and their
                    barrier variants, MP+assign+deref, the reversed dead check, SB through the
                    project's RCU code, LB
  --suite lkmm      the kernel's own tests, tools/memory-model/litmus-tests/*.litmus, each judged
                    against the "Result:" line of its header (Never, Sometimes, Always)
  --suite lkmm-docs the kernel's Documentation/litmus-tests/{atomic,locking,rcu}/*.litmus, the same way

Options:
  --kernel-src DIR  (implies --suite lkmm) read the tests from DIR/tools/memory-model/litmus-tests
                    (or DIR/Documentation/litmus-tests), or name a Debian package such as
                    linux-source-6.1; default: Debian's linux-source-6.12, fetched with apt-get
                    download, only the two litmus folders extracted into .cache/kernel/litmus/
  --dir DIR         (implies --suite lkmm) the .litmus files of any folder instead, e.g.
                    litmus/maple (the maple tree's slot store as litmus tests)
  --runs N          seeded executions per test (default 2000)
  --seed N          seed (default 1); execution i of a test is replayable from (seed, i)
  --test NAME       only this test (repeatable)
  --lb MODE         lkmm suite: load buffering by 'promises' (default) or 'off'
  --verbose         lkmm suite: every test's outcomes and discard reasons
  --json            print the results as JSON instead of the table
  --out FILE        lkmm suite: write the results there (default results/litmus-lkmm-<time>-<seed>.json)
  --help            this text

Exit status: 0 no test disagrees in the unsound direction (project suite: every test agrees,
documented differences allowed), 1 a disagreement (lkmm suite: an outcome LKMM forbids was
reached, or an "Always" failed; an allowed outcome not reached is reported, not failed),
2 usage error or the tests cannot be had, 3 internal failure.`;

function parseCount(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--${name} needs an integer >= ${min}, got '${text}'`);
  }
  return Number(text);
}

export function main(argv: string[]): number {
  try {
    const { values } = parseFlags(argv, {
      suite: { type: 'string' },
      'kernel-src': { type: 'string' },
      dir: { type: 'string' },
      runs: { type: 'string' },
      seed: { type: 'string' },
      test: { type: 'string', multiple: true },
      lb: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const suite = values.suite ?? (values['kernel-src'] !== undefined || values.dir !== undefined ? 'lkmm' : 'project');
    if (values.dir !== undefined && suite !== 'lkmm') throw new UsageError('--dir runs its files as --suite lkmm');
    if (values['kernel-src'] !== undefined && values.dir !== undefined) throw new UsageError('--kernel-src and --dir exclude each other');
    if (suite !== 'project' && suite !== 'lkmm' && suite !== 'lkmm-docs') throw new UsageError(`--suite is project, lkmm or lkmm-docs, got '${suite}'`);
    const runs = parseCount('runs', values.runs, 2000, 1);
    const seed = parseCount('seed', values.seed, 1, 0);
    const only = values.test ?? [];
    const json = values.json ?? false;
    if (suite === 'project') {
      for (const flag of ['kernel-src', 'dir', 'lb', 'out'] as const) {
        if (values[flag] !== undefined) throw new UsageError(`--${flag} is for --suite lkmm`);
      }
      const unknown = only.filter((n) => !LITMUS_TESTS.some((t) => t.name === n));
      if (unknown.length > 0) throw new UsageError(`unknown test ${unknown.join(', ')}; tests: ${LITMUS_TESTS.map((t) => t.name).join(', ')}`);
      const result = runLitmusSuite({ runs, seed, only });
      console.log(json ? JSON.stringify(result, null, 2) : formatLitmusTable(result));
      return result.ok ? 0 : 1;
    }
    const lb = values.lb ?? 'promises';
    if (lb !== 'promises' && lb !== 'off') throw new UsageError(`--lb is promises or off, got '${lb}'`);
    let source;
    try {
      source =
        values.dir !== undefined
          ? readLitmusFolder(values.dir)
          : findLkmmLitmusTests({
              kernelSrc: values['kernel-src'],
              set: suite === 'lkmm' ? 'memory-model' : 'documentation',
              log: (l) => console.error(l),
            });
    } catch (error) {
      if (error instanceof KernelSourceError) {
        console.error(`litmus: ${error.message}`);
        return 2;
      }
      throw error;
    }
    let files = source.files;
    if (only.length > 0) {
      const name = (f: { file: string }): string => testName(f.file);
      const unknown = only.filter((n) => !files.some((f) => name(f) === n));
      if (unknown.length > 0) throw new UsageError(`unknown test ${unknown.join(', ')}; tests in ${source.dir}: ${files.map(name).join(', ')}`);
      files = files.filter((f) => only.includes(name(f)));
    }
    const result = runLkmmSuite(files, { dir: source.dir, origin: source.origin }, { runs, seed, promises: lb === 'promises' });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const path = writeJson(values.out ?? `results/litmus-lkmm-${stamp}-${seed}.json`, { schema: 1, tool: 'maple-torture litmus', ...result });
    console.log(json ? JSON.stringify(result, null, 2) : formatLkmmTable(result, values.verbose ?? false));
    if (!json) console.log(`\nresults: ${path}`);
    return result.unsound.length > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`litmus: ${error.message}`);
      console.error('Try --help.');
      return 2;
    }
    throw error;
  }
}


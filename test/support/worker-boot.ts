/**
 * How a test's worker thread loads TypeScript. `new Worker(<.ts URL>, { execArgv: ['--import', 'tsx'] })`
 * does not work on Node 20: the preload runs, but tsx 4 registers its ESM hooks only on the main
 * thread there (newer Node versions share them with workers), so the .ts entry fails with "Unknown
 * file extension". Piscina is unaffected (its entry is a .js file). So the entry is a tiny ESM
 * bootstrap that registers tsx's hooks in the worker itself, then imports the worker script.
 */
export function workerBoot(script: URL): URL {
  return new URL(
    'data:text/javascript,' +
      encodeURIComponent(
        `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))};\n` +
          `register();\n` +
          `await import(${JSON.stringify(script.href)});\n`,
      ),
  );
}

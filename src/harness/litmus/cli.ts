/** `npm run litmus`: the entry point; the command itself is main.ts. */
import { runCli } from '../cli-args.js';
import { main } from './main.js';

runCli('litmus', () => main(process.argv.slice(2)));

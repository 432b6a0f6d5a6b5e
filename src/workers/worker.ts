/** The piscina worker entry: one long-lived task per thread, a reader or the writer. */
import { runReader } from './reader.js';
import { runWriter } from './writer.js';
import type { Task, TaskResult } from './task.js';

export default function run(task: Task): TaskResult {
  return task.role === 'writer' ? runWriter(task) : runReader(task);
}

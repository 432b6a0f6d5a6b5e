/** The piscina worker entry: one long-lived task per thread, a reader or the writer, on either tree. */
import { runReader } from './reader.js';
import { runWriter } from './writer.js';
import { runKernelReader } from './kernel/kernel-reader.js';
import { runKernelWriter } from './kernel/kernel-writer.js';
import type { Task, TaskResult } from './task.js';

export default function run(task: Task): TaskResult {
  if (task.kernel !== undefined) return task.role === 'writer' ? runKernelWriter(task) : runKernelReader(task);
  return task.role === 'writer' ? runWriter(task) : runReader(task);
}

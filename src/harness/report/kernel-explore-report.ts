/** The report of a kernel explorer run (`npm run explore -- --tree kernel`, kind 'explore-kernel'). */
import type { KernelExploreConfig, KernelExploreFailure, KernelExploreResult } from '../sim/kernel/kernel-explore.js';
import { kernelReplayCommand } from '../sim/kernel/kernel-explore.js';
import { badge, configTable, fields, heading, html, num, seconds, table } from './html.js';
import type { Html } from './html.js';
import { violationSection } from './violations.js';

export function kernelExploreVerdict(r: KernelExploreResult): Html {
  return r.failure ? badge('violation', 'violation') : badge('clean', 'clean');
}

/** The body of a kernel explore report (without the page's title). */
export function kernelExploreSections(r: KernelExploreResult, level: number): Html {
  const t = r.totals;
  const b = r.build;
  const parts: Html[] = [];
  parts.push(heading(level, 'Configuration'));
  parts.push(html`<p>Kernel ${b.version}, simulator build <code>${b.buildHash}</code>, master seed <strong>${r.config.seed}</strong>, bugs: ${r.config.bugs.length > 0 ? r.config.bugs.join(', ') : 'none (the correct build)'}.</p>`);
  parts.push(configTable(r.config));
  parts.push(heading(level, 'Summary'));
  const known = Object.entries(r.known ?? {});
  parts.push(fields([
    ['verdict', kernelExploreVerdict(r)],
    ['stopped by', r.stoppedBy],
    ['elapsed', seconds(r.elapsedMs)],
    ['schedules run', num(r.schedulesRun)],
    ['schedules per second', num(r.schedulesPerSecond, 1)],
    ['seconds to detect', r.failure ? num(r.failure.seconds, 3) : '-'],
    ['known findings of the kernel\'s code (counted, not reported)', known.length > 0 ? known.map(([name, n]) => `${name} ${n}`).join(', ') : 'none'],
  ]));
  parts.push(heading(level + 1, 'Totals'));
  parts.push(table(
    ['accesses (steps)', 'switches', 'drains', 'reader ops', 'writer ops', 'reader ops cut short', 'runs that hit the step bound'],
    [[num(t.steps), num(t.switches), num(t.drains), num(t.readerOps), num(t.writerOps), num(t.readerWaits), num(t.fairRuns)]],
    'totals',
    [0, 1, 2, 3, 4, 5, 6],
  ));
  if (r.failure) {
    parts.push(kernelFailureSection(r.config, r.failure, level));
  } else {
    parts.push(html`<p>No violations.</p>`);
  }
  return html`${parts}`;
}

/** A kernel exploration's failure: where it happened, the violation, the command that replays its schedule (also a torture cell's). */
export function kernelFailureSection(config: KernelExploreConfig, f: KernelExploreFailure, level: number): Html {
  return html`${heading(level, `Failure at schedule ${f.schedule}`)}<p>Scenario <strong>${f.spec.scenario}</strong>, strategy ${f.spec.strategy}, schedule seed ${f.spec.seed}, after ${num(f.seconds, 2)} s.</p>${
    violationSection(f.violation, { title: 'Violation', level: level + 1, replay: kernelReplayCommand(config, f.spec) })}`;
}

export function kernelExplorePage(r: KernelExploreResult): { title: string; body: Html } {
  const head = html`<h1>maple-torture kernel explorer run</h1><p class="sub">${r.runId} &middot; started ${r.startedAt ?? '-'} &middot; ${kernelExploreVerdict(r)}</p>`;
  return { title: `maple-torture kernel explorer run ${r.runId}`, body: html`${head}${kernelExploreSections(r, 2)}` };
}

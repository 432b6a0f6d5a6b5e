/** The sections of an explorer report: configuration, speed and totals, the failure with its trace and tokens. */
import type { ExploreFailure, ExploreResult } from '../sim/explore.js';
import { replayCommand } from '../sim/explore.js';
import { exploreCommand } from '../sim/explore-args.js';
import { badge, command, configTable, fields, heading, html, num, seconds, table } from './html.js';
import type { Html } from './html.js';
import { traceTable, violationSection } from './violations.js';

export function exploreVerdict(r: ExploreResult): Html {
  return r.failure ? badge('violation', 'violation') : badge('clean', 'clean');
}

/** The failure: the violation as found and shrunk, the sizes, the trace table and both tokens. */
export function failureSections(f: ExploreFailure, level: number): Html {
  const spec = f.spec as Partial<ExploreFailure['spec']>;
  const o = f.original;
  const s = f.shrunk;
  const sizes = table(
    ['case', 'readers', 'writer ops', 'ops per reader', 'steps', 'decisions', 'shrinking runs'],
    [
      ['as found', num(o?.readers), num(o?.writerOps), num(o?.readerOps), num(o?.steps), num(o?.decisions), '-'],
      ['shrunk', num(s.readers), num(s.writerOps), num(s.readerOps), num(s.steps), num(s.decisions), num(s.runs)],
    ],
    'sizes',
    [1, 2, 3, 4, 5, 6],
  );
  const bugs = Array.isArray(spec.bugs) && spec.bugs.length > 0 ? spec.bugs.join(', ') : 'none (the correct build)';
  return html`${heading(level, `Failure at schedule ${f.schedule}`)}
<p>Scenario <strong>${spec.scenario ?? '-'}</strong>, strategy ${spec.strategy ?? '-'}, schedule seed ${spec.seed ?? '-'}, bug ${bugs}.</p>
${sizes}
${violationSection(s.violation, { title: 'Shrunk violation', level: level + 1, replay: replayCommand(s.token) })}
${heading(level + 1, `Trace of the shrunk case (last ${f.trace.length} accesses up to the violation)`)}
<p class="note">"read from" is the timestamp of the store a load read and the writer version that made it; for a drain, the timestamp the store got in memory.</p>
${traceTable(f.trace)}
${violationSection(f.violation, { title: 'Violation as found', level: level + 1 })}
${heading(level + 1, 'Replay tokens')}
${fields([
  ['shrunk', html`${command(s.token)}Replay: ${command(replayCommand(s.token))}`],
  ['as found', html`${command(f.token)}Replay: ${command(replayCommand(f.token))}`],
])}`;
}

/** The body of an explore report (without the page's title). */
export function exploreSections(r: ExploreResult, level: number, withConfig = true): Html {
  const t = r.totals;
  const parts: Html[] = [];
  if (withConfig) {
    parts.push(heading(level, 'Configuration'));
    parts.push(html`<p>Master seed <strong>${r.config.seed}</strong>, bugs: ${r.config.bugs.length > 0 ? r.config.bugs.join(', ') : 'none (the correct build)'}.</p>`);
    parts.push(configTable(r.config));
    parts.push(html`<p>Rerun:</p>${command(safeCommand(r))}`);
  }
  parts.push(heading(level, 'Summary'));
  parts.push(fields([
    ['verdict', exploreVerdict(r)],
    ['stopped by', r.stoppedBy],
    ['elapsed', seconds(r.elapsedMs)],
    ['schedules run', num(r.schedulesRun)],
    ['schedules per second', num(r.schedulesPerSecond, 1)],
    ['seconds to detect', r.secondsToDetect !== undefined ? num(r.secondsToDetect, 3) : '-'],
    // The exhaustive strategy: whether the bounded space was run to the end, and what that proves.
    ...(r.exhaustive ? ([['exhausted', r.exhaustive.exhausted ? 'yes' : 'no'], ['claim', r.exhaustive.claim]] as Array<[string, string]>) : []),
  ]));
  parts.push(heading(level + 1, 'Totals'));
  parts.push(table(
    ['accesses (steps)', 'switches', 'drains', 'reader ops', 'writer ops', 're-walks', 'taint discarded', 'runs that hit the step bound'],
    [[num(t.steps), num(t.switches), num(t.drains), num(t.readerOps), num(t.writerOps), num(t.rewalks), num(t.discardedTaint), num(t.fairRuns)]],
    'totals',
    [0, 1, 2, 3, 4, 5, 6, 7],
  ));
  if (r.failure) parts.push(failureSections(r.failure, level));
  else parts.push(html`<p>No violations.</p>`);
  if (r.replay) parts.push(html`<p>Replay the shrunk failure:</p>${command(r.replay)}`);
  return html`${parts}`;
}

/** The explore command for the config, or nothing usable if the config is from another version. */
function safeCommand(r: ExploreResult): string {
  try {
    return exploreCommand(r.config);
  } catch {
    return `npm run explore -- --seed ${r.config.seed}`;
  }
}

export function explorePage(r: ExploreResult): { title: string; body: Html } {
  const head = html`<h1>maple-torture explorer run</h1><p class="sub">${r.runId} &middot; started ${r.startedAt ?? '-'} &middot; ${r.tool?.name ?? 'maple-torture'} ${r.tool?.version ?? ''} on Node ${r.tool?.node ?? '-'} &middot; ${exploreVerdict(r)}</p>`;
  return { title: `maple-torture explorer run ${r.runId}`, body: html`${head}${exploreSections(r, 2)}` };
}

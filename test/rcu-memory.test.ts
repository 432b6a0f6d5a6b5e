/**
 * RCU through the memory layer (src/shared-heap/rcu.ts): every RCU access is one of the memory
 * layer's kinds, the ones liburcu's memb flavour uses and no stronger; on the simulator a grace
 * period cannot end while a reader's announcement is visible, and without the reader's smp_mb
 * (rcu-reader-no-mb) an execution exists where the scan misses a reader that already read tree
 * words; the explorer catches that bug as a stale read from a fixed seed, and the correct build
 * stays clean while grace periods really end.
 */
import { describe, expect, it } from 'vitest';
import type { BarrierCounts, Memory } from '../src/shared-heap/memory.js';
import { scanByReads } from '../src/shared-heap/memory.js';
import { GracePeriods, RcuLayout, RcuReader, RcuState } from '../src/shared-heap/rcu.js';
import { SimWorld } from '../src/shared-heap/simulated-memory.js';
import type { SimulatedMemory } from '../src/shared-heap/simulated-memory.js';
import { Bug } from '../src/shared-heap/bugs.js';
import { Rng } from '../src/harness/rng.js';
import { DEFAULT_EXPLORE, explore, scheduleSpec } from '../src/harness/sim/explore.js';
import type { ExploreConfig } from '../src/harness/sim/explore.js';
import { DEFAULT_SHAPE, runSchedule } from '../src/harness/sim/schedule.js';
import { traceWindow } from '../src/harness/sim/trace.js';
import { decodeToken } from '../src/harness/sim/token.js';
import { SCENARIOS } from '../src/harness/sim/scenarios.js';
import { findBug } from '../src/harness/catalog.js';

/** A memory that records every access as "kind word" (RCU words by name) over a plain array. */
class RecordingMemory implements Memory {
  readonly log: string[] = [];
  readonly counts: BarrierCounts = { wmb: 0, rmb: 0, mb: 0, publish: 0 };
  private readonly words: Uint32Array;

  constructor(private readonly layout: RcuLayout) {
    this.words = new Uint32Array(layout.base + layout.words);
    for (const [addr, value] of layout.initialValues()) this.words[addr] = value;
  }

  private note(kind: string, addr: number, value?: number): void {
    const name = addr < 0 ? '' : ` ${this.layout.name(addr) ?? addr}`;
    this.log.push(`${kind}${name}${value === undefined ? '' : ` = ${value}`}`);
  }

  read(addr: number): number {
    this.note('read', addr);
    return this.words[addr];
  }
  write(addr: number, value: number): void {
    this.note('write', addr, value);
    this.words[addr] = value;
  }
  deref(addr: number): number {
    this.note('deref', addr);
    return this.words[addr];
  }
  scan(addr: number, count: number, key: number): number {
    return scanByReads(this, addr, count, key);
  }
  derefRmb(addr: number): number {
    const value = this.deref(addr);
    this.rmb();
    return value;
  }
  publish(addr: number, value: number): void {
    this.note('publish', addr, value);
    this.words[addr] = value;
  }
  loadAtomic(addr: number): number {
    this.note('loadAtomic', addr);
    return this.words[addr];
  }
  storeAtomic(addr: number, value: number): void {
    this.note('storeAtomic', addr, value);
    this.words[addr] = value;
  }
  wmb(): void {
    this.note('wmb', -1);
  }
  rmb(): void {
    this.note('rmb', -1);
  }
  mb(): void {
    this.note('mb', -1);
  }
  take(): string[] {
    return this.log.splice(0);
  }
}

describe('RCU accesses go through the memory layer with liburcu memb kinds', () => {
  it('rcu_read_lock / unlock: READ_ONCE the sequence, WRITE_ONCE the announcement, smp_mb; smp_mb, WRITE_ONCE 0', () => {
    const layout = new RcuLayout(100, 2);
    const mem = new RecordingMemory(layout);
    const reader = new RcuReader(mem, layout, 1);
    reader.lock();
    expect(mem.take()).toEqual(['read gp.seq', 'write rcu.reader1 = 2', 'mb']);
    reader.unlock();
    expect(mem.take()).toEqual(['mb', 'write rcu.reader1 = 0']);
    // The bug switch drops exactly the barrier after the announcement.
    const buggy = new RcuReader(mem, layout, 0, Bug.RCU_READER_NO_MB);
    buggy.lock();
    expect(mem.take()).toEqual(['read gp.seq', 'write rcu.reader0 = 2']);
  });

  it('a grace period: smp_mb then the new sequence; the scan with READ_ONCE; smp_mb before it is over', () => {
    const layout = new RcuLayout(100, 2);
    const mem = new RecordingMemory(layout);
    const gp = new GracePeriods(mem, layout);
    const reader = new RcuReader(mem, layout, 1);
    reader.lock();
    mem.take();
    gp.start();
    expect(mem.take()).toEqual(['read gp.seq', 'read gp.completed', 'mb', 'write gp.seq = 4']);
    gp.start(); // one is running: nothing but the check
    expect(mem.take()).toEqual(['read gp.seq', 'read gp.completed']);
    expect(gp.poll()).toBe(false); // reader 1 announced 2 < 4
    expect(mem.take()).toEqual(['read gp.seq', 'read gp.completed', 'read rcu.reader0', 'read rcu.reader1']);
    reader.unlock();
    mem.take();
    expect(gp.poll()).toBe(true);
    expect(mem.take()).toEqual([
      'read gp.seq',
      'read gp.completed',
      'read rcu.reader0',
      'read rcu.reader1',
      'mb',
      'write gp.completed = 4',
      'read gp.count',
      'write gp.count = 1',
    ]);
  });

  it('real threads: RcuState keeps the words in its own buffer, through ThreadedMemory', () => {
    const state = RcuState.create(2);
    const words = new Int32Array(state.buffer);
    const reader = state.reader(1);
    const gp = state.writer();
    reader.lock();
    expect(words[state.layout.slot(1)]).toBe(2);
    expect(reader.inside).toBe(true);
    gp.start();
    expect(gp.poll()).toBe(false);
    reader.unlock();
    expect(words[state.layout.slot(1)]).toBe(0);
    expect(gp.poll()).toBe(true);
    expect(state.gracePeriods).toBe(1);
    expect(RcuState.attach(state.buffer).maxReaders).toBe(2);
  });
});

/** A writer and one reader over the RCU words at 8, a "tree word" X at 1 (the pointer the writer unlinks). */
function simulated(seed: number, bugs = 0): { world: SimWorld; writer: SimulatedMemory; reader: SimulatedMemory; gp: GracePeriods; rcu: RcuReader } {
  const layout = new RcuLayout(8, 1);
  const world = new SimWorld({ words: layout.base + layout.words, choice: new Rng(seed, 3) });
  for (const [addr, value] of layout.initialValues()) world.init(addr, value);
  const writer = world.createThread({ name: 'writer' });
  const reader = world.createThread({ name: 'reader' });
  return { world, writer, reader, gp: new GracePeriods(writer, layout), rcu: new RcuReader(reader, layout, 0, bugs) };
}
const X = 1;

describe('RCU on the simulator', () => {
  it('a grace period cannot end while a reader\'s announcement is visible, and ends once it leaves', () => {
    for (let seed = 0; seed < 200; seed++) {
      const { world, writer, reader, gp, rcu } = simulated(seed);
      const rng = new Rng(seed, 4);
      rcu.lock(); // its smp_mb drained the announcement
      expect(reader.buffered).toBe(0);
      const cookie = gp.cookie();
      gp.start();
      for (let i = 0; i < 20; i++) {
        if (rng.chance(0.5)) world.drainAll();
        if (rng.chance(0.5)) writer.raiseView(world.clock);
        expect(gp.poll(), `seed ${seed}, poll ${i}`).toBe(false);
      }
      expect(gp.done(cookie)).toBe(false);
      rcu.unlock();
      world.drainAll();
      writer.raiseView(world.clock);
      expect(gp.poll(), `seed ${seed}`).toBe(true);
      expect(gp.done(cookie)).toBe(true);
      world.dispose();
    }
  });

  /**
   * The reader locks and reads X (the old pointer) and stays inside; then the writer unlinks (X =
   * 1) and runs a grace period. Stores drain at seeded points. Returns whether the grace period
   * ended (it must not: the reader holds what X pointed to) and whether the announcement was still
   * in the reader's store buffer when it did.
   */
  function readerThenGracePeriod(seed: number, bugs: number): { ended: boolean; buffered: boolean } {
    const { world, writer, reader, gp, rcu } = simulated(seed, bugs);
    const rng = new Rng(seed, 5);
    world.onAccess = () => {
      if (rng.chance(0.2)) world.drainAny();
    };
    rcu.lock();
    expect(reader.read(X)).toBe(0);
    writer.write(X, 1);
    gp.start();
    const ended = gp.poll();
    const buffered = reader.buffered > 0;
    world.onAccess = null;
    world.dispose();
    return { ended, buffered };
  }

  it('rcu-reader-no-mb: the scan can miss a reader that already read tree words; the correct build never does', () => {
    let missed = 0;
    let missedWhileBuffered = 0;
    for (let seed = 0; seed < 300; seed++) {
      expect(readerThenGracePeriod(seed, 0).ended, `correct build, seed ${seed}`).toBe(false);
      const buggy = readerThenGracePeriod(seed, Bug.RCU_READER_NO_MB);
      if (buggy.ended) missed++;
      if (buggy.ended && buggy.buffered) missedWhileBuffered++;
    }
    expect(missed).toBeGreaterThan(0);
    // Among them, scans that ran while the announcement still sat in the reader's store buffer
    // (the others read a stale 0: the announcement drained after the writer's smp_mb).
    expect(missedWhileBuffered).toBeGreaterThan(0);
    expect(missedWhileBuffered).toBeLessThanOrEqual(missed);
  });
});

function config(over: Partial<ExploreConfig>): ExploreConfig {
  return { ...DEFAULT_EXPLORE, scenarios: [...SCENARIOS], bugs: [], seed: 7, ...over };
}

describe('the explorer and rcu-reader-no-mb', () => {
  it('is in the catalog as a simulator bug on bit 15', () => {
    const entry = findBug('rcu-reader-no-mb');
    expect(entry?.mode).toBe('simulator');
    expect(entry?.mask).toBe(1 << 15);
    expect(Bug.RCU_READER_NO_MB).toBe(1 << 15);
  });

  it('is caught from a fixed seed as a stale read, with the RCU words in the trace; the same schedule passes without it', () => {
    const r = explore(config({ bugs: ['rcu-reader-no-mb'], seed: 7, schedules: 3000, shrink: false }));
    expect(r.failure, `no failure in ${r.schedulesRun} schedules`).toBeDefined();
    expect(r.failure!.violation.kind).toBe('stale-read');
    const spec = decodeToken(r.failure!.token);
    const traced = runSchedule(spec, { trace: true });
    expect(traced.violations[0]).toEqual(r.failure!.violation);
    const rows = traceWindow(traced.trace!, traced.violationAt, 100_000, traced.rcu);
    expect(rows.some((row) => row.where === 'gp.seq' && row.thread.startsWith('reader'))).toBe(true);
    expect(rows.some((row) => /^rcu\.reader\d$/.test(row.where) && row.access === 'write')).toBe(true);
    // Without the bug the very same schedule is clean.
    expect(runSchedule({ ...spec, bugs: [] }).violations).toEqual([]);
  }, 60_000);

  it('the correct build is clean on a fixed seed, with grace periods ending', () => {
    const c = config({ seed: 19, schedules: 240, shrink: false });
    let gracePeriods = 0;
    for (let i = 0; i < c.schedules; i++) {
      const outcome = runSchedule(scheduleSpec(c, i, DEFAULT_SHAPE.pctSteps));
      expect(outcome.violations, `schedule ${i}`).toEqual([]);
      gracePeriods += outcome.gracePeriods;
    }
    expect(gracePeriods).toBeGreaterThan(c.schedules);
  }, 60_000);
});

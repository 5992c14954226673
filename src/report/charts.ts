/**
 * The HTML report's charts as Vega-Lite specs, from the result objects:
 * loads per udev worker over time, first→last and settle per strategy,
 * memory over time, a sweep's figures against the CPU count, a burst's
 * results and a check's exploration. Data is shaped here (times in
 * seconds, sizes in MiB, long runs thinned to what a screen can show);
 * svg.ts draws them.
 */
import type { TopLevelSpec } from 'vega-lite';
import { compareResults } from '../kernel/index.js';
import type { RunResult } from '../scenario/result.js';
import type { SweepResult } from '../scenario/sweep.js';
import type { LoadSpan, MemorySample } from '../scenario/timeline.js';
import type { BurstResult } from '../scenario/burst.js';
import type { TimedCheck } from './check.js';
import { HEADLINE_MODULES, SWEEP_METRICS, resultName, type Metric } from './metrics.js';

const NS_PER_S = 1e9;
const MIB = 1024 * 1024;
const WIDTH = 760;
/** Horizontal resolution of a timeline: a bar is never thinner than 1/TIME_STEPS of the run. */
const TIME_STEPS = 1000;
/** Memory curves keep the highest value in each 1/MEMORY_STEPS of the run. */
const MEMORY_STEPS = 500;

/** Colours of results: success green, the errnos of a storm in fixed hues, in the tally order. */
const RESULT_COLOURS: Readonly<Record<string, string>> = {
  ok: '#2e7d32',
  EEXIST: '#1f77b4',
  EBUSY: '#ff7f0e',
  ENODEV: '#d62728',
  EINTR: '#9467bd',
  ENOMEM: '#8c564b',
  ETIMEDOUT: '#e377c2',
};
const OTHER_COLOUR = '#7f7f7f';

function resultScale(keys: readonly string[]): { domain: string[]; range: string[] } {
  const domain = [...new Set(keys)].sort(compareResults).map(resultName);
  return { domain, range: domain.map((k) => RESULT_COLOURS[k] ?? OTHER_COLOUR) };
}

interface Bar {
  lane: number;
  start: number;
  end: number;
  result: string;
}

/**
 * Loads as bars per worker lane. Lanes are numbered in the order workers
 * made their first load; a bar is at least one time step wide, and bars of
 * one lane with the same result that touch at that resolution are drawn as
 * one — the picture is the same, the SVG a fraction of the size.
 */
export function timelineBars(loads: readonly LoadSpan[], endNs: number): { bars: Bar[]; lanes: number } {
  const step = Math.max(1, endNs) / TIME_STEPS;
  const lanes = new Map<string, number>();
  const byLane: Bar[][] = [];
  const ordered = [...loads].sort((a, b) => a.requestNs - b.requestNs || a.returnNs - b.returnNs || (a.worker < b.worker ? -1 : a.worker > b.worker ? 1 : 0));
  for (const l of ordered) {
    let lane = lanes.get(l.worker);
    if (lane === undefined) {
      lane = lanes.size;
      lanes.set(l.worker, lane);
      byLane.push([]);
    }
    const bars = byLane[lane] as Bar[];
    const result = resultName(l.result);
    const end = Math.max(l.returnNs, l.requestNs + step);
    const last = bars[bars.length - 1];
    if (last !== undefined && last.result === result && l.requestNs - last.end <= step) last.end = Math.max(last.end, end);
    else bars.push({ lane, start: l.requestNs, end, result });
  }
  return { bars: byLane.flat(), lanes: lanes.size };
}

export function timelineChart(r: RunResult): TopLevelSpec | undefined {
  const t = r.timeline;
  if (t === undefined || t.loads.length === 0) return undefined;
  const endNs = Math.max(...t.loads.map((l) => l.returnNs));
  const { bars, lanes } = timelineBars(t.loads, endNs);
  const values = bars.map((b) => ({ lane: b.lane, lane2: b.lane + 0.85, start: b.start / NS_PER_S, end: b.end / NS_PER_S, result: b.result }));
  return {
    title: `${r.strategy}: ${t.loads.length.toLocaleString('en-US')} loads on ${lanes} udev workers`,
    width: WIDTH,
    height: Math.min(420, Math.max(100, lanes * 2)),
    data: { values },
    mark: { type: 'rect' },
    encoding: {
      x: { field: 'start', type: 'quantitative', title: 'time since coldplug (s)', scale: { domain: [0, endNs / NS_PER_S] } },
      x2: { field: 'end' },
      y: { field: 'lane', type: 'quantitative', title: 'udev worker (by first load)', scale: { domain: [0, lanes], nice: false }, axis: { tickMinStep: 1 } },
      y2: { field: 'lane2' },
      color: { field: 'result', type: 'nominal', title: 'result', scale: resultScale(t.loads.map((l) => l.result)) },
    },
  };
}

/** First→last of the headline modules and settle, one group of bars per strategy. */
export function durationsChart(results: readonly RunResult[]): TopLevelSpec {
  const measures = [...HEADLINE_MODULES.map((m) => `${m} first→last`), 'settle'];
  const values = results.flatMap((r) => [
    ...HEADLINE_MODULES.map((m) => ({ strategy: r.strategy, measure: `${m} first→last`, seconds: (r.modules[m]?.firstToLastNs ?? 0) / NS_PER_S })),
    { strategy: r.strategy, measure: 'settle', seconds: r.settleNs / NS_PER_S },
  ]);
  return {
    title: 'first→last load request of the cpufreq drivers, and udev settle',
    width: WIDTH - 160,
    height: { step: 11, for: 'offset' },
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'strategy', type: 'nominal', sort: results.map((r) => r.strategy), title: null },
      yOffset: { field: 'measure', type: 'nominal', sort: measures },
      x: { field: 'seconds', type: 'quantitative', title: 'seconds' },
      color: {
        field: 'measure',
        type: 'nominal',
        sort: measures,
        title: null,
        scale: { range: ['#4c78a8', '#72b7b2', '#e45756'] },
        legend: { orient: 'bottom', labelLimit: 400 },
      },
    },
  };
}

/** The highest sample in each 1/MEMORY_STEPS of the run, and the last one: a curve a screen can show. */
export function thinMemory(samples: readonly MemorySample[], endNs: number, pick: (m: MemorySample) => number): { t: number; v: number }[] {
  const step = Math.max(1, endNs) / MEMORY_STEPS;
  const out: { t: number; v: number }[] = [];
  let bucket = -1;
  for (const m of samples) {
    const b = Math.floor(m.timeNs / step);
    const v = pick(m);
    const last = out[out.length - 1];
    if (b === bucket && last !== undefined) {
      if (v > last.v) last.v = v;
    } else {
      out.push({ t: m.timeNs, v });
      bucket = b;
    }
  }
  const final = samples[samples.length - 1];
  if (final !== undefined && out[out.length - 1]?.t !== final.timeNs) out.push({ t: final.timeNs, v: pick(final) });
  return out;
}

/** Module area and vmalloc in use over time, a curve per strategy, one panel each. */
export function memoryChart(results: readonly RunResult[]): TopLevelSpec | undefined {
  const withTimeline = results.filter((r) => r.timeline !== undefined);
  if (withTimeline.length === 0) return undefined;
  const kinds = [
    ['module area (final images)', (m: MemorySample) => m.moduleAreaBytes],
    ['vmalloc (read copies, decompressed images)', (m: MemorySample) => m.vmallocBytes],
  ] as const;
  const values = withTimeline.flatMap((r) =>
    kinds.flatMap(([kind, pick]) =>
      thinMemory(r.timeline?.memory ?? [], r.endNs, pick).map((p) => ({ strategy: r.strategy, kind, seconds: p.t / NS_PER_S, mib: p.v / MIB })),
    ),
  );
  return {
    title: 'memory in use over time',
    data: { values },
    facet: { row: { field: 'kind', type: 'nominal', title: null, sort: kinds.map(([k]) => k) } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: WIDTH - 160,
      height: 180,
      mark: { type: 'line', interpolate: 'step-after' },
      encoding: {
        x: { field: 'seconds', type: 'quantitative', title: 'time since coldplug (s)' },
        y: { field: 'mib', type: 'quantitative', title: 'MiB' },
        color: { field: 'strategy', type: 'nominal', sort: withTimeline.map((r) => r.strategy), title: 'strategy' },
      },
    },
  };
}

function metricAxis(m: Metric): { field: string; title: string; scale: (v: number) => number } {
  if (m.unit === 'ns') return { field: 'seconds', title: `${m.title} (s)`, scale: (v) => v / NS_PER_S };
  if (m.unit === 'bytes') return { field: 'mib', title: `${m.title} (MiB)`, scale: (v) => v / MIB };
  return { field: 'count', title: m.title, scale: (v) => v };
}

/** One line chart per sweep figure: a line per strategy against the CPU count, on a log axis. */
export function sweepCharts(sweep: SweepResult): TopLevelSpec[] {
  return SWEEP_METRICS.map((m): TopLevelSpec => {
    const axis = metricAxis(m);
    const values = sweep.cpus.flatMap((cpus, i) =>
      sweep.strategies.flatMap((strategy, j) => {
        const v = m.value(sweep.runs[i * sweep.strategies.length + j] as RunResult);
        return v === undefined ? [] : [{ cpus, strategy, [axis.field]: axis.scale(v) }];
      }),
    );
    return {
      title: `${m.title} against CPUs`,
      width: WIDTH - 200,
      height: 260,
      data: { values },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'cpus', type: 'quantitative', title: 'CPUs (log scale)', scale: { type: 'log', base: 2, nice: false }, axis: { values: [...sweep.cpus] } },
        y: { field: axis.field, type: 'quantitative', title: axis.title },
        color: { field: 'strategy', type: 'nominal', sort: [...sweep.strategies], title: 'strategy' },
      },
    };
  });
}

export function burstChart(r: BurstResult): TopLevelSpec {
  const entries = Object.entries(r.results);
  if (r.hung > 0) entries.push(['never returned', r.hung]);
  const values = entries.map(([k, calls]) => ({ result: resultName(k), calls }));
  return {
    title: `what ${r.requests} concurrent finit_module calls returned (${r.strategy})`,
    width: WIDTH - 200,
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'result', type: 'nominal', sort: values.map((v) => v.result), title: null },
      x: { field: 'calls', type: 'quantitative', title: 'calls' },
      color: { field: 'result', type: 'nominal', legend: null, scale: resultScale(Object.keys(r.results)) },
    },
  };
}

export function checkChart(results: readonly TimedCheck[]): TopLevelSpec {
  const values = results.map(({ report }) => ({
    strategy: report.strategy,
    states: report.statesExplored,
    verdict: Object.values(report.invariants).includes('violated') ? 'a guarantee violated' : 'every guarantee holds',
  }));
  return {
    title: 'states explored per strategy',
    width: WIDTH - 200,
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'strategy', type: 'nominal', sort: values.map((v) => v.strategy), title: null },
      x: { field: 'states', type: 'quantitative', title: 'states explored' },
      color: {
        field: 'verdict',
        type: 'nominal',
        title: null,
        scale: { domain: ['every guarantee holds', 'a guarantee violated'], range: ['#2e7d32', '#d62728'] },
      },
    },
  };
}

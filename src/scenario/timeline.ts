/**
 * What the HTML report draws, recorded only when a report asks for it:
 * every load syscall as a span from request to return on the process that
 * made it (a udev worker), and the module area and vmalloc in use over
 * time. Both come from the kernel's observer events, so a run that does not
 * record pays nothing; memory is sampled at every module state change,
 * init call and load syscall entry and return, and only when it changed.
 */
import type { Kernel } from '../kernel/index.js';
import type { Ns } from '../sim/index.js';

/** One finit_module/init_module call. */
export interface LoadSpan {
  /** The calling process: `udev-worker-12`. */
  readonly worker: string;
  readonly module: string;
  readonly requestNs: Ns;
  readonly returnNs: Ns;
  /** "0" for success, else the errno name. */
  readonly result: string;
}

export interface MemorySample {
  readonly timeNs: Ns;
  /** Final module images (the module area, MODULES_VADDR..MODULES_END). */
  readonly moduleAreaBytes: number;
  /** Read copies and decompressed images in vmalloc space. */
  readonly vmallocBytes: number;
}

export interface RunTimeline {
  /** In the order the calls returned. */
  readonly loads: LoadSpan[];
  /** In time order, from the first sample at 0 ns. */
  readonly memory: MemorySample[];
}

/** Starts recording `kernel`'s loads and memory; the timeline fills as the simulation runs. */
export function recordTimeline(kernel: Kernel): RunTimeline {
  const loads: LoadSpan[] = [];
  const memory: MemorySample[] = [{ timeNs: 0, moduleAreaBytes: kernel.moduleArea.used, vmallocBytes: kernel.stats.vmallocBytes }];
  const open = new Map<number, { worker: string; module: string; requestNs: Ns }>();
  const sample = (timeNs: Ns): void => {
    const moduleAreaBytes = kernel.moduleArea.used;
    const vmallocBytes = kernel.stats.vmallocBytes;
    const same = (m: MemorySample): boolean => m.moduleAreaBytes === moduleAreaBytes && m.vmallocBytes === vmallocBytes;
    if (same(memory[memory.length - 1] as MemorySample)) return;
    // Several changes at one instant: keep the last, so the curve has one value per time.
    if (memory.length > 1 && (memory[memory.length - 1] as MemorySample).timeNs === timeNs) {
      memory.pop();
      if (same(memory[memory.length - 1] as MemorySample)) return;
    }
    memory.push({ timeNs, moduleAreaBytes, vmallocBytes });
  };
  const isLoad = (call: string): boolean => call === 'finit_module' || call === 'init_module';
  kernel.observe({
    syscallEntry(e) {
      if (isLoad(e.call)) open.set(e.request, { worker: e.process.name, module: e.module, requestNs: e.time });
      sample(e.time);
    },
    syscallReturn(e) {
      const start = open.get(e.request);
      if (start !== undefined) {
        open.delete(e.request);
        loads.push({ ...start, returnNs: e.time, result: String(e.result) });
      }
      sample(e.time);
    },
    transition: (e) => sample(e.time),
    init: (e) => sample(e.time),
  });
  return { loads, memory };
}

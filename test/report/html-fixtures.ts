/** Small burst and check reports as HTML, for the browser test and the byte-identity test. */
import { checkStrategy } from '../../src/check/checker.js';
import { render } from '../../src/report/formats.js';
import { runBurst } from '../../src/scenario/burst.js';

export async function renderBurstAndCheck(): Promise<{ burst: string; check: string }> {
  const result = runBurst({ strategy: 'merge', requests: 16, cpus: 4, init: 'ENODEV', thenRetry: true });
  const report = checkStrategy({ strategy: 'v5.2', requests: 2, modules: 1 });
  return {
    burst: await render({ kind: 'burst', result }, 'html'),
    check: await render({ kind: 'check', run: { results: [{ report, seconds: 1 }], detailed: true, withTraces: true }, all: false, timings: false }, 'html'),
  };
}

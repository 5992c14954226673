/**
 * The engine against queueing theory: the benchmark's M/M/c model, run
 * small, must show the mean queueing delay Erlang's C formula predicts.
 */
import { describe, expect, it } from 'vitest';
import { erlangCWait, runMmc } from '../../bench/sim/mmc.js';

describe('M/M/c on the engine', () => {
  it.each([
    [1, 0.5],
    [8, 0.8],
  ])('c=%i, utilisation %f: mean wait within 5%% of Erlang C', (servers, utilisation) => {
    const meanServiceNs = 1_000_000;
    const r = runMmc({ customers: 200_000, servers, meanServiceNs, utilisation, seed: 3 });
    const expected = erlangCWait(servers, utilisation, meanServiceNs);
    expect(r.steps).toBe(3 * 200_000 + 1); // source start + per customer: arrival delay, start, CPU end
    expect(Math.abs(r.meanWaitNs - expected) / expected).toBeLessThan(0.05);
  });
});

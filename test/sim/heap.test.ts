import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimEvent } from '../../src/sim/event.js';
import { EventHeap } from '../../src/sim/heap.js';

type Op = { op: 'push'; time: number } | { op: 'pop' } | { op: 'remove'; pick: number };

describe('event heap', () => {
  it('pops in (time, seq) order, and collects the earliest instant, under any mix of pushes, pops and removals', () => {
    const op = fc.oneof(
      fc.record({ op: fc.constant('push' as const), time: fc.integer({ min: 0, max: 20 }) }),
      fc.record({ op: fc.constant('pop' as const) }),
      fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops: Op[]) => {
        const heap = new EventHeap();
        let model: SimEvent[] = []; // what the heap should hold, kept sorted
        let seq = 0;
        const order = (a: SimEvent, b: SimEvent) => a._time - b._time || a._seq - b._seq;
        for (const o of ops) {
          if (o.op === 'push') {
            const ev = new SimEvent(null);
            ev._time = o.time;
            ev._seq = seq++;
            heap.push(ev);
            model = [...model, ev].sort(order);
          } else if (o.op === 'pop' && model.length > 0) {
            expect(heap.top()).toBe(model[0]);
            const ev = heap.pop();
            expect(ev).toBe(model.shift());
            expect(ev._index).toBe(-1);
          } else if (o.op === 'remove' && model.length > 0) {
            const ev = model[o.pick % model.length] as SimEvent;
            heap.remove(ev);
            expect(ev._index).toBe(-1);
            model = model.filter((e) => e !== ev);
          }
          expect(heap.size).toBe(model.length);
          // collect: every event at the earliest time, whatever the heap's shape.
          const first = model[0];
          if (first !== undefined) {
            const due: SimEvent[] = [];
            heap.collect(first._time, due);
            expect(due.sort(order)).toEqual(model.filter((e) => e._time === first._time));
          }
        }
        while (model.length > 0) expect(heap.pop()).toBe(model.shift());
        expect(heap.top()).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});

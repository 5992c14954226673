/** One sweep worker thread: runs the scenarios it is sent, one at a time, and sends each result back. */
import { parentPort } from 'node:worker_threads';
import { runScenario } from './run.js';
import type { Scenario } from './scenario.js';
import type { SweepReply } from './sweep.js';

const port = parentPort;
if (port === null) throw new Error('sweep-worker runs only as a worker thread');
port.on('message', ({ index, scenario }: { index: number; scenario: Scenario }) => {
  let reply: SweepReply;
  try {
    reply = { index, result: runScenario(scenario) };
  } catch (error) {
    reply = { index, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  port.postMessage(reply);
});

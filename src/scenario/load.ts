/**
 * Reading a scenario file: YAML or JSON (JSON is read as the YAML it also
 * is), with every schema error pointed at its line.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { UserError } from '../errors.js';
import type { ScenarioOrigin } from './problems.js';

export interface ScenarioFile {
  /** The parsed content, not yet validated. */
  readonly input: unknown;
  readonly origin: ScenarioOrigin;
}

export function readScenarioFile(path: string): ScenarioFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`${path}: cannot read the scenario file (${code ?? String(error)})`);
  }
  return parseScenarioText(text, path);
}

export function parseScenarioText(text: string, file: string): ScenarioFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const first = doc.errors[0];
  if (first !== undefined) {
    const where = `${file}:${lineCounter.linePos(first.pos[0]).line}`;
    throw new UserError(`${where}: not valid YAML or JSON: ${first.message.split('\n')[0] ?? first.message}`);
  }
  const input: unknown = doc.toJS() ?? {};
  const lineOf = (path: readonly PropertyKey[]): number | undefined => {
    // The nearest node that exists: an unknown key's own line, or its parent's.
    for (let n = path.length; n >= 0; n--) {
      const node: unknown = doc.getIn(path.slice(0, n) as unknown[], true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  return { input, origin: { file, lineOf, baseDir: dirname(resolve(file)) } };
}

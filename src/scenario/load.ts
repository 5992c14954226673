/**
 * Reading a scenario file: YAML or JSON (JSON is read as the YAML it also
 * is), with every schema error pointed at its line.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { UserError } from '../errors.js';
import type { ScenarioOrigin } from './problems.js';

export interface ScenarioFile {
  /** The parsed content, not yet validated. */
  readonly input: unknown;
  readonly origin: ScenarioOrigin;
}

/** 64 MiB: six times the largest scenario the model runs (100,000 devices with PCI MODALIASes, 11 MB). */
export const MAX_SCENARIO_BYTES = 64 * 2 ** 20;

export function readScenarioFile(path: string): ScenarioFile {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_SCENARIO_BYTES) throw new UserError(`${path}: the scenario file is ${size} bytes; at most ${MAX_SCENARIO_BYTES} bytes are read`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`${path}: cannot read the scenario file (${code ?? String(error)})`);
  }
  return parseScenarioText(text, path);
}

/**
 * How many alias expansions a scenario may make: the yaml library's own
 * default, which no hand-written scenario comes near and which stops a
 * "billion laughs" file long before it exhausts memory.
 */
export const MAX_YAML_ALIASES = 100;

function toPlainData(doc: Document, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) ?? {};
  } catch (error) {
    // yaml throws a ReferenceError for an alias bomb (and for an alias to a later anchor).
    if (error instanceof ReferenceError) {
      throw new UserError(
        /Excessive alias count/.test(error.message)
          ? `${file}: YAML aliases expand more than ${MAX_YAML_ALIASES} times (an alias bomb); write the values out`
          : `${file}: not valid YAML: ${error.message}`,
      );
    }
    throw error;
  }
}

export function parseScenarioText(text: string, file: string): ScenarioFile {
  const lineCounter = new LineCounter();
  // logLevel 'error': a collection used as a key is refused as an unknown field, not also warned about on stderr by the library.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, logLevel: 'error' });
  const first = doc.errors[0];
  if (first !== undefined) {
    const where = `${file}:${lineCounter.linePos(first.pos[0]).line}`;
    throw new UserError(`${where}: not valid YAML or JSON: ${first.message.split('\n')[0] ?? first.message}`);
  }
  const input: unknown = toPlainData(doc, file);
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

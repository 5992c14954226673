/**
 * How a file's problems are reported: each bad field by its path (and line,
 * when the file is known), all of them in one message.
 */
import type { z } from 'zod';
import { UserError } from '../errors.js';

/** Where a scenario came from, for error messages and relative paths. */
export interface ScenarioOrigin {
  /** Named in every error message (a file name, or e.g. 'flags'). */
  readonly file?: string | undefined;
  /** The source line of a field, if known. */
  readonly lineOf?: ((path: readonly PropertyKey[]) => number | undefined) | undefined;
  /** Relative `modules.dir` paths resolve against it. */
  readonly baseDir?: string | undefined;
}

export interface Problem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** zod's issues as problems: each unknown key on its own, with the schema's message. */
export function schemaProblems(issues: readonly z.core.$ZodIssue[]): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      // A strict object with its own message names what is known ("unknown kernel cost; known: ...").
      const message = issue.message.startsWith('Unrecognized key') ? 'unknown field' : issue.message;
      for (const key of issue.keys) problems.push({ path: [...issue.path, key], message });
    } else {
      problems.push({ path: issue.path, message: issue.message });
    }
  }
  return problems;
}

/** A path segment as written, or quoted when a YAML key holds spaces, newlines or nothing (it must stay one line). */
const segment = (k: PropertyKey): string => {
  const text = String(k);
  return /^[^\s"]+$/.test(text) ? text : JSON.stringify(text);
};

/** `file:line: field.path: message` (a warning's line, or one of an error's). */
export function problemLine(p: Problem, origin: ScenarioOrigin): string {
  const field = p.path.length === 0 ? '(top level)' : p.path.map(segment).join('.');
  const line = origin.lineOf?.(p.path);
  const where = origin.file === undefined ? '' : line === undefined ? `${origin.file}: ` : `${origin.file}:${line}: `;
  return `${where}${field}: ${p.message}`;
}

/** One UserError for every problem; `what` names the input when there is no file ('scenario', 'profile'). */
export function problemError(problems: readonly Problem[], origin: ScenarioOrigin, what = 'scenario'): UserError {
  const lines = problems.map((p) => problemLine(p, origin));
  const head = lines.length === 1 ? '' : `${origin.file === undefined ? what : origin.file}: ${lines.length} problems:\n  `;
  return new UserError(head + lines.join('\n  '));
}

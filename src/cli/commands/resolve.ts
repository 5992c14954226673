/**
 * `modstorm resolve MODALIAS...`: the modules kmod would load for each
 * modalias (udev's `kmod load $MODALIAS`), read from a modules directory's
 * text indexes — by default the embedded Debian 6.1 tree.
 */
import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { loadModulesDir } from '../../userspace/kmod/index.js';

/** data/ sits three levels above both src/cli/commands and dist/cli/commands. */
export const EMBEDDED_MODULES_DIR = fileURLToPath(new URL('../../../data/linux-6.1.0-56-amd64', import.meta.url));

export interface ResolveOptions {
  modulesDir?: string;
  /** modprobe.d files or directories. */
  config?: string[];
  json?: boolean;
}

export function runResolve(modaliases: string[], options: ResolveOptions, out: (line: string) => void): void {
  const index = loadModulesDir(options.modulesDir ?? EMBEDDED_MODULES_DIR, { config: options.config ?? [] });
  const results = modaliases.map((m) => [m, index.resolve(m)] as const);
  if (options.json) {
    out(JSON.stringify(Object.fromEntries(results), null, 2));
    return;
  }
  for (const [modalias, modules] of results) {
    out(modalias);
    if (modules.length === 0) out('  (no module)');
    for (const m of modules) out(`  ${m}`);
  }
}

export function registerResolve(program: Command): void {
  program
    .command('resolve')
    .description('print the modules kmod would load for each modalias, in the order it loads them')
    .argument('<modalias...>', 'modaliases (or module names) to resolve')
    .option('--modules-dir <dir>', 'directory with modules.dep/.alias/.symbols/.softdep/.builtin (default: the embedded Debian 6.1 tree)')
    .option('--config <path...>', 'modprobe.d files or directories to apply (aliases, blacklist, ...)')
    .option('--json', 'print {"<modalias>": ["module", ...]}')
    .action((modaliases: string[], opts: ResolveOptions) => {
      runResolve(modaliases, opts, (l) => process.stdout.write(`${l}\n`));
    });
}

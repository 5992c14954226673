/**
 * `modstorm modinfo FILE.ko[.xz|.zst|.gz]...`: what kmod's `modinfo` prints
 * for module files — the .modinfo strings, the signature and the
 * parameters — read from compressed modules as well.
 */
import { isAbsolute } from 'node:path';
import type { Command } from 'commander';
import { modinfoText, moduleSignature, parseModinfo, readModuleImage } from '../../userspace/kmod/index.js';

export interface ModinfoFlags {
  field?: string;
}

/** kmod_module_new_from_path() makes the path absolute against the cwd without normalising it. */
function kmodFilename(path: string): string {
  return isAbsolute(path) ? path : `${process.cwd()}/${path}`;
}

export function modinfoCommand(files: readonly string[], flags: ModinfoFlags, out: (line: string) => void): void {
  for (const file of files) {
    const image = readModuleImage(file);
    const lines = modinfoText(kmodFilename(file), parseModinfo(image, file), moduleSignature(image), { field: flags.field });
    for (const line of lines) out(line);
  }
}

export function registerModinfo(program: Command): void {
  program
    .command('modinfo')
    .description("print what kmod's modinfo prints for module files (.ko, .ko.xz, .ko.zst, .ko.gz)")
    .argument('<file...>', 'module files')
    .option('-F, --field <field>', 'print only this field (filename, parm, license, alias, sig_key, ...)')
    .action((files: string[], flags: ModinfoFlags) => {
      modinfoCommand(files, flags, (line) => process.stdout.write(`${line}\n`));
    });
}

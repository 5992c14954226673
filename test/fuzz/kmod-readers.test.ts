/**
 * The kmod index readers (modules.dep, .alias, .symbols, .builtin,
 * .softdep, modprobe.d) and the .modinfo ELF reader under arbitrary input,
 * truncation and mutation of the real Debian 6.1 files: they return, or
 * throw a UserError naming the file (and, for the text files, the line).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  indexFromTexts,
  parseAliasFile,
  parseModinfo,
  parseModprobeConfig,
  parseModulesBuiltin,
  parseModulesDep,
} from '../../src/userspace/kmod/index.js';
import { FC_PARAMS, expectFileAndLine, head, indexishText, textMutation, userErrorOf } from './helpers.js';

const DATA = join(import.meta.dirname, '..', '..', 'data', 'linux-6.1.0-56-amd64');
const KO = join(import.meta.dirname, '..', 'fixtures', 'ko');
const real = (f: string): string => head(readFileSync(join(DATA, f), 'utf8'), 300);

const READERS: readonly { file: string; parse: (text: string, file: string) => unknown }[] = [
  { file: 'modules.dep', parse: parseModulesDep },
  { file: 'modules.alias', parse: parseAliasFile },
  { file: 'modules.symbols', parse: parseAliasFile },
  { file: 'modules.builtin', parse: parseModulesBuiltin },
  { file: 'modules.softdep', parse: parseModprobeConfig },
];

describe.each(READERS)('$file reader', ({ file, parse }) => {
  const original = real(file);

  it('reads the real file', () => {
    expect(userErrorOf(() => parse(original, file))).toBeUndefined();
  });

  it('on arbitrary text returns or throws a UserError naming file and line', () => {
    fc.assert(
      fc.property(indexishText, (text) => {
        const error = userErrorOf(() => parse(text, file));
        if (error !== undefined) expectFileAndLine(error, file, text);
      }),
      FC_PARAMS,
    );
  });

  it('on the real file cut short or mutated returns or throws a UserError naming file and line', () => {
    fc.assert(
      fc.property(fc.array(textMutation, { minLength: 1, maxLength: 4 }), (edits) => {
        const text = edits.reduce((t, edit) => edit(t), original);
        const error = userErrorOf(() => parse(text, file));
        if (error !== undefined) expectFileAndLine(error, file, text);
      }),
      FC_PARAMS,
    );
  });
});

describe('modprobe.d reader', () => {
  const original = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'golden', 'modprobe.d', '10-modstorm.conf'), 'utf8');
  it('on the real file mutated returns or throws a UserError naming file and line', () => {
    fc.assert(
      fc.property(fc.array(textMutation, { minLength: 1, maxLength: 4 }), (edits) => {
        const text = edits.reduce((t, edit) => edit(t), original);
        const error = userErrorOf(() => parseModprobeConfig(text, '10-modstorm.conf'));
        if (error !== undefined) expectFileAndLine(error, '10-modstorm.conf', text);
      }),
      FC_PARAMS,
    );
  });
});

describe('the whole index', () => {
  it('built from mutated real files returns or throws a UserError, and every lookup of a read index returns', () => {
    const texts = {
      'modules.dep': real('modules.dep'),
      'modules.alias': real('modules.alias'),
      'modules.symbols': real('modules.symbols'),
      'modules.softdep': real('modules.softdep'),
      'modules.builtin': real('modules.builtin'),
    };
    const names = Object.keys(texts) as (keyof typeof texts)[];
    fc.assert(
      fc.property(fc.constantFrom(...names), textMutation, fc.string({ maxLength: 40 }), (which, edit, modalias) => {
        const mutated = { ...texts, [which]: edit(texts[which]) };
        let index: ReturnType<typeof indexFromTexts> | undefined;
        const error = userErrorOf(() => (index = indexFromTexts(mutated, '/m')));
        if (error !== undefined) expect(error.message).toMatch(/^\/m\/modules\.\w+ line \d+: /);
        if (index !== undefined) expect(Array.isArray(index.resolve(modalias))).toBe(true);
      }),
      { ...FC_PARAMS, numRuns: Math.ceil((FC_PARAMS.numRuns ?? 150) / 3) },
    );
  });
});

describe('.modinfo ELF reader', () => {
  const images = ['acpi-cpufreq.ko', 'pcc-cpufreq.ko'].map((f) => new Uint8Array(readFileSync(join(KO, f))));
  const check = (bytes: Uint8Array): void => {
    const error = userErrorOf(() => parseModinfo(bytes, 'x.ko'));
    if (error !== undefined) expect(error.message).toMatch(/^x\.ko: /);
  };

  it('on arbitrary bytes returns or throws a UserError naming the file', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), check), FC_PARAMS);
  });

  it('on an ELF header followed by arbitrary bytes returns or throws a UserError naming the file', () => {
    const header = images[0]!.slice(0, 64);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (rest) => check(new Uint8Array([...header, ...rest]))),
      FC_PARAMS,
    );
  });

  it('on a real module truncated or with bytes overwritten returns or throws a UserError naming the file', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...images),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        (image, cut, writes) => {
          const bytes = image.slice(0, (cut % image.length) + 1);
          for (const [at, b] of writes) bytes[at % bytes.length] = b;
          check(bytes);
        },
      ),
      FC_PARAMS,
    );
  });
});

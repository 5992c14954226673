/**
 * What kmod's `modinfo FILE` prints (kmod 30 tools/modinfo.c modinfo_do()):
 * `filename:`, every .modinfo string in section order, then the signature
 * fields kmod_module_get_info() appends (sig_id, signer, sig_key,
 * sig_hashalgo, signature), and last the `parm:` lines gathered from
 * `parm=` and `parmtype=`.
 */
import type { Modinfo } from './modinfo.js';
import type { ModuleSignature } from './signature.js';

export interface ModinfoTextOptions {
  /** `-F FIELD`: only that field's values, one a line, without the key. */
  readonly field?: string | undefined;
}

interface Param {
  readonly name: string;
  param: string | undefined;
  type: string | undefined;
}

/** Every key/value kmod_module_get_info() lists for the file, signature fields included. */
export function modinfoFields(info: Modinfo, signature: ModuleSignature | undefined): { key: string; value: string }[] {
  const fields = info.fields.map((f) => ({ key: f.key, value: f.value }));
  if (signature !== undefined) {
    fields.push(
      { key: 'sig_id', value: signature.idType },
      { key: 'signer', value: signature.signer },
      { key: 'sig_key', value: hexString(signature.keyId) },
      { key: 'sig_hashalgo', value: signature.hashAlgo },
      { key: 'signature', value: hexString(signature.signature) },
    );
  }
  return fields;
}

/** The lines kmod's modinfo prints for one file (`filename` as kmod shows it: made absolute, not normalised). */
export function modinfoText(filename: string, info: Modinfo, signature: ModuleSignature | undefined, options: ModinfoTextOptions = {}): string[] {
  const fields = modinfoFields(info, signature);
  const field = options.field;
  if (field === 'filename') return [filename];
  if (field === 'parm') return params(fields).map((p) => paramText(p));
  if (field !== undefined) return fields.filter((f) => f.key === field).map((f) => f.value);

  const out = [`${'filename:'.padEnd(16)}${filename}`];
  for (const f of fields) {
    if (f.key === 'parm' || f.key === 'parmtype') continue;
    // printf("%s:%-*s%s", key, 15 - keylen, "", value): a negative width is a left-justified positive one.
    out.push(`${f.key}:${' '.repeat(Math.abs(15 - f.key.length))}${f.value}`);
  }
  for (const p of params(fields)) out.push(`${'parm:'.padEnd(16)}${paramText(p, true)}`);
  return out;
}

/**
 * process_parm(): one entry per parameter name, `parm=` giving its text and
 * `parmtype=` its type; each new name goes to the head of kmod's list, so
 * the parameters print in reverse order of first appearance. A value
 * without ':' is skipped (kmod reports it on stderr).
 */
function params(fields: readonly { key: string; value: string }[]): Param[] {
  const list: Param[] = [];
  for (const f of fields) {
    if (f.key !== 'parm' && f.key !== 'parmtype') continue;
    const colon = f.value.indexOf(':');
    if (colon < 0) continue;
    const name = f.value.slice(0, colon);
    let p = list.find((x) => x.name === name);
    if (p === undefined) list.unshift((p = { name, param: undefined, type: undefined }));
    if (f.key === 'parm') p.param = f.value.slice(colon + 1);
    else p.type = f.value.slice(colon + 1);
  }
  return list;
}

/** modinfo_do() and modinfo_params_do() print a type-only parameter differently: `name:type` and `name: (type)`. */
function paramText(p: Param, full = false): string {
  if (p.param === undefined) return full ? `${p.name}:${p.type ?? ''}` : `${p.name}: (${p.type ?? ''})`;
  return p.type === undefined ? `${p.name}:${p.param}` : `${p.name}:${p.param} (${p.type})`;
}

/** kmod_module_hex_to_str(): `7C:C6:...`, a line break and two tabs after every 20 bytes. */
export function hexString(bytes: Uint8Array): string {
  let out = '';
  bytes.forEach((b, i) => {
    out += b.toString(16).toUpperCase().padStart(2, '0');
    if (i < bytes.length - 1) {
      out += ':';
      if ((i + 1) % 20 === 0) out += '\n\t\t';
    }
  });
  return out;
}

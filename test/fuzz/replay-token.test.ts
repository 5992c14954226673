/**
 * Replay tokens (`check --replay`) under arbitrary text and single-character
 * edits of a real token: decoding and replaying return, or throw a
 * UserError naming --replay; an edited token never decodes to another run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replayToken } from '../../src/check/checker.js';
import { decodeToken, encodeToken, type CheckConfig } from '../../src/check/config.js';
import { FC_PARAMS, userErrorOf } from './helpers.js';

const CONFIG: CheckConfig = { strategy: 'v5.3', requests: 2, modules: 1, init: 'failure', deleteModule: false, signal: false, selfLoad: false };
const TOKEN = encodeToken(CONFIG, [0, 1, 0, 1, 1, 0]);
const BASE64URL = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'];

describe('replay tokens', () => {
  it('the real token decodes to its run', () => {
    expect(decodeToken(TOKEN).config).toEqual(CONFIG);
  });

  it('arbitrary text decodes or is refused with a --replay line', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.stringMatching(/^[A-Za-z0-9_-]{0,80}$/)), (token) => {
        const error = userErrorOf(() => decodeToken(token));
        if (error !== undefined) expect(error.message).toMatch(/^--replay: /);
      }),
      FC_PARAMS,
    );
  });

  it('a token with one character changed, cut or added is refused, never replayed as another run', () => {
    const edit = fc.oneof(
      fc.tuple(fc.nat(), fc.constantFrom(...BASE64URL)).map(([at, c]) => (t: string) => t.slice(0, at % t.length) + c + t.slice((at % t.length) + 1)),
      fc.nat().map((at) => (t: string) => t.slice(0, at % t.length)),
      fc.tuple(fc.nat(), fc.constantFrom(...BASE64URL)).map(([at, c]) => (t: string) => t.slice(0, at % (t.length + 1)) + c + t.slice(at % (t.length + 1))),
    );
    fc.assert(
      fc.property(edit, (e) => {
        const token = e(TOKEN);
        if (token === TOKEN) return;
        const error = userErrorOf(() => replayToken(token, 200));
        expect(error?.message).toMatch(/^--replay: /);
      }),
      FC_PARAMS,
    );
  });
});

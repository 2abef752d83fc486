// The client's types hold: chatapi.js passes TypeScript's strict check of its JSDoc,
// and a program written against chatapi.d.ts (uses.ts) compiles, while one that
// misuses it (misuses.ts) does not. No node needed; run.sh runs this once.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const TSC = fileURLToPath(new URL('./node_modules/typescript/bin/tsc', import.meta.url));
const FLAGS = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--lib', 'es2022,dom'];

/** Runs tsc on `files`; returns its output and whether it passed. */
function tsc(...args) {
  try {
    return { ok: true, out: execFileSync(process.execPath, [TSC, ...FLAGS, ...args], { cwd: HERE, encoding: 'utf8' }) };
  } catch (err) {
    return { ok: false, out: `${err.stdout}${err.stderr}` };
  }
}

it('chatapi.js passes a strict check of its JSDoc types', () => {
  const { ok, out } = tsc('--allowJs', '--checkJs', '../../static/chatapi.js');
  assert.ok(ok, out);
});

it('a program using chatapi.d.ts compiles', () => {
  const { ok, out } = tsc('types/uses.ts');
  assert.ok(ok, out);
});

it('a program misusing it does not', () => {
  const { ok, out } = tsc('types/misuses.ts');
  assert.equal(ok, false);
  for (const line of ['misuses.ts(6', 'misuses.ts(8', 'misuses.ts(10']) assert.ok(out.includes(line), out);
});

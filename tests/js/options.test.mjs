// The option lists agree: the engine's own (options(), from the packed
// package as a user installs it), the worker API's TypeScript
// ComputeOptions (js/worker/client.d.ts, read with the TypeScript
// compiler) and the page's settings list (www/settings.js), which maps
// each URL-hash key to the engine option it sets.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';

import ts from 'typescript';

import { SETTINGS } from '../../www/settings.js';
import { installedProject, root } from './helpers.mjs';

/** The engine's options: [{ name, flag, description }]. */
let engine;

before(() => {
  const project = installedProject();
  writeFileSync(join(project, 'options.mjs'), "import { options } from 'activation-layer';\nconsole.log(JSON.stringify(options()));\n");
  engine = JSON.parse(execFileSync('node', ['options.mjs'], { cwd: project, encoding: 'utf8' }));
});

/** The member names of an interface declared in a .d.ts file. */
function interfaceKeys(path, name) {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const decl = source.statements.find((s) => ts.isInterfaceDeclaration(s) && s.name.text === name);
  assert.ok(decl, `${path} declares interface ${name}`);
  return decl.members.map((m) => m.name.getText(source));
}

const sorted = (names) => [...names].sort();
const engineNames = () => sorted(engine.map((o) => o.name));

test('the engine lists each run option once, with its CLI flag and a description, and not the snapshot file', () => {
  assert.ok(engine.length > 0);
  assert.equal(new Set(engine.map((o) => o.name)).size, engine.length);
  assert.ok(!engine.some((o) => o.name === 'snapshot'));
  for (const o of engine) {
    assert.match(o.name, /^[a-z]+([A-Z][a-z]+)*$/, 'camelCase');
    assert.match(o.flag, /^--[a-z]+(-[a-z]+)*$/, o.name);
    assert.ok(o.description.length > 10, `${o.name} has a description`);
  }
});

test('ComputeOptions in client.d.ts has the engine options, the two files and the layers asked for, nothing else', () => {
  const keys = interfaceKeys(join(root, 'js', 'worker', 'client.d.ts'), 'ComputeOptions');
  const notSettings = ['snapshot', 'users', 'unsegmented'];
  for (const k of notSettings) assert.ok(keys.includes(k), k);
  assert.deepEqual(sorted(keys.filter((k) => !notSettings.includes(k))), engineNames());
});

test("the page's settings set exactly the engine options, under the hash keys old links use", () => {
  assert.deepEqual(sorted(SETTINGS.map((s) => s.option)), engineNames());
  assert.deepEqual(Object.fromEntries(SETTINGS.map((s) => [s.key, s.option])), {
    grain: 'grain', ws: 'weekStart', tz: 'timezone', user: 'userColumn', time: 'timeColumn', unit: 'timeUnit',
    fmt: 'timeFormat', fcol: 'factColumn', fv: 'factValues', name: 'name', from: 'reportFrom', through: 'through',
    asof: 'asOf', skip: 'skipOverlap', rows: 'rows', maxrej: 'maxRejected',
    seg: 'segmentColumn', by: 'segmentBy', uid: 'usersIdColumn', maxseg: 'maxSegments', win: 'windows',
  });
});

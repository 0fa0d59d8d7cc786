// Shared by the JS tests: paths, the README snippets, and a project with
// the packed npm package installed from its tarball, as a user would.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const root = new URL('../../', import.meta.url).pathname;
export const cli = join(root, 'target', 'debug', 'activation');
export const specCsv = join(root, 'tests', 'data', 'spec_example.csv');

/** The code of the README block after `<!-- snippet: NAME -->`. */
export function snippet(name) {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const re = new RegExp(`<!-- snippet: ${name} -->\\s*\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``);
  const m = readme.match(re);
  if (!m) throw new Error(`README has no snippet ${name}`);
  return m[1];
}

/** A fresh project with the package installed from `npm pack ./pkg`. */
export function installedProject() {
  const dir = mkdtempSync(join(tmpdir(), 'activation-pkg-'));
  execFileSync('npm', ['pack', join(root, 'pkg'), '--pack-destination', dir, '--silent'], { stdio: 'pipe' });
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', join(dir, tarball)], { cwd: dir, stdio: 'pipe' });
  copyFileSync(specCsv, join(dir, 'events.csv'));
  return dir;
}

/** Runs the CLI; returns stdout. */
export function runCli(args) {
  return execFileSync(cli, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

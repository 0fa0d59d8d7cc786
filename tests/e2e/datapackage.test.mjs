// "Download all" (SPEC section 14, issue 19): one .zip made in the browser
// holds the files the CLI writes for the same run, byte for byte: every
// table in the chosen format, the snapshot, the quality report and
// datapackage.json; the zips of CSV and of Parquet tables, of a run and of
// a split's segmented layer. Unzipped (by Python's zipfile, not by the
// library that zipped them), each directory is then a data package the
// Frictionless validator accepts (tests/datapackage/validate.py --dir),
// when a Python with frictionless[parquet] and fastparquet is there: the project's
// .venv (make setup-python) or ACTIVATION_PYTHON. Without one the check is
// skipped, saying why, unless ACTIVATION_REQUIRE_FRICTIONLESS=1 (make test)
// makes it fail.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';

import { cli, done, downloadBytes, open, platformCsv, root, runCli, tmp, useSite } from './site.mjs';

useSite();

const venv = join(root, '.venv', 'bin', 'python');
const python = process.env.ACTIVATION_PYTHON ?? (existsSync(venv) ? venv : 'python3');
// What validate.py imports, and what frictionless reads Parquet with.
const probe = spawnSync(python, ['-c', 'import frictionless, fastparquet, pyarrow.parquet'], { encoding: 'utf8' });
/** Why the validator cannot run here (null: it can). */
const noValidator = probe.status === 0 ? null
  : `${python} cannot import frictionless[parquet] and fastparquet (make setup-python installs them): ${(probe.stderr || probe.error?.message || '').trim().split('\n').at(-1)}`;
const required = process.env.ACTIVATION_REQUIRE_FRICTIONLESS === '1';

/** The directories unzipped by the first test, for the validator. */
const unzipped = [];

/**
 * The CLI's run directory of `facts` with `args`, run beside the facts and naming them by
 * file name alone, as the page names them (the quality report lists the files read).
 */
function cliDir(facts, args, name) {
  const out = join(tmp, `cli-${name}`);
  runCli(['run', ...facts.map((f) => basename(f)), '--out', out, '--quiet', ...args], dirname(facts[0]));
  return out;
}

/**
 * A Download all button, clicked or, given `key`, pressed from the keyboard once focused;
 * returns the zip's name and the directory it unzips to.
 */
async function downloadZip(page, testid, key = null) {
  let zip;
  if (key) {
    await page.getByTestId(testid).focus();
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press(key)]);
    const path = join(tmp, download.suggestedFilename());
    await download.saveAs(path);
    zip = { name: download.suggestedFilename(), path };
  } else zip = await downloadBytes(page, testid);
  const dir = join(tmp, `zip-${zip.name.replace(/\.zip$/, '')}`);
  execFileSync('python3', ['-m', 'zipfile', '-e', zip.path, dir]);
  unzipped.push(dir);
  return { name: zip.name, dir };
}

/** The two directories hold the same files, byte for byte. */
function sameFiles(dir, expected, label) {
  const names = readdirSync(dir).sort();
  assert.deepEqual(names, readdirSync(expected).sort(), `${label}: the same files`);
  assert.ok(names.includes('datapackage.json'), `${label}: a data package`);
  for (const name of names) {
    assert.ok(readFileSync(join(dir, name)).equals(readFileSync(join(expected, name))), `${label}: ${name} differs from the CLI's`);
  }
  return names;
}

test('Download all: one .zip of CSV or Parquet tables holds the CLI\'s files byte for byte, of a run and of a split\'s segments; focus stays on the button', async () => {
  // Generated Parquet facts, settings away from the defaults.
  const facts = join(tmp, 'shop.parquet');
  runCli(['generate', '--events', '20000', '--users', '1500', '--days', '120', '--seed', '11', '--event-kinds', '3', '--out', facts]);
  const settings = ['--grain', 'week', '--week-start', 'sunday', '--timezone', 'America/New_York', '--windows', '7,30'];
  const { page, check } = await open('ws=sunday&tz=America%2FNew_York&win=7%2C30');
  await page.getByTestId('facts-input').setInputFiles(facts);
  await done(page);

  // From the keyboard: the button is named for what it does, the zip comes, focus stays on the
  // button, and the note (a live region) says what the zip holds.
  assert.equal(await page.getByRole('button', { name: 'Download all as CSV (.zip)', exact: true }).getAttribute('data-testid'), 'download-all-csv');
  const csv = await downloadZip(page, 'download-all-csv', 'Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'download-all-csv');
  assert.equal(csv.name, 'shop_activation_weekly_csv.zip');
  const names = sameFiles(csv.dir, cliDir([facts], [...settings, '--format', 'csv'], 'all-csv'), 'CSV');
  assert.deepEqual(names, [
    'datapackage.json', 'shop_activation_weekly.csv', 'shop_activation_weekly_cohorts.csv', 'shop_activation_weekly_depth.csv',
    'shop_activation_weekly_quality.json', 'shop_activation_weekly_summary.csv', 'shop_activation_weekly_transitions.csv',
    'shop_activity_daily.csv', 'shop_firstlast.parquet',
  ]);
  assert.match(await page.getByTestId('download-all-note').textContent(), /^shop_activation_weekly_csv\.zip: 9 files, [\d.]+ (B|KB|MB)\.$/);

  const parquet = await downloadZip(page, 'download-all-parquet');
  assert.equal(parquet.name, 'shop_activation_weekly_parquet.zip');
  sameFiles(parquet.dir, cliDir([facts], settings, 'all-parquet'), 'Parquet');
  // The package describes the files it came with: each one's size and hash.
  const described = JSON.parse(readFileSync(join(parquet.dir, 'datapackage.json'), 'utf8'));
  assert.deepEqual(described.resources.map((r) => r.path).sort(), readdirSync(parquet.dir).filter((n) => n !== 'datapackage.json').sort());
  assert.deepEqual(described.activation.timezone, 'America/New_York');
  await check();

  // A split by platform: the segmented layer's zip is the CLI's split run (which writes that layer alone).
  const split = await open('through=2024-02-04&seg=platform');
  await split.page.getByTestId('facts-input').setInputFiles(platformCsv);
  await done(split.page);
  const segmented = await downloadZip(split.page, 'download-segmented-all-csv');
  assert.equal(segmented.name, 'spec_platform_by_platform_activation_weekly_csv.zip');
  sameFiles(segmented.dir, cliDir([platformCsv], ['--grain', 'week', '--through', '2024-02-04', '--segment-col', 'platform', '--format', 'csv'], 'split-csv'), 'split');
  await split.check();
});

test('the unzipped data packages pass the Frictionless validator (tests/datapackage/validate.py)', { skip: !required && noValidator ? noValidator : false }, () => {
  assert.equal(noValidator, null, `ACTIVATION_REQUIRE_FRICTIONLESS=1, but ${noValidator}`);
  assert.equal(unzipped.length, 3, 'the zips of the test before');
  const run = spawnSync(python, [join(root, 'tests', 'datapackage', 'validate.py'), '--cli', cli, ...unzipped.flatMap((d) => ['--dir', d])], { encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
  for (const dir of unzipped) assert.match(run.stdout, new RegExp(`^valid: ${dir}$`, 'm'));
});

// The checks every browser test ends with (tests/js/browser.mjs), shown to
// fail where they must: a page that fetches a file from another origin
// fails the same-origin check, a page whose file is missing (a 404 in the
// console) fails the error check, and a clean page passes both.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { assertNoErrors, assertSameOrigin, launch, openPage } from '../js/browser.mjs';
import { serve } from '../js/server.mjs';

let site;
let other; // the same files on another port: another origin
let browser;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'activation-guard-'));
  site = await serve(dir);
  other = await serve(dir);
  // An empty icon: no request for /favicon.ico.
  const page = (img) => `<!doctype html><html><head><link rel="icon" href="data:,"></head>
    <body><img src="${img}" onload="document.body.dataset.done = 'load'" onerror="document.body.dataset.done = 'error'"></body></html>`;
  writeFileSync(join(dir, 'pixel.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>');
  writeFileSync(join(dir, 'clean.html'), page('pixel.svg'));
  writeFileSync(join(dir, 'foreign.html'), page(`${other.url}pixel.svg`));
  writeFileSync(join(dir, 'missing.html'), page('no-such-file.svg'));
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (site) await site.close();
  if (other) await other.close();
});

/** Opens one of the pages; resolves when its image loaded or failed. */
async function visit(name) {
  const recorded = await openPage(browser);
  await recorded.page.goto(`${site.url}${name}`);
  await recorded.page.waitForFunction(() => document.body?.dataset.done);
  const done = await recorded.page.evaluate(() => document.body.dataset.done);
  await recorded.page.close();
  return { ...recorded, done };
}

test('a page that keeps to its origin, without errors, passes both checks', async () => {
  const { requests, errors, done } = await visit('clean.html');
  assert.equal(done, 'load');
  assert.deepEqual(requests, [`${site.url}clean.html`, `${site.url}pixel.svg`]);
  assertSameOrigin(requests, site.url);
  assertNoErrors(errors);
});

test('a request to another origin fails the same-origin check', async () => {
  const { requests, errors, done } = await visit('foreign.html');
  assert.equal(done, 'load', 'the foreign file was served');
  assert.ok(requests.includes(`${other.url}pixel.svg`), 'the request was recorded');
  assert.throws(() => assertSameOrigin(requests, site.url), (e) => {
    assert.match(e.message, /requests to other origins/);
    assert.deepEqual(e.actual, [`${other.url}pixel.svg`]);
    return true;
  });
  // Nothing else was wrong with the page.
  assertNoErrors(errors);
});

test('a missing file (a 404 in the console) fails the error check', async () => {
  const { requests, errors, done } = await visit('missing.html');
  assert.equal(done, 'error');
  assertSameOrigin(requests, site.url);
  assert.ok(errors.includes(`HTTP 404 GET ${site.url}no-such-file.svg`), JSON.stringify(errors));
  assert.ok(errors.some((e) => /Failed to load resource.*404/.test(e)), JSON.stringify(errors));
  assert.throws(() => assertNoErrors(errors), /page errors/);
});

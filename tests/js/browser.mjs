// Headless Debian Chromium through playwright-core, with the flags that
// work on this kind of machine (Playwright gives each launch a fresh
// profile directory), a record of every request and error, and the checks
// every browser test ends with: nothing asked of another origin, no error.
import assert from 'node:assert/strict';

import { chromium } from 'playwright-core';

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}

/**
 * A page that records every request URL and every error: uncaught
 * exceptions, console errors, and responses with an error status (a file
 * the page asks for and does not get, say a 404, is an error even when the
 * page carries on).
 */
export async function openPage(browser) {
  const page = await browser.newPage();
  const requests = [];
  const errors = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
  });
  return { page, requests, errors };
}

/** Fails when a request left `origin` (data: and blob: URLs stay in the page). */
export function assertSameOrigin(requests, origin) {
  const foreign = requests.filter((u) => !u.startsWith(`${new URL(origin).origin}/`) && !u.startsWith('data:') && !u.startsWith('blob:'));
  assert.deepEqual(foreign, [], 'requests to other origins');
}

/** Fails on any recorded error (see openPage). */
export function assertNoErrors(errors) {
  assert.deepEqual(errors, [], 'page errors');
}

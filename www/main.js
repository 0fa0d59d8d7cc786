// @ts-check
// The dashboard's entry: one engine (WASM in a Web Worker, through the package's worker API),
// the session holding files and runs, and the panels, the link and the theme wired to them.
import { createEngine } from 'activation-layer/worker';

import './style.css';
import * as activity from './panels/activity.js';
import * as barUsers from './panels/bar-users.js';
import * as charts from './charts.js';
import { applyDefs, learn } from './defs.js';
import { $ } from './dom.js';
import * as cohorts from './panels/cohorts.js';
import * as distributions from './panels/distributions.js';
import * as downloads from './panels/downloads.js';
import * as files from './panels/files.js';
import * as kpis from './panels/kpis.js';
import * as lifecycle from './panels/lifecycle.js';
import * as overview from './panels/overview.js';
import * as problem from './panels/problem.js';
import * as quality from './panels/quality.js';
import * as sankey from './panels/sankey.js';
import * as segments from './panels/segments.js';
import * as settings from './panels/settings.js';
import * as status from './panels/status.js';
import * as summaryTable from './panels/summary-table.js';
import * as timeline from './panels/timeline.js';
import { Session } from './session.js';
import { engineOptions, readHash, writeHash } from './settings.js';
import { shown, state } from './state.js';
import * as theme from './theme.js';

/**
 * @import { HashSettings } from './settings.js'
 * @import { Shown } from './state.js'
 *
 * @typedef {object} Panel  a part of the dashboard drawn from a run
 * @property {(shown: Shown) => void} [render]  its DOM
 * @property {(shown: Shown) => void} [draw]  its charts (drawn again when the theme changes)
 */

/**
 * In drawing order: the overview first, since charts size themselves to
 * the dashboard it makes visible (and the segments' cards).
 * @type {Panel[]}
 */
const PANELS = [overview, segments, kpis, summaryTable, quality, sankey, lifecycle, barUsers, activity, cohorts, distributions, timeline, downloads];

function show() {
  const s = shown();
  if (!s) return;
  const first = $('dashboard').hidden;
  for (const panel of PANELS) {
    panel.render?.(s);
    panel.draw?.(s);
  }
  applyDefs($('dashboard'));
  // On a phone the results are below the settings: bring the first ones into view.
  if (first && window.matchMedia('(max-width: 860px)').matches) $('statusbar').scrollIntoView({ behavior: 'smooth', block: 'start' });
}

function redrawCharts() {
  const s = shown();
  if (!s) return;
  charts.disposeAll();
  if (!$('dashboard').hidden) for (const panel of PANELS) panel.draw?.(s);
}

/** Draws every chart again (a view setting changed). */
function redraw() {
  const s = shown();
  if (s && !$('dashboard').hidden) for (const panel of PANELS) panel.draw?.(s);
}

/**
 * The link keeps the settings and the view: the segment shown, the metric compared, the
 * Sankey's and the power-user curve's periods, shares or counts, complete periods only, the
 * distributions' scale.
 */
function saveLink() {
  writeHash({ ...settings.read(), ...segments.read(), ...sankey.read(), ...activity.read(), ...lifecycle.read(), ...distributions.read() });
}

/** @param {HashSettings} link */
function applyLink(link) {
  settings.apply(link);
  segments.apply(link);
  sankey.apply(link);
  lifecycle.apply(link);
  distributions.apply(link);
}

const session = new Session([createEngine(), createEngine()], {
  status: status.set,
  error: problem.show,
  stale: overview.stale,
  busy: status.busy,
  progress: status.progress,
  files: files.render,
  // New columns may drop a mapping they lack: the link follows.
  inspected: () => { settings.fillColumns(); saveLink(); },
  mapping: settings.mapping,
  show,
  clear: overview.clear,
  options: () => engineOptions(settings.read()),
});

theme.init(redrawCharts);
applyLink(state.pending);
files.init(session);
settings.init({
  changed: () => { saveLink(); session.runSoon(); },
  submitted: () => { saveLink(); session.run(true); },
});
sankey.init(shown, saveLink);
activity.init(shown, saveLink);
lifecycle.init(shown, () => { saveLink(); redraw(); });
distributions.init(shown, saveLink);
cohorts.init(shown);
overview.init();
segments.init(shown, { select: (filter) => session.showSegment(filter), changed: saveLink });
barUsers.init();
timeline.init(shown);
downloads.init(shown);
$('cancel-button').addEventListener('click', () => session.cancel());

// The skip link moves focus to the results, and leaves the link's settings in the hash.
$('skip-link').addEventListener('click', (e) => {
  e.preventDefault();
  $('results').focus();
});

window.addEventListener('hashchange', () => {
  // An in-page anchor is no setting: the hash gets the settings back, and nothing recomputes.
  if (!location.hash.includes('=')) {
    saveLink();
    return;
  }
  const link = readHash();
  // A copy: the form takes its pending settings one by one as the files offer them.
  state.pending = { ...link };
  applyLink(link);
  if (state.infos.length) settings.fillColumns();
  if (state.current || state.sources.length) session.run();
});

status.set('idle', 'Choose fact files or try the demo.');
session.dictionary.then((dict) => {
  learn(dict);
  applyDefs(document);
  show();
}, (e) => status.set('error', `the engine did not start: ${e.message}`));

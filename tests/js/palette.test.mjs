// The dashboard's colours stay apart for colour-blind readers: every pair
// of colours one chart draws series in differs by at least MIN_DELTA_E
// (CIEDE2000) in normal vision and simulated deuteranopia, protanopia and
// tritanopia (Machado, Oliveira and Fernandes 2009, full severity, as the
// culori library implements them), in the light and the dark theme. The
// colours are read from www/style.css, where the page and its charts take
// them. A second channel (dashes, markers, decals) carries the series too;
// this test is about colour alone. Graphics also need 3:1 contrast against
// the card they are drawn on (WCAG 1.4.11).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  differenceCiede2000, filterDeficiencyDeuter, filterDeficiencyProt, filterDeficiencyTrit, parse, wcagContrast,
} from 'culori';

import { root } from './helpers.mjs';

const MIN_DELTA_E = 15;
const MIN_CONTRAST = 3;
/** Series drawn in the palette's colours before they repeat (with other dashes and markers). */
const SERIES = 6;

const css = readFileSync(join(root, 'www', 'style.css'), 'utf8');

/** The custom properties of the first rule whose selector is `selector`. */
function variables(selector) {
  const start = css.indexOf(`${selector} {`);
  assert.ok(start >= 0, `style.css has a rule ${selector}`);
  const body = css.slice(start, css.indexOf('}', start));
  return Object.fromEntries([...body.matchAll(/(--[\w-]+):\s*([^;]+);/g)].map((m) => [m[1], m[2].trim()]));
}

const THEMES = { light: variables(':root'), dark: { ...variables(':root'), ...variables(':root[data-theme="dark"]') } };

/** The sets of colours that share a chart, by CSS variable. */
const CHARTS = {
  'lifecycle, Sankey, timeline and legends (the states)': ['--c-new', '--c-retained', '--c-reactivated', '--c-churned'],
  'active users and quick ratio': ['--c-active', '--c-quick'],
};

const VISIONS = {
  normal: (c) => c,
  deuteranopia: filterDeficiencyDeuter(1),
  protanopia: filterDeficiencyProt(1),
  tritanopia: filterDeficiencyTrit(1),
};

const deltaE = differenceCiede2000();

/** Every chart's colours of a theme: the fixed sets and the series palette. */
function sets(vars) {
  const out = Object.entries(CHARTS).map(([name, names]) => [name, names.map((n) => [n, vars[n]])]);
  const series = vars['--series'].split(',').map((c) => c.trim());
  assert.ok(series.length >= SERIES, `--series has ${SERIES} colours`);
  out.push(['compare lines, rolling activity and other series', series.slice(0, SERIES).map((c, i) => [`--series ${i + 1}`, c])]);
  return out;
}

/** The smallest difference between two colours of a set under one vision, and where. */
function closest(colours, see) {
  let min = { d: Infinity, pair: '' };
  for (let i = 0; i < colours.length; i++) {
    for (let j = i + 1; j < colours.length; j++) {
      const d = deltaE(see(parse(colours[i][1])), see(parse(colours[j][1])));
      if (d < min.d) min = { d, pair: `${colours[i][0]} ${colours[i][1]} / ${colours[j][0]} ${colours[j][1]}` };
    }
  }
  return min;
}

for (const [theme, vars] of Object.entries(THEMES)) {
  test(`${theme} theme: series colours differ by at least ${MIN_DELTA_E} (CIEDE2000) under deuteranopia, protanopia and tritanopia`, () => {
    const figures = [];
    for (const [chart, colours] of sets(vars)) {
      for (const [vision, see] of Object.entries(VISIONS)) {
        const { d, pair } = closest(colours, see);
        figures.push(`${chart}, ${vision}: ${d.toFixed(1)} (${pair})`);
        assert.ok(d >= MIN_DELTA_E, `${theme}, ${chart}, ${vision}: ${pair} differ by ${d.toFixed(1)}`);
      }
    }
    // The figures, for the record (node --test prints diagnostics).
    console.log(figures.join('\n'));
  });

  test(`${theme} theme: series colours stand out from the card (${MIN_CONTRAST}:1)`, () => {
    for (const [chart, colours] of sets(vars)) {
      for (const [name, colour] of colours) {
        const ratio = wcagContrast(colour, vars['--surface']);
        assert.ok(ratio >= MIN_CONTRAST, `${theme}, ${chart}: ${name} ${colour} on ${vars['--surface']} is ${ratio.toFixed(2)}:1`);
      }
    }
  });
}

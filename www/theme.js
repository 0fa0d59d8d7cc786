// @ts-check
// The colour theme: auto (the system's), light or dark, remembered in
// localStorage; the toggle in the top bar cycles through them.
import { $ } from './dom.js';

const THEMES = ['auto', 'light', 'dark'];
const KEY = 'activation-theme';
const media = window.matchMedia('(prefers-color-scheme: dark)');

function chosen() {
  try {
    return localStorage.getItem(KEY) || 'auto';
  } catch {
    return 'auto'; // storage is off (private mode)
  }
}

/** @param {() => void} changed  called when the resolved theme changes (charts take their colours from it) */
function apply(changed) {
  const choice = chosen();
  const resolved = choice === 'auto' ? (media.matches ? 'dark' : 'light') : choice;
  const differs = document.documentElement.dataset.theme !== resolved;
  document.documentElement.dataset.theme = resolved;
  $('theme-label').textContent = choice[0].toUpperCase() + choice.slice(1);
  $('theme-icon').textContent = choice === 'auto' ? '◐' : choice === 'dark' ? '☾' : '☀';
  // The name starts with the visible label (Auto, Light, Dark).
  $('theme-toggle').setAttribute('aria-label', `${$('theme-label').textContent} colour theme${choice === 'auto' ? ` (follows the system: ${resolved})` : ''}: change`);
  if (differs) changed();
}

/** @param {() => void} changed  called when the resolved theme changes */
export function init(changed) {
  apply(() => {});
  media.addEventListener('change', () => apply(changed));
  $('theme-toggle').addEventListener('click', () => {
    const next = THEMES[(THEMES.indexOf(chosen()) + 1) % THEMES.length];
    try { localStorage.setItem(KEY, next); } catch { /* private mode: the choice cannot be kept */ }
    apply(changed);
  });
}

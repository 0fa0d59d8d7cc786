// @ts-check
// The data card: the fact, users-table, snapshot and earlier-result inputs, the drop
// zones, the demo button, and the list of loaded files.
import { $ } from '../dom.js';
import { escapeHtml, fmtBytes, fmtInt } from '../format.js';
import { fileSource } from '../session.js';
import { state } from '../state.js';

/** @import { Session } from '../session.js' */

export function render() {
  const list = $('file-list');
  list.replaceChildren();
  /**
   * @param {string} name
   * @param {string} meta
   * @param {string} detail
   * @param {boolean} [bad]
   */
  const item = (name, meta, detail, bad = false) => {
    const li = document.createElement('li');
    if (bad) li.className = 'bad';
    li.innerHTML = `<span class="file-name">${escapeHtml(name)}</span> <span class="muted">${escapeHtml(meta)}</span>${detail ? `<br><span class="cols">${escapeHtml(detail)}</span>` : ''}`;
    list.append(li);
  };
  state.sources.forEach((s, i) => {
    const info = state.infos[i];
    if (info instanceof Error) item(s.name, fmtBytes(s.size), info.message, true);
    else if (info) item(s.name, `${fmtBytes(s.size)} · ${info.format} · ${fmtInt(info.rows)} rows`, `columns: ${info.columns.map((c) => c.name).join(', ')}`);
    else item(s.name, fmtBytes(s.size), 'reading…');
  });
  if (state.users) {
    const info = state.usersInfo;
    const size = fmtBytes(state.users.size);
    if (info instanceof Error) item(state.users.name, `${size} · users table`, info.message, true);
    else if (info) item(state.users.name, `${size} · users table · ${fmtInt(info.rows)} rows`, `columns: ${info.columns.map((c) => c.name).join(', ')}`);
    else item(state.users.name, `${size} · users table`, 'reading…');
  }
  if (state.snapshot) item(state.snapshot.name, `${fmtBytes(state.snapshot.size)} · snapshot`, 'history is resumed from this FirstLast snapshot');
  for (const f of state.history.files) item(f.name, `earlier ${f.layer === 'segmented' ? 'segmented ' : ''}${f.table} · ${fmtInt(f.rows)} rows`, '');
}

/** @param {Session} session */
export function init(session) {
  const facts = $('facts-input', HTMLInputElement);
  facts.addEventListener('change', () => {
    const files = [...facts.files ?? []];
    if (!files.length) return;
    session.setFacts(files.map(fileSource));
    // The list below names the files held: emptied, the input takes the same files again as a
    // new choice (a run cancelled, then its file chosen again, runs).
    facts.value = '';
  });
  const snapshot = $('snapshot-input', HTMLInputElement);
  snapshot.addEventListener('change', () => {
    const f = snapshot.files?.[0];
    session.setSnapshot(f ? fileSource(f) : null);
  });
  const history = $('history-input', HTMLInputElement);
  history.addEventListener('change', () => session.setHistory([...history.files ?? []]));
  const users = $('users-input', HTMLInputElement);
  users.addEventListener('change', () => {
    const f = users.files?.[0];
    session.setUsers(f ? fileSource(f) : null);
  });
  dropTarget($('users-dropzone'), (files) => {
    if (files[0]) session.setUsers(fileSource(files[0]));
  });

  const demo = $('demo-button', HTMLButtonElement);
  demo.addEventListener('click', async () => {
    // Not disabled while loading: focus stays on the button that started it.
    if (demo.getAttribute('aria-disabled') === 'true') return;
    demo.setAttribute('aria-disabled', 'true');
    // Choosing the same files again after the demo must still be a change.
    facts.value = '';
    users.value = '';
    await session.loadDemo(new URL('demo/demo_events.parquet', document.baseURI), new URL('demo/demo_users.parquet', document.baseURI));
    demo.removeAttribute('aria-disabled');
  });

  // A drop can mix all three kinds: they are told apart by the names the engine gives its outputs.
  dropTarget($('dropzone'), (files) => {
    const snap = files.find((f) => /firstlast/i.test(f.name));
    const earlier = files.filter((f) => /_(summary|transitions|cohorts|activity_daily|depth)\.(csv|parquet)$/i.test(f.name));
    const rest = files.filter((f) => f !== snap && !earlier.includes(f));
    // Facts first: a snapshot's run then waits for their columns.
    if (rest.length) session.setFacts(rest.map(fileSource));
    if (snap) session.setSnapshot(fileSource(snap));
    if (earlier.length) session.setHistory(earlier);
  });
}

/**
 * A zone files can be dropped on.
 * @param {HTMLElement} zone
 * @param {(files: File[]) => void} dropped
 */
function dropTarget(zone, dropped) {
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    dropped([...e.dataTransfer?.files ?? []]);
  });
}

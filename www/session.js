// @ts-check
// The session: the files, the engine's runs on them and the view merged over earlier results.
// Each piece of work takes a turn; a later turn makes it stale, and its results are dropped.
import { readRows, parseCsv } from './csv.js';
import { fmtInt } from './format.js';
import { state } from './state.js';

/**
 * @import { ComputeOptions, Dictionary, Engine, EngineResult, Progress, TableDoc } from 'activation-layer/worker'
 * @import { EarlierTable, History, Run, Source, View } from './state.js'
 */

/**
 * @typedef {'idle' | 'busy' | 'done' | 'error'} StatusKind
 *
 * @typedef {object} Page  what the session tells the page
 * @property {(kind: StatusKind, text: string) => void} status
 * @property {(busy: boolean) => void} busy
 * @property {(p: Progress) => void} progress
 * @property {() => void} files  the files, or what is known of them, changed
 * @property {() => void} inspected  the columns of every fact file are known
 * @property {() => void} show  state.current or state.view changed
 * @property {() => void} clear  there is no run to show
 * @property {() => ComputeOptions | { error: string }} options  what the settings ask for
 */

/** @type {EarlierTable[]} */
const EARLIER = ['summary', 'transitions', 'cohorts'];

/** Thrown by Turn.keep: the work was superseded. */
const STALE = new Error('superseded');

let turns = 0;

/** One piece of work (inspecting files, a run); starting another makes it stale. */
class Turn {
  constructor() {
    this.n = ++turns;
  }

  get stale() {
    return this.n !== turns;
  }

  /**
   * What `promise` gives, unless this turn went stale meanwhile: then the
   * value goes to `drop` and this throws STALE.
   * @template V
   * @param {Promise<V>} promise
   * @param {(value: V) => void} [drop]
   * @returns {Promise<V>}
   */
  async keep(promise, drop) {
    const value = await promise;
    if (this.stale) {
      drop?.(value);
      throw STALE;
    }
    return value;
  }
}

/** @param {EngineResult} result */
function release(result) {
  result.free().catch(() => {});
}

/** @param {Source} source */
async function bytesOf(source) {
  return { name: source.name, bytes: await source.read() };
}

/**
 * @param {File} file
 * @returns {Source}
 */
export function fileSource(file) {
  return { name: file.name, size: file.size, read: async () => new Uint8Array(await file.arrayBuffer()) };
}

/**
 * @param {string} name
 * @param {ArrayBuffer} buffer
 * @returns {Source}
 */
function bufferSource(name, buffer) {
  // The worker takes the bytes (transfer): every read hands it a fresh copy.
  return { name, size: buffer.byteLength, read: async () => new Uint8Array(buffer.slice(0)) };
}

/**
 * The grain of summary rows: the tables do not record it, so it is read
 * from the first period's length (period_end is its last day).
 * @param {{ period_start: string, period_end: string } | undefined} row
 */
function grainOf(row) {
  if (!row) return null;
  const days = (Date.parse(row.period_end) - Date.parse(row.period_start)) / 86400000;
  return days === 0 ? 'day' : days === 6 ? 'week' : 'month';
}

/**
 * @param {Dictionary} dict
 * @param {EarlierTable} table
 * @returns {TableDoc}
 */
function docOf(dict, table) {
  const doc = dict.tables.find((t) => t.table === table);
  if (!doc) throw new Error(`the data dictionary has no ${table} table`);
  return doc;
}

/** @param {unknown} e */
function messageOf(e) {
  return e instanceof Error ? e.message : String(e);
}

export class Session {
  /**
   * @param {Engine} engine
   * @param {Page} page
   */
  constructor(engine, page) {
    this.engine = engine;
    this.page = page;
    /** The inspection a run waits for. @type {Turn | null} */
    this.inspection = null;
    /** Cancels the run under way. @type {AbortController | null} */
    this.controller = null;
    this.timer = 0;
    /** @type {Promise<Dictionary>} */
    this.dictionary = engine.dictionary().then((dict) => (state.dictionary = dict));
  }

  /**
   * New fact files: inspected one by one (their columns fill the form), then run.
   * @param {Source[]} sources
   */
  async setFacts(sources) {
    const { page } = this;
    state.sources = sources;
    state.infos = [];
    const turn = new Turn();
    page.status('busy', sources.length ? 'reading files…' : 'no fact files');
    page.files();
    if (!sources.length) return;
    this.inspection = turn;
    page.busy(true);
    try {
      for (const s of sources) {
        try {
          state.infos.push(await this.engine.inspect(await bytesOf(s)));
        } catch (e) {
          state.infos.push(/** @type {Error} */ (e));
          page.files();
          throw e;
        }
      }
    } catch (e) {
      this.failed(turn, e, 'cancelled · choose files again to run');
      return;
    } finally {
      if (this.inspection === turn) this.inspection = null;
      if (!turn.stale) page.busy(false);
    }
    if (turn.stale) return;
    page.files();
    page.inspected();
    this.run();
  }

  /** @param {URL} url  the demo facts, a file of the site */
  async loadDemo(url) {
    new Turn(); // what runs now is not shown once the demo is asked for
    this.page.status('busy', 'loading the demo facts…');
    try {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`the demo file is missing (HTTP ${response.status}); build the site with make site`);
      await this.setFacts([bufferSource('demo_events.parquet', await response.arrayBuffer())]);
    } catch (e) {
      this.page.status('error', messageOf(e));
    }
  }

  /** @param {Source | null} source */
  setSnapshot(source) {
    state.snapshot = source;
    this.page.files();
    if (state.sources.length || state.snapshot) {
      this.page.status('busy', 'reading files…');
      this.run();
    }
  }

  /**
   * Earlier results: each file's table is the dictionary's table whose
   * columns it has; several files of one table are upserted by the engine.
   * @param {File[]} files
   */
  async setHistory(files) {
    const { engine, page } = this;
    /** @type {History} */
    const history = { bytes: {}, grain: null, files: [] };
    try {
      const dict = await this.dictionary;
      for (const file of files) {
        const raw = new Uint8Array(await file.arrayBuffer());
        // Parquet (downloads, a merged history) becomes the engine's CSV, which the charts read.
        const bytes = /\.parquet$/i.test(file.name) ? await engine.convertTable({ name: file.name, bytes: raw }, 'csv') : raw;
        const [header = [], ...records] = parseCsv(bytes);
        const table = EARLIER.find((t) => docOf(dict, t).columns.every((c) => header.includes(c.name)));
        if (!table) throw new Error(`${file.name}: not a summary, transitions or cohorts table (columns: ${header.join(', ')})`);
        const earlier = history.bytes[table];
        history.bytes[table] = earlier
          ? await engine.mergeTables(table, { name: 'earlier results', bytes: earlier }, { name: file.name, bytes })
          : bytes;
        history.files.push({ name: file.name, table, rows: records.length });
      }
      const summary = history.bytes.summary;
      history.grain = summary ? grainOf(readRows(summary, docOf(dict, 'summary'))[0]) : null;
    } catch (e) {
      page.status('error', messageOf(e));
      return;
    }
    state.history = history;
    page.files();
    if (state.current) {
      await this.merge(state.current);
      page.show();
      const n = history.files.length;
      page.status('done', `done · merged ${n} earlier table${n === 1 ? '' : 's'}`);
    }
  }

  /** A run after the settings settle (typing, several changes in a row). */
  runSoon() {
    clearTimeout(this.timer);
    if (state.sources.length || state.snapshot) this.page.status('busy', 'settings changed, computing…');
    this.timer = window.setTimeout(() => this.run(), 300);
  }

  async run() {
    const { engine, page } = this;
    clearTimeout(this.timer);
    // Files being inspected: setFacts() runs once their columns are known.
    if (this.inspection) return;
    if (!state.sources.length && !state.snapshot) {
      page.status('idle', 'Choose fact files or try the demo.');
      return;
    }
    const unreadable = state.infos.find((i) => i instanceof Error);
    if (unreadable) {
      page.status('error', unreadable.message);
      return;
    }
    const turn = new Turn();
    this.controller?.abort();
    this.controller = null;
    const options = page.options();
    if ('error' in options) {
      this.clear();
      page.status('error', options.error);
      return;
    }
    const controller = (this.controller = new AbortController());
    page.busy(true);
    page.status('busy', 'reading files…');
    const t0 = performance.now();
    try {
      const files = await turn.keep(Promise.all(state.sources.map(bytesOf)));
      if (state.snapshot) options.snapshot = await turn.keep(bytesOf(state.snapshot));
      const result = await turn.keep(engine.compute(files, options, {
        signal: controller.signal,
        onProgress: (p) => { if (!turn.stale) page.progress(p); },
      }), release);
      const [summary, transitions, cohorts, distributions, users, statesName, dict] = await turn.keep(Promise.all([
        result.table('summary', 'csv'),
        result.table('transitions', 'csv'),
        result.table('cohorts', 'csv'),
        result.distributions(),
        result.sampleUsers(300),
        result.tableName('states'),
        this.dictionary,
      ]), () => release(result));
      const previous = state.current;
      /** @type {Run} */
      const run = {
        result,
        csv: { summary, transitions, cohorts },
        transitions: readRows(transitions, docOf(dict, 'transitions')),
        cohorts: readRows(cohorts, docOf(dict, 'cohorts')),
        distributions,
        users,
        statesName,
        ms: performance.now() - t0,
      };
      state.current = run;
      if (previous) release(previous.result);
      await turn.keep(this.merge(run));
      page.show();
      const q = result.quality;
      // Null only for a split run resumed from a split snapshot, which the page does not make.
      const periods = (result.summary ?? []).length;
      page.status('done', `done · ${fmtInt(q.rows_used)} rows, ${fmtInt(q.total_users)} users, ${periods} ${result.grain}${periods === 1 ? '' : 's'} in ${(run.ms / 1000).toFixed(2)} s`);
    } catch (e) {
      // Cancelling stops the worker, and every result it held with it.
      this.failed(turn, e, 'cancelled · change a setting or press Compute to run again');
    } finally {
      if (!turn.stale) {
        page.busy(false);
        this.controller = null;
      }
    }
  }

  /** Stops the run, or the inspection, under way. */
  cancel() {
    if (this.controller) this.controller.abort();
    else if (this.inspection) this.engine.cancel();
  }

  /**
   * The view of `run`: its tables merged over the earlier results of its
   * grain by the engine (the same upsert by key as `activation merge`).
   * @param {Run} run
   */
  async merge(run) {
    const h = state.history;
    const { grain } = run.result;
    const summary = run.result.summary ?? [];
    /** @type {View} */
    const view = { summary, transitions: run.transitions, cohorts: run.cohorts, note: '' };
    if (h.files.length && (!h.grain || !summary.length || h.grain === grain)) {
      const dict = await this.dictionary;
      /**
       * @template R
       * @param {EarlierTable} table
       * @param {R[]} rows  the run's rows, when there are no earlier ones
       * @returns {Promise<R[]>}
       */
      const over = async (table, rows) => {
        const earlier = h.bytes[table];
        if (!earlier) return rows;
        const merged = await this.engine.mergeTables(table, { name: 'earlier results', bytes: earlier }, { name: 'this run', bytes: run.csv[table] });
        return readRows(merged, docOf(dict, table));
      };
      view.summary = await over('summary', summary);
      view.transitions = await over('transitions', run.transitions);
      view.cohorts = await over('cohorts', run.cohorts);
      view.note = `Showing ${view.summary.length} periods: ${view.summary.length - summary.length} from earlier results, ${summary.length} from this run (this run's rows replace earlier rows of the same period). Distributions, quality and downloads cover this run only.`;
    } else if (h.files.length) {
      view.note = 'The earlier results are of another grain and are not shown; choose their grain to see them.';
    }
    if (state.current === run) state.view = view;
  }

  /**
   * A turn that failed or was cancelled leaves nothing on screen, unless a
   * later turn has taken over.
   * @param {Turn} turn
   * @param {unknown} e
   * @param {string} cancelled  the status after a cancel
   */
  failed(turn, e, cancelled) {
    if (turn.stale) return;
    this.clear();
    if (e instanceof Error && e.name === 'AbortError') this.page.status('idle', cancelled);
    else this.page.status('error', messageOf(e));
  }

  clear() {
    if (state.current) release(state.current.result);
    state.current = null;
    state.view = null;
    this.page.clear();
  }
}

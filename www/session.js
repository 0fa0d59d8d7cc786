// @ts-check
// The session: the files, the engine's runs on them and the view merged over earlier results.
// Each piece of work takes a turn; a later turn makes it stale, and its results are dropped.
// The results on screen stay until a run replaces them: a run that fails or is cancelled
// leaves them, marked as not matching the form. Two engines (two workers) take turns, so
// that cancelling a run, which stops its worker, never takes the results on screen with it.
import { fillsWindow, parseCsv, readRows } from './csv.js';
import { fmtInt } from './format.js';
import { rowsOf, segmentKey } from './segment.js';
import { state } from './state.js';

/**
 * @import { ComputeOptions, Dictionary, Engine, EngineResult, LayerName, Progress, SegmentValue, TableDoc } from 'activation-layer/worker'
 * @import { EarlierTable, History, Run, SegmentRun, SegmentTables, Source, View } from './state.js'
 */

/**
 * @typedef {'merged' | 'other grain' | 'other windows'} Earlier  what became of the earlier rows of a
 *   table: merged under this run's, or not shown (of another grain; an activity table of other windows)
 */

/**
 * @typedef {'idle' | 'busy' | 'done' | 'error'} StatusKind
 *
 * @typedef {object} Page  what the session tells the page
 * @property {(kind: StatusKind, text: string) => void} status
 * @property {(error: unknown) => void} error  a run or a file failed: say so in the page's words, next to its field
 * @property {() => void} stale  the results on screen stopped (or started again) matching the form: see state.stale
 * @property {(busy: boolean) => void} busy
 * @property {(p: Progress) => void} progress
 * @property {() => void} files  the files, or what is known of them, changed
 * @property {() => void} inspected  the columns of every fact file (and of the users table) are known
 * @property {() => string | null} mapping  why the files need their columns chosen before a run (null: they do not)
 * @property {() => void} show  state.current or state.view changed
 * @property {() => void} clear  there is no run to show
 * @property {() => ComputeOptions | Error} options  what the settings ask for, or why they cannot be passed on
 */

/** The tables earlier results can hold, in the order a file's columns are matched against them. @type {EarlierTable[]} */
const EARLIER = ['summary', 'transitions', 'cohorts', 'activity', 'depth'];

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
 * The grain of depth rows (weekly and monthly runs only): a week has 7 days to be active on, a month 28 to 31.
 * @param {{ days_active: number }[]} rows
 */
function depthGrain(rows) {
  return rows.length ? (Math.max(...rows.map((r) => r.days_active)) === 7 ? 'week' : 'month') : null;
}

/**
 * Whether a CSV header has every column of a table of the dictionary (a
 * column named with the `{N}` placeholder by at least one window).
 * @param {TableDoc} doc
 * @param {string[]} header
 */
function hasColumns(doc, header) {
  return doc.columns.every((c) => header.some((h) => h === c.name || fillsWindow(c.name, h)));
}

/**
 * @param {Uint8Array} a
 * @param {Uint8Array} b
 */
function sameHeader(a, b) {
  return String(parseCsv(a, 0)[0]) === String(parseCsv(b, 0)[0]);
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

/**
 * What a view says of the earlier results of its layer.
 * @param {number} shown  periods on screen
 * @param {number} own  periods of this run
 * @param {(Earlier | null)[]} earlier  of each table of the layer (null: it has none)
 */
function historyNote(shown, own, earlier) {
  const notes = [];
  if (earlier.includes('merged')) {
    notes.push(shown > own
      ? `Showing ${shown} periods: ${shown - own} from earlier results, ${own} from this run (this run's rows replace earlier rows of the same period or day).`
      : "Earlier results are merged in (this run's rows replace earlier rows of the same period or day).");
    notes.push('Distributions, quality and downloads cover this run only.');
  }
  if (earlier.includes('other grain')) notes.push('Earlier results of another grain are not shown; choose their grain to see them.');
  if (earlier.includes('other windows')) notes.push("The earlier activity table has other rolling windows than this run's and is not shown.");
  return notes.join(' ');
}

/**
 * @param {EngineResult} result
 * @param {string} statesName  the segmented states table's file name
 * @returns {SegmentRun | null}
 */
function segmentRun(result, statesName) {
  const layer = result.segments;
  if (!layer) return null;
  const counts = layer.quality.segments;
  const largest = [...counts].sort((a, b) => b.users - a.users).map((c) => c.segment);
  return { layer, summary: layer.summary, values: counts.map((c) => c.segment), largest, statesName, tables: null };
}

export class Session {
  /**
   * @param {[Engine, Engine]} engines  two: a run goes to the one not holding the results on screen
   * @param {Page} page
   */
  constructor(engines, page) {
    this.engines = engines;
    this.page = page;
    /** The inspection a run waits for, and the engine doing it. @type {{ turn: Turn, engine: Engine } | null} */
    this.inspection = null;
    /** Cancels the run under way. @type {AbortController | null} */
    this.controller = null;
    this.timer = 0;
    /** @type {Promise<Dictionary>} */
    this.dictionary = engines[0].dictionary().then((dict) => (state.dictionary = dict));
    /** Bumped by each users table: an earlier one's inspection is then dropped. */
    this.usersTurn = 0;
    /** Bumped by every change of files: part of what a run is of. */
    this.files = 0;
    /** What the results on screen were computed from (their options and files), or ''. */
    this.shownKey = '';
    /** The status of the results on screen. */
    this.doneText = '';
  }

  /** The engine a run or an inspection goes to: not the one holding the results on screen. */
  spare() {
    const held = state.current?.engine;
    return this.engines.find((e) => e !== held) ?? this.engines[0];
  }

  /** The engine for merging and converting tables: the idle one holding the results, if any. */
  tools() {
    return state.current?.engine ?? this.spare();
  }

  /**
   * New fact files: inspected one by one (their columns fill the form), then run.
   * @param {Source[]} sources
   */
  async setFacts(sources) {
    const { page } = this;
    state.sources = sources;
    state.infos = [];
    this.files++;
    const turn = new Turn();
    page.status('busy', sources.length ? 'reading files…' : 'no fact files');
    page.files();
    if (!sources.length) return;
    const engine = this.spare();
    this.inspection = { turn, engine };
    page.busy(true);
    try {
      for (const s of sources) {
        try {
          state.infos.push(await engine.inspect(await bytesOf(s)));
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
      if (this.inspection?.turn === turn) this.inspection = null;
      if (!turn.stale) page.busy(false);
    }
    if (turn.stale) return;
    page.files();
    page.inspected();
    // Columns nothing detects: the page asks for them first, once.
    const mapping = page.mapping();
    if (mapping) {
      this.outdated('the results below are of other files');
      page.status('idle', mapping);
      return;
    }
    this.run();
  }

  /**
   * @param {URL} facts  the demo facts, a file of the site
   * @param {URL} users  the demo users table (plan, country), to break the demo down by
   */
  async loadDemo(facts, users) {
    new Turn(); // what runs now is not shown once the demo is asked for
    this.page.status('busy', 'loading the demo facts…');
    /** @param {URL} url */
    const load = async (url) => {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`the demo file ${url.pathname.split('/').pop()} is missing (HTTP ${response.status}); build the site with make site`);
      return bufferSource(url.pathname.split('/').pop() ?? 'demo', await response.arrayBuffer());
    };
    try {
      const [factsSource, usersSource] = await Promise.all([load(facts), load(users)]);
      // The users table first: its attributes are then offered when the facts' run starts.
      await this.setUsers(usersSource);
      await this.setFacts([factsSource]);
    } catch (e) {
      this.page.error(e);
    }
  }

  /**
   * A users table (or none): its columns fill the breakdown; a run follows
   * when a breakdown by one of its attributes is asked for, or was on screen.
   * @param {Source | null} source
   */
  async setUsers(source) {
    const { page } = this;
    const turn = ++this.usersTurn;
    state.users = source;
    state.usersInfo = null;
    this.files++;
    page.files();
    if (source) {
      /** @type {import('activation-layer/worker').FileInfo | Error} */
      let info;
      try {
        info = await this.spare().inspect(await bytesOf(source));
      } catch (e) {
        info = e instanceof Error ? e : new Error(String(e));
      }
      if (turn !== this.usersTurn) return;
      state.usersInfo = info;
      page.files();
    }
    page.inspected();
    const options = page.options();
    const partitioned = state.current?.segments?.layer.kind === 'user_attribute';
    if ((state.sources.length || state.snapshot) && ((!(options instanceof Error) && 'segmentBy' in options) || partitioned)) this.run();
  }

  /**
   * Shows one segment in every panel, or every user (null).
   * @param {{ value: SegmentValue } | null} filter
   */
  async showSegment(filter) {
    state.filter = filter;
    const run = state.current;
    if (!run) return;
    try {
      if (await this.view(run)) this.page.show();
    } catch (e) {
      this.page.error(e);
    }
  }

  /** @param {Source | null} source */
  setSnapshot(source) {
    state.snapshot = source;
    this.files++;
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
    const { page } = this;
    const engine = this.tools();
    /** @type {History} */
    const history = { bytes: { plain: {}, segmented: {} }, grain: null, files: [] };
    try {
      const dict = await this.dictionary;
      for (const file of files) {
        const raw = new Uint8Array(await file.arrayBuffer());
        // Parquet (downloads, a merged history) becomes the engine's CSV, which the charts read.
        const bytes = /\.parquet$/i.test(file.name) ? await engine.convertTable({ name: file.name, bytes: raw }, 'csv') : raw;
        const [header = [], ...records] = parseCsv(bytes);
        // A segmented layer's tables have a first column segment (SPEC section 11).
        const layer = header[0] === 'segment' ? 'segmented' : 'plain';
        const table = EARLIER.find((t) => hasColumns(docOf(dict, t), header));
        if (!table) throw new Error(`${file.name}: not a summary, transitions, cohorts, activity or depth table (columns: ${header.join(', ')})`);
        const earlier = history.bytes[layer][table];
        history.bytes[layer][table] = earlier
          ? await engine.mergeTables(table, { name: 'earlier results', bytes: earlier }, { name: file.name, bytes })
          : bytes;
        history.files.push({ name: file.name, table, layer, rows: records.length });
      }
      const summary = history.bytes.plain.summary ?? history.bytes.segmented.summary;
      const depth = history.bytes.plain.depth ?? history.bytes.segmented.depth;
      history.grain = summary ? grainOf(readRows(summary, docOf(dict, 'summary'))[0])
        : depth ? depthGrain(readRows(depth, docOf(dict, 'depth'))) : null;
    } catch (e) {
      page.error(e);
      return;
    }
    state.history = history;
    page.files();
    const run = state.current;
    if (run) {
      // The segmented tables are merged again, over these.
      if (run.segments) {
        run.segments.tables = null;
        run.segments.summary = run.segments.layer.summary;
      }
      try {
        if (await this.view(run)) page.show();
      } catch (e) {
        page.error(e);
        return;
      }
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

  /**
   * Computes what the form asks for, unless the results on screen already
   * are that (same options, same files) and `force` is not set.
   * @param {boolean} [force]  compute again anyway (the Compute button)
   */
  async run(force = false) {
    const { page } = this;
    clearTimeout(this.timer);
    // Files being inspected: setFacts() runs once their columns are known.
    if (this.inspection) return;
    if (!state.sources.length && !state.snapshot) {
      page.status('idle', 'Choose fact files or try the demo.');
      return;
    }
    const unreadable = state.infos.find((i) => i instanceof Error);
    if (unreadable) {
      this.outdated('the results below are of other files');
      page.error(unreadable);
      return;
    }
    const options = page.options();
    if (options instanceof Error) {
      this.controller?.abort();
      new Turn(); // the run under way, if any, no longer matches the form
      this.outdated('the form has an error');
      page.error(options);
      return;
    }
    const key = JSON.stringify([this.files, options]);
    if (!force && key === this.shownKey) {
      // Nothing the run depends on changed (a view setting, a link to the same settings), or it
      // changed back: a run under way for other settings is dropped.
      if (this.controller) {
        new Turn();
        this.controller.abort();
        this.controller = null;
        this.page.busy(false);
      }
      if (state.stale) this.current();
      else this.page.status('done', this.doneText);
      return;
    }
    const turn = new Turn();
    this.controller?.abort();
    this.controller = null;
    const engine = this.spare();
    // A partition needs its users table: a link may name the attribute before the table is dropped.
    if (!state.users || !options.segmentBy) {
      delete options.segmentBy;
      delete options.usersIdColumn;
    }
    const controller = (this.controller = new AbortController());
    page.busy(true);
    page.status('busy', 'reading files…');
    const t0 = performance.now();
    try {
      const files = await turn.keep(Promise.all(state.sources.map(bytesOf)));
      if (state.snapshot) options.snapshot = await turn.keep(bytesOf(state.snapshot));
      if (state.users && options.segmentBy) options.users = await turn.keep(bytesOf(state.users));
      const result = await turn.keep(engine.compute(files, options, {
        signal: controller.signal,
        onProgress: (p) => { if (!turn.stale) page.progress(p); },
      }), release);
      // A split run resumed from a split snapshot has no layer without segments (its summary is null).
      const plain = result.summary !== null;
      // The tables the charts read (no depth in daily runs).
      const own = plain ? EARLIER.filter((t) => result.tables.includes(t)) : [];
      const [tables, distributions, users, statesName, segmentedName, dict] = await turn.keep(Promise.all([
        Promise.all(own.map((t) => result.table(t, 'csv'))),
        plain ? result.distributions() : null,
        result.sampleUsers(300),
        result.tableName('states'),
        result.segments ? result.tableName('states', 'segmented') : '',
        this.dictionary,
      ]), () => release(result));
      const previous = state.current;
      /** @type {Run['csv']} */
      const csv = {};
      own.forEach((t, i) => { csv[t] = tables[i]; });
      /** @template R @param {EarlierTable} t @returns {R[]} */
      const rows = (t) => {
        const bytes = csv[t];
        return bytes ? readRows(bytes, docOf(dict, t)) : [];
      };
      /** @type {Run} */
      const run = {
        result,
        engine,
        csv,
        transitions: rows('transitions'),
        cohorts: rows('cohorts'),
        activity: rows('activity'),
        depth: rows('depth'),
        distributions,
        users,
        statesName,
        segments: segmentRun(result, segmentedName),
        ms: performance.now() - t0,
      };
      state.current = run;
      this.shownKey = key;
      if (previous) release(previous.result);
      await turn.keep(this.view(run));
      state.stale = null;
      page.error(null);
      page.stale();
      page.show();
      const q = result.quality;
      const periods = (result.summary ?? rowsOf(run.segments?.layer.summary ?? [], run.segments?.values[0] ?? null)).length;
      const breakdown = run.segments ? `, ${fmtInt(run.segments.values.length)} segments` : '';
      this.doneText = `done · ${fmtInt(q.rows_used)} rows, ${fmtInt(q.total_users)} users${breakdown}, ${periods} ${result.grain}${periods === 1 ? '' : 's'} in ${(run.ms / 1000).toFixed(2)} s`;
      page.status('done', this.doneText);
    } catch (e) {
      this.failed(turn, e, 'cancelled · change a setting or press Compute to run again');
    } finally {
      if (!turn.stale) {
        page.busy(false);
        this.controller = null;
      }
    }
  }

  /**
   * Stops the run, or the inspection, under way. Cancelling stops its
   * engine's worker; the results on screen live in the other one.
   */
  cancel() {
    if (this.controller) this.controller.abort();
    else if (this.inspection) this.inspection.engine.cancel();
  }

  /**
   * The results on screen no longer match the form or the files (a run
   * failed or was cancelled): they stay, and say so.
   * @param {string} why
   */
  outdated(why) {
    if (!state.current) return;
    state.stale = why;
    this.page.stale();
  }

  /** The form matches the results on screen again (its settings were set back). */
  current() {
    state.stale = null;
    this.page.error(null);
    this.page.stale();
    this.page.status('done', 'done · the results match the form again');
  }

  /**
   * Makes the view of `run` the one on screen: the segment the filter asks
   * for, or every user (a split run resumed from a split snapshot has only
   * its segments: then the largest). False when the run or the filter
   * changed meanwhile.
   * @param {Run} run
   */
  async view(run) {
    const { filter } = state;
    const seg = run.segments;
    const asked = filter && seg?.values.some((v) => segmentKey(v) === segmentKey(filter.value)) ? filter.value : undefined;
    const value = asked !== undefined ? asked : run.distributions ? undefined : seg?.largest[0];
    // Segmented earlier results add periods to every segment's charts.
    if (seg && Object.keys(state.history.bytes.segmented).length) {
      seg.tables ??= this.segmentTables(run);
      seg.summary = (await seg.tables).summary;
    }
    const view = seg && value !== undefined ? await this.segmentView(run, seg, value) : await this.merged(run);
    if (state.current !== run || state.filter !== filter) return false;
    state.view = view;
    return true;
  }

  /**
   * One segment's view: its summary rows (from the run's result), its
   * transitions and cohorts (the segmented tables, read once), its
   * distributions and users (from the engine).
   * @param {Run} run
   * @param {SegmentRun} seg
   * @param {SegmentValue} value
   * @returns {Promise<View>}
   */
  async segmentView(run, seg, value) {
    seg.tables ??= this.segmentTables(run);
    const [tables, distributions, users] = await Promise.all([
      seg.tables,
      run.result.distributions(value),
      run.result.sampleUsers(300, value),
    ]);
    return {
      summary: rowsOf(tables.summary, value),
      transitions: rowsOf(tables.transitions, value),
      cohorts: rowsOf(tables.cohorts, value),
      // Omit<> of a row with an index signature loses its named columns: they are there.
      activity: /** @type {import('./csv.js').ActivityRow[]} */ (rowsOf(tables.activity, value)),
      depth: rowsOf(tables.depth, value),
      distributions,
      users,
      segment: { value },
      note: tables.note,
    };
  }

  /**
   * The segmented layer's summary, transitions and cohorts, merged over the
   * segmented earlier results: read once a segment is shown (a run with
   * many segments has large tables; a run never shown by segment never reads them).
   * @param {Run} run
   * @returns {Promise<SegmentTables>}
   */
  async segmentTables(run) {
    const merges = await Promise.all(EARLIER.map((t) => this.over(run, 'segmented', t)));
    const [summary, transitions, cohorts, activity, depth] = merges;
    // Every segment has the same periods: the first one's count them.
    const first = run.segments?.values[0] ?? null;
    const own = rowsOf(run.segments?.layer.summary ?? [], first).length;
    const earlier = merges.map((m) => m.earlier);
    const note = earlier.some((e) => e) ? historyNote(rowsOf(summary.rows, first).length, own, earlier)
      : state.history.files.length ? 'The earlier results are tables without segments: a segment shows the periods of this run only.' : '';
    return { summary: summary.rows, transitions: transitions.rows, cohorts: cohorts.rows, activity: activity.rows, depth: depth.rows, note };
  }

  /**
   * One table of the run's layer in rows, merged by the engine over the
   * earlier results of that layer when they are of the run's grain (the
   * same upsert by key as `activation merge`).
   * @template R
   * @param {Run} run
   * @param {LayerName} layer
   * @param {EarlierTable} table
   * @returns {Promise<{ rows: R[], earlier: Earlier | null }>}  no rows for a table the run does not
   *   have (depth in a daily run); earlier: null when the table has no earlier rows
   */
  async over(run, layer, table) {
    const h = state.history;
    const doc = docOf(await this.dictionary, table);
    const csv = layer === 'plain' ? run.csv[table]
      : run.result.tables.includes(table) ? await run.result.table(table, 'csv', layer) : undefined;
    if (!csv) return { rows: [], earlier: null };
    const earlier = h.bytes[layer][table];
    if (!earlier) return { rows: readRows(csv, doc), earlier: null };
    // The activity table is daily whatever the grain, and has a column per window.
    if (table === 'activity' ? !sameHeader(earlier, csv) : h.grain && h.grain !== run.result.grain) {
      return { rows: readRows(csv, doc), earlier: table === 'activity' ? 'other windows' : 'other grain' };
    }
    const merged = await run.engine.mergeTables(table, { name: 'earlier results', bytes: earlier }, { name: 'this run', bytes: csv });
    return { rows: readRows(merged, doc), earlier: 'merged' };
  }

  /**
   * The view of every user of `run`: its tables merged over the earlier
   * results of its grain by the engine (the same upsert by key as
   * `activation merge`).
   * @param {Run} run
   * @returns {Promise<View>}
   */
  async merged(run) {
    const own = run.result.summary ?? [];
    // Only a run with its layer without segments is shown whole (see view()).
    const distributions = /** @type {import('activation-layer/worker').Distributions} */ (run.distributions);
    /** @type {View} */
    const view = {
      summary: own, transitions: run.transitions, cohorts: run.cohorts, activity: run.activity, depth: run.depth,
      distributions, users: run.users, segment: null, note: '',
    };
    if (!Object.keys(state.history.bytes.plain).length) return view;
    const merges = await Promise.all(EARLIER.map((t) => this.over(run, 'plain', t)));
    const [summary, transitions, cohorts, activity, depth] = merges;
    // Tables without earlier rows that fit keep the run's rows as they were read.
    if (summary.earlier === 'merged') view.summary = summary.rows;
    if (transitions.earlier === 'merged') view.transitions = transitions.rows;
    if (cohorts.earlier === 'merged') view.cohorts = cohorts.rows;
    if (activity.earlier === 'merged') view.activity = activity.rows;
    if (depth.earlier === 'merged') view.depth = depth.rows;
    view.note = historyNote(view.summary.length, own.length, merges.map((m) => m.earlier));
    return view;
  }

  /**
   * A turn that failed or was cancelled: the results on screen stay, marked
   * as not matching the form (unless a later turn has taken over).
   * @param {Turn} turn
   * @param {unknown} e
   * @param {string} cancelled  the status after a cancel
   */
  failed(turn, e, cancelled) {
    if (turn.stale) return;
    if (e instanceof Error && e.name === 'AbortError') {
      this.outdated('the run that would replace them was cancelled');
      this.page.status('idle', state.current ? `${cancelled} · the results below are the previous run's` : cancelled);
    } else {
      this.outdated('the last run failed');
      this.page.error(e);
    }
  }

  clear() {
    if (state.current) release(state.current.result);
    state.current = null;
    state.view = null;
    this.page.clear();
  }
}

// @ts-check
// The page state, declared once: the files held, the run on screen and what the link asked
// for. The session writes it; the panels draw from it.
import { readHash } from './settings.js';

/**
 * @import { Dictionary, Distributions, Engine, EngineResult, FileInfo, Grain, LayerName, SegmentedLayer, SegmentValue, SegmentSummaryRow, SummaryRow } from 'activation-layer/worker'
 * @import { ActivityRow, CohortRow, DepthRow, TransitionRow } from './csv.js'
 * @import { HashSettings } from './settings.js'
 */

/**
 * @typedef {object} Source  a file the page holds; each run reads it again, since the worker takes the bytes
 * @property {string} name
 * @property {number} size
 * @property {() => Promise<Uint8Array>} read
 */

/**
 * @typedef {'summary' | 'transitions' | 'cohorts' | 'activity' | 'depth'} EarlierTable  the tables earlier
 *   results can add periods (or days) to
 */

/**
 * @typedef {object} History  earlier results (downloads, or a merged history)
 * @property {Record<LayerName, Partial<Record<EarlierTable, Uint8Array>>>} bytes  per layer (tables
 *   without segments, or segmented ones) and table, every file uploaded merged by the engine (CSV)
 * @property {Grain | null} grain  the summary's grain (null without a summary): only a run of that grain shows them
 * @property {{ name: string, table: EarlierTable, layer: LayerName, rows: number }[]} files
 */

/**
 * @typedef {object} SegmentTables  a segmented layer's tables (each row with its segment), merged
 *   over the segmented earlier results of the run's grain
 * @property {SegmentSummaryRow[]} summary
 * @property {(TransitionRow & { segment: string | null })[]} transitions
 * @property {(CohortRow & { segment: string | null })[]} cohorts
 * @property {(ActivityRow & { segment: string | null })[]} activity
 * @property {(DepthRow & { segment: string | null })[]} depth  empty in daily runs
 * @property {string} note  what was merged ('' without earlier results)
 */

/**
 * @typedef {object} SegmentRun  the segmented layer of the run on screen (SPEC section 11)
 * @property {SegmentedLayer} layer  kind, column, fact name, quality and every segment's summary rows
 * @property {SegmentSummaryRow[]} summary  every segment's summary rows on screen: the layer's, or
 *   its merged over segmented earlier results
 * @property {SegmentValue[]} values  the segments in the engine's order (null last)
 * @property {SegmentValue[]} largest  the segments by users, most first
 * @property {string} statesName  the segmented states table's file name
 * @property {Promise<SegmentTables> | null} tables  read from the engine the first time a segment is
 *   shown (and again after earlier results change)
 */

/**
 * @typedef {object} Run  the computation on screen
 * @property {EngineResult} result  lives in the worker until freed; fact, grain, summary and quality are on it
 * @property {Engine} engine  the engine (worker) holding it
 * @property {Partial<Record<EarlierTable, Uint8Array>>} csv  the run's tables in CSV, to merge over
 *   earlier results (no depth in daily runs, none for a run without a layer without segments)
 * @property {TransitionRow[]} transitions
 * @property {CohortRow[]} cohorts
 * @property {ActivityRow[]} activity  one row per day (SPEC section 12)
 * @property {DepthRow[]} depth  the power-user curve of every period; empty in daily runs
 * @property {Distributions | null} distributions  null (and no tables) for a split run resumed from a
 *   split snapshot: it has no layer without segments
 * @property {string[]} users  a few user ids, for the lookup's suggestions
 * @property {string} statesName  the states table's file name (the quality report's is made from it)
 * @property {SegmentRun | null} segments  with a breakdown
 * @property {number} ms  how long the run took, reading the files included
 */

/**
 * @typedef {object} View  the rows on screen: the run's, merged over the earlier results of its
 *   grain, or one segment's
 * @property {SummaryRow[]} summary
 * @property {TransitionRow[]} transitions
 * @property {CohortRow[]} cohorts
 * @property {ActivityRow[]} activity
 * @property {DepthRow[]} depth
 * @property {Distributions} distributions
 * @property {string[]} users  a few user ids, for the lookup's suggestions
 * @property {{ value: SegmentValue } | null} segment  the segment shown (null: every user)
 * @property {string} note  what was merged, or why earlier results are not shown ('' without earlier results)
 */

/**
 * @typedef {object} Shown  what the panels draw: a run, its view and the dictionary
 * @property {Run} run
 * @property {View} view
 * @property {Dictionary} dictionary
 */

/**
 * @typedef {object} PageState
 * @property {Source[]} sources  the fact files
 * @property {(FileInfo | Error)[]} infos  what inspect() said of each source so far (an Error for one it could not read)
 * @property {Source | null} users  the users table whose attributes can partition the run
 * @property {FileInfo | Error | null} usersInfo  what inspect() said of it
 * @property {Source | null} snapshot  the FirstLast snapshot to resume from
 * @property {History} history
 * @property {Run | null} current
 * @property {string | null} stale  why the results on screen no longer match the form or the files (null: they do)
 * @property {View | null} view  the current run's
 * @property {Dictionary | null} dictionary  the engine's data dictionary, once loaded
 * @property {{ value: SegmentValue } | null} filter  the segment every panel shows (null: every user)
 * @property {HashSettings} pending  settings from the link that wait for the files: the columns, fact values, breakdown and Sankey period are applied once the files (or the run) offer them
 */

/** @type {PageState} */
export const state = {
  sources: [],
  infos: [],
  users: null,
  usersInfo: null,
  snapshot: null,
  history: { bytes: { plain: {}, segmented: {} }, grain: null, files: [] },
  current: null,
  stale: null,
  view: null,
  dictionary: null,
  filter: null,
  pending: readHash(),
};

/** @returns {Shown | null} */
export function shown() {
  const { current: run, view, dictionary } = state;
  return run && view && dictionary ? { run, view, dictionary } : null;
}

// @ts-check
// The page state, declared once: the files held, the run on screen and what the link asked
// for. The session writes it; the panels draw from it.
import { readHash } from './settings.js';

/**
 * @import { Dictionary, Distributions, EngineResult, FileInfo, Grain, SummaryRow } from 'activation-layer/worker'
 * @import { CohortRow, TransitionRow } from './csv.js'
 * @import { HashSettings } from './settings.js'
 */

/**
 * @typedef {object} Source  a file the page holds; each run reads it again, since the worker takes the bytes
 * @property {string} name
 * @property {number} size
 * @property {() => Promise<Uint8Array>} read
 */

/** @typedef {'summary' | 'transitions' | 'cohorts'} EarlierTable  the tables earlier results can add periods to */

/**
 * @typedef {object} History  earlier results (downloads, or a merged history)
 * @property {Partial<Record<EarlierTable, Uint8Array>>} bytes  per table, every file uploaded merged by the engine (CSV)
 * @property {Grain | null} grain  the summary's grain (null without a summary): only a run of that grain shows them
 * @property {{ name: string, table: EarlierTable, rows: number }[]} files
 */

/**
 * @typedef {object} Run  the computation on screen
 * @property {EngineResult} result  lives in the worker until freed; fact, grain, summary and quality are on it
 * @property {Record<EarlierTable, Uint8Array>} csv  the run's tables in CSV, to merge over earlier results
 * @property {TransitionRow[]} transitions
 * @property {CohortRow[]} cohorts
 * @property {Distributions} distributions
 * @property {string[]} users  a few user ids, for the lookup's suggestions
 * @property {string} statesName  the states table's file name (the quality report's is made from it)
 * @property {number} ms  how long the run took, reading the files included
 */

/**
 * @typedef {object} View  the rows on screen: the run's, merged over the earlier results of its grain
 * @property {SummaryRow[]} summary
 * @property {TransitionRow[]} transitions
 * @property {CohortRow[]} cohorts
 * @property {string} note  what was merged ('' without earlier results)
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
 * @property {Source | null} snapshot  the FirstLast snapshot to resume from
 * @property {History} history
 * @property {Run | null} current
 * @property {View | null} view  the current run's
 * @property {Dictionary | null} dictionary  the engine's data dictionary, once loaded
 * @property {HashSettings} pending  settings from the link that wait for the files: the columns, fact values and Sankey period are applied once the files (or the run) offer them
 */

/** @type {PageState} */
export const state = {
  sources: [],
  infos: [],
  snapshot: null,
  history: { bytes: {}, grain: null, files: [] },
  current: null,
  view: null,
  dictionary: null,
  pending: readHash(),
};

/** @returns {Shown | null} */
export function shown() {
  const { current: run, view, dictionary } = state;
  return run && view && dictionary ? { run, view, dictionary } : null;
}

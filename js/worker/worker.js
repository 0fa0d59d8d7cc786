// @ts-check
// The engine's Web Worker: owns one WASM instance and the results computed
// in it. It answers each request `{ id, op, args }` with `{ id, ok, value }`
// or `{ id, ok: false, error: { name, message, options } }`, and sends
// `{ id, progress }` while computing (shapes: Operations in client.d.ts).
import init, * as engine from '../web/activation_layer.js';

/**
 * @import { Computation } from '../web/activation_layer.js'
 * @import { Operation, Operations, WorkerRequest, WorkerResponse } from './client.js'
 */

/**
 * @typedef {object} Scope  the part of the worker's global scope used here
 *   (tsc checks this file with the DOM's types, where `self` is a window)
 * @property {(message: WorkerResponse, transfer?: Transferable[]) => void} postMessage
 * @property {((event: MessageEvent<WorkerRequest>) => void) | null} onmessage
 */
const scope = /** @type {Scope} */ (/** @type {unknown} */ (self));

const ready = init({ module_or_path: new URL('../web/activation_layer_bg.wasm', import.meta.url) });
/** @type {Map<number, Computation>} */
const results = new Map();
let nextResult = 1;

/**
 * @param {number} handle
 * @returns {Computation}
 */
function get(handle) {
  const r = results.get(handle);
  if (!r) throw Object.assign(new Error('this result was freed'), { name: 'UsageError' });
  return r;
}

/** @type {{ [Op in Operation]: (args: Operations[Op]['args'], id: number) => Operations[Op]['value'] }} */
const ops = {
  inspect: ({ file }) => engine.inspect(file),
  dictionary: () => engine.dictionary(),
  options: () => engine.options(),
  mergeTables: ({ which, history, run }) => engine.mergeTables(which, history, run),
  convertTable: ({ file, format }) => engine.convertTable(file, format),
  compute: ({ files, options }, id) => {
    const result = engine.compute(files, options, (progress) => scope.postMessage({ id, progress }));
    const handle = nextResult++;
    results.set(handle, result);
    const { fact, grain, stateRows, summary, quality, segments, tables } = result;
    return { handle, fact, grain, stateRows, summary, quality, segments, tables };
  },
  table: ({ handle, which, format, layer }) => get(handle).table(which, format, layer),
  tableName: ({ handle, which, layer }) => get(handle).tableName(which, layer),
  files: ({ handle, format, layer }) => get(handle).files(format, layer),
  datapackage: ({ handle, format, layer }) => get(handle).datapackage(format, layer),
  distributions: ({ handle, segment }) => get(handle).distributions(segment),
  userTimeline: ({ handle, user, segment }) => get(handle).userTimeline(user, segment),
  sampleUsers: ({ handle, limit, segment }) => get(handle).sampleUsers(limit, segment),
  usersBehind: ({ handle, bar, format }) => get(handle).usersBehind(bar, format),
  free: ({ handle }) => {
    results.get(handle)?.free();
    results.delete(handle);
    return true;
  },
};

/**
 * The buffers of a value's bytes: one array, or the arrays of a list of files.
 * @param {unknown} value
 * @returns {Transferable[]}
 */
function transferable(value) {
  if (value instanceof Uint8Array) return [value.buffer];
  if (Array.isArray(value)) return value.flatMap((f) => (f?.bytes instanceof Uint8Array ? [f.bytes.buffer] : []));
  return [];
}

scope.onmessage = async (/** @type {MessageEvent<WorkerRequest>} */ { data: { id, op, args } }) => {
  try {
    await ready;
    const value = /** @type {(args: unknown, id: number) => Operations[Operation]['value']} */ (ops[op])(args, id);
    // Output bytes are the worker's own copy: hand them over instead of copying.
    scope.postMessage({ id, ok: true, value }, transferable(value));
  } catch (e) {
    // A WebAssembly.RuntimeError (a trap) keeps its name: the client then restarts the worker.
    const error = e instanceof Error ? e : new Error(String(e));
    // The options the engine's message names (none for other errors).
    const options = 'options' in error && Array.isArray(error.options) ? error.options : [];
    scope.postMessage({ id, ok: false, error: { name: error.name, message: error.message, options } });
  }
};

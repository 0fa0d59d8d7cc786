// The engine's Web Worker: owns one WASM instance and the results computed
// in it. Messages: { id, op, ...args } in; { id, ok, value | error } out,
// and { id, progress } while computing.
import init, { compute, convertTable, inspect, dictionary, mergeTables } from '../web/activation_layer.js';

const ready = init({ module_or_path: new URL('../web/activation_layer_bg.wasm', import.meta.url) });
const results = new Map();
let nextResult = 1;

function reply(id, value, transfer = []) {
  self.postMessage({ id, ok: true, value }, transfer);
}

function fail(id, error) {
  // A RuntimeError means the module trapped: this instance is unusable.
  const trapped = error instanceof WebAssembly.RuntimeError;
  self.postMessage({ id, ok: false, error: String(error && error.message || error), trapped });
}

const ops = {
  inspect: ({ file }) => inspect(file),
  dictionary: () => dictionary(),
  mergeTables: ({ which, history, run }) => mergeTables(which, history, run),
  convertTable: ({ file, format }) => convertTable(file, format),
  compute: ({ id, files, options }) => {
    const result = compute(files, options, (progress) => self.postMessage({ id, progress }));
    const handle = nextResult++;
    results.set(handle, result);
    return {
      handle,
      fact: result.fact,
      grain: result.grain,
      stateRows: result.stateRows,
      summary: result.summary,
      quality: result.quality,
    };
  },
  table: ({ handle, which, format }) => {
    const bytes = get(handle).table(which, format);
    return [bytes, [bytes.buffer]];
  },
  tableName: ({ handle, which }) => get(handle).tableName(which),
  distributions: ({ handle }) => get(handle).distributions(),
  userTimeline: ({ handle, user }) => get(handle).userTimeline(user),
  sampleUsers: ({ handle, limit }) => get(handle).sampleUsers(limit),
  free: ({ handle }) => {
    const r = results.get(handle);
    if (r) {
      r.free();
      results.delete(handle);
    }
    return true;
  },
};

function get(handle) {
  const r = results.get(handle);
  if (!r) throw new Error('this result was freed');
  return r;
}

self.onmessage = async (event) => {
  const msg = event.data;
  try {
    await ready;
    const out = ops[msg.op](msg);
    if (Array.isArray(out) && msg.op === 'table') reply(msg.id, out[0], out[1]);
    else reply(msg.id, out);
  } catch (error) {
    fail(msg.id, error);
  }
};

// @ts-check
// The engine behind an async API, in a Web Worker (like DuckDB-WASM):
// the page stays responsive, file bytes are transferred (not copied), and
// a run can be cancelled. A static host cannot send the headers that
// SharedArrayBuffer needs, so cancelling terminates the worker; the next
// call starts a fresh one. The same happens if the module ever traps.
// The protocol (one request and one response shape per operation) is
// typed in client.d.ts.

/**
 * @import * as T from './client.js'
 * @import { ErrorMessage, Operation, Operations, WorkerRequest, WorkerResponse } from './client.js'
 */

/** @implements {T.EngineError} */
export class EngineError extends Error {
  /** @param {ErrorMessage} error */
  constructor({ name, message, options = [] }) {
    super(message);
    this.name = name;
    this.options = options;
  }
}

/** @implements {T.CancelledError} */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'AbortError';
  }
}

/** @param {{ workerUrl?: string | URL }} [options] */
export function createEngine(options = {}) {
  return new Engine(options);
}

/**
 * @typedef {object} Pending  a call waiting for its response
 * @property {(value: any) => void} resolve
 * @property {(error: Error) => void} reject
 * @property {((p: T.Progress) => void) | undefined} onProgress
 */

/** @implements {T.Engine} */
export class Engine {
  /** @param {{ workerUrl?: string | URL }} [options] */
  constructor({ workerUrl } = {}) {
    this._url = workerUrl;
    /** @type {Worker | null} */
    this._worker = null;
    /** @type {Map<number, Pending>} */
    this._pending = new Map();
    this._nextId = 1;
    // Which worker results belong to: bumped each time one is stopped.
    this._generation = 0;
  }

  _spawn() {
    if (this._worker) return this._worker;
    // Written literally so that bundlers (Vite, webpack) find and bundle the worker.
    const worker = this._url
      ? new Worker(this._url, { type: 'module' })
      : new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = (/** @type {MessageEvent<WorkerResponse>} */ event) => {
      if (worker !== this._worker) return;
      const msg = event.data;
      const p = this._pending.get(msg.id);
      if (!p) return;
      if ('progress' in msg) {
        p.onProgress?.(msg.progress);
      } else if (msg.ok) {
        this._pending.delete(msg.id);
        p.resolve(msg.value);
      } else if (msg.error.name === 'RuntimeError') {
        // The module trapped: that instance is unusable, and so is every
        // result and call it held.
        const error = new EngineError(msg.error);
        this._stop(() => error);
      } else {
        this._pending.delete(msg.id);
        p.reject(new EngineError(msg.error));
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      if (worker === this._worker) this._stop(() => new Error(`engine worker failed: ${event.message || 'unknown error'}`));
    };
    this._worker = worker;
    return worker;
  }

  /**
   * The one way a worker ends (cancel, trap, failure): it is terminated,
   * its results are gone, and every pending call rejects with `reason()`.
   * The next call starts a fresh worker.
   * @param {() => Error} reason
   */
  _stop(reason) {
    if (!this._worker) return;
    this._worker.terminate();
    this._worker = null;
    this._generation++;
    const pending = [...this._pending.values()];
    this._pending.clear();
    for (const p of pending) p.reject(reason());
  }

  /**
   * Sends one request and resolves to its response's value.
   * @template {Operation} Op
   * @param {Op} op
   * @param {Operations[Op]['args']} args
   * @param {Transferable[]} [transfer]
   * @param {(p: T.Progress) => void} [onProgress]
   * @returns {Promise<Operations[Op]['value']>}
   */
  _call(op, args, transfer = [], onProgress = undefined) {
    const worker = this._spawn();
    const id = this._nextId++;
    return new Promise((resolve, reject) => {
      this._pending.set(id, { resolve, reject, onProgress });
      /** @type {WorkerRequest<Op>} */
      const request = { id, op, args };
      worker.postMessage(request, transfer);
    });
  }

  /**
   * Describes a file: columns, rows, detected columns, fact values. The bytes are transferred.
   * @param {T.FileInput} file
   */
  inspect(file) {
    return this._call('inspect', { file }, [file.bytes.buffer]);
  }

  /**
   * Upserts a run's table into an earlier one by key (as `activation merge`):
   * history and run are both CSV or both Parquet. The bytes are copied, not
   * transferred. Resolves to the merged file's bytes.
   * @param {T.TableName} which
   * @param {T.FileInput} history
   * @param {T.FileInput} run
   */
  mergeTables(which, history, run) {
    return this._call('mergeTables', { which, history, run });
  }

  /**
   * A table file (Parquet or CSV) as other bytes (copied, not transferred).
   * @param {T.FileInput} file
   * @param {T.TableFormat} format
   */
  convertTable(file, format) {
    return this._call('convertTable', { file, format });
  }

  dictionary() {
    return this._call('dictionary', {});
  }

  options() {
    return this._call('options', {});
  }

  /**
   * Computes every output. The bytes are transferred to the worker (the
   * caller's buffers become empty). `signal` cancels.
   * @param {T.FileInput[]} files
   * @param {T.ComputeOptions} [options]
   * @param {{ signal?: AbortSignal, onProgress?: (p: T.Progress) => void }} [control]
   */
  async compute(files, options = {}, { signal, onProgress } = {}) {
    if (signal && signal.aborted) throw new CancelledError();
    const transfer = files.map((f) => f.bytes.buffer);
    for (const f of [options.snapshot, options.users]) if (f) transfer.push(f.bytes.buffer);
    const onAbort = () => this.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      // A stop rejects this call, so the generation cannot move before it resolves.
      const generation = this._generation;
      const value = await this._call('compute', { files, options }, transfer, onProgress);
      return new EngineResult(this, value, generation);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  cancel() {
    this._stop(() => new CancelledError());
  }

  /** Stops the worker; a later call would start a fresh one. */
  terminate() {
    this.cancel();
  }
}

/**
 * A result held in the worker: summary and quality are here, tables on request.
 * @implements {T.EngineResult}
 */
export class EngineResult {
  /**
   * @param {Engine} engine
   * @param {T.ComputedRun} value
   * @param {number} generation
   */
  constructor(engine, value, generation) {
    this._engine = engine;
    this._generation = generation;
    this._handle = value.handle;
    this.fact = value.fact;
    this.grain = value.grain;
    this.stateRows = value.stateRows;
    this.summary = value.summary;
    this.quality = value.quality;
    this.segments = value.segments;
    this.tables = value.tables;
  }

  get _gone() {
    return this._generation !== this._engine._generation;
  }

  /**
   * @template {'table' | 'tableName' | 'files' | 'datapackage' | 'distributions' | 'userTimeline' | 'sampleUsers' | 'usersBehind' | 'free'} Op
   * @param {Op} op
   * @param {Omit<Operations[Op]['args'], 'handle'>} args
   * @returns {Promise<Operations[Op]['value']>}
   */
  async _ask(op, args) {
    if (this._gone) {
      throw new EngineError({ name: 'UsageError', message: 'this result is gone: the engine was restarted or cancelled since' });
    }
    return this._engine._call(op, /** @type {Operations[Op]['args']} */ ({ handle: this._handle, ...args }));
  }

  /**
   * @param {T.TableName} which
   * @param {T.TableFormat} format
   * @param {T.LayerName} [layer]
   */
  table(which, format, layer) {
    return this._ask('table', { which, format, layer });
  }

  /**
   * @param {T.TableName} which
   * @param {T.LayerName} [layer]
   */
  tableName(which, layer) {
    return this._ask('tableName', { which, layer });
  }

  /**
   * @param {T.FileFormat} format
   * @param {T.LayerName} [layer]
   */
  files(format, layer) {
    return this._ask('files', { format, layer });
  }

  /**
   * @param {T.FileFormat} format
   * @param {T.LayerName} [layer]
   */
  datapackage(format, layer) {
    return this._ask('datapackage', { format, layer });
  }

  /** @param {T.SegmentValue} [segment] */
  distributions(segment) {
    return this._ask('distributions', { segment });
  }

  /**
   * @param {string} user
   * @param {T.SegmentValue} [segment]
   */
  userTimeline(user, segment) {
    return this._ask('userTimeline', { user: String(user), segment });
  }

  /**
   * @param {number} [limit]
   * @param {T.SegmentValue} [segment]
   */
  sampleUsers(limit = 20, segment = undefined) {
    return this._ask('sampleUsers', { limit, segment });
  }

  /**
   * @param {T.Bar} bar
   * @param {T.TableFormat} format
   */
  usersBehind(bar, format) {
    return this._ask('usersBehind', { bar, format });
  }

  async free() {
    if (this._gone) return;
    await this._ask('free', {});
  }
}

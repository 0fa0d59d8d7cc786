// The engine behind an async API, in a Web Worker (like DuckDB-WASM):
// the page stays responsive, file bytes are transferred (not copied), and
// a run can be cancelled. A static host cannot send the headers that
// SharedArrayBuffer needs, so cancelling terminates the worker; the next
// call starts a fresh one. The same happens if the module ever traps.

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'AbortError';
  }
}

export function createEngine(options = {}) {
  return new Engine(options);
}

export class Engine {
  constructor({ workerUrl } = {}) {
    this._url = workerUrl;
    this._worker = null;
    this._pending = new Map();
    this._nextId = 1;
    this._generation = 0;
  }

  _spawn() {
    if (this._worker) return this._worker;
    // Written literally so that bundlers (Vite, webpack) find and bundle the worker.
    const worker = this._url
      ? new Worker(this._url, { type: 'module' })
      : new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    const generation = ++this._generation;
    worker.onmessage = (event) => {
      const msg = event.data;
      const p = this._pending.get(msg.id);
      if (!p) return;
      if (msg.progress) {
        if (p.onProgress) p.onProgress(msg.progress);
        return;
      }
      this._pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.value);
      else {
        if (msg.trapped) this._restart(generation);
        p.reject(new Error(msg.error));
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this._restart(generation, new Error(`engine worker failed: ${event.message || 'unknown error'}`));
    };
    this._worker = worker;
    return worker;
  }

  /** Drops the current worker (and every result held in it). */
  _restart(generation, error) {
    if (generation !== this._generation || !this._worker) return;
    this._worker.terminate();
    this._worker = null;
    this._generation++;
    for (const [id, p] of this._pending) {
      this._pending.delete(id);
      p.reject(error || new Error('the engine was restarted'));
    }
  }

  _call(op, args = {}, transfer = [], onProgress = null) {
    const worker = this._spawn();
    const id = this._nextId++;
    const generation = this._generation;
    return new Promise((resolve, reject) => {
      this._pending.set(id, { resolve, reject, onProgress });
      worker.postMessage({ id, op, ...args }, transfer);
    }).then((value) => ({ value, generation }));
  }

  /** Describes a file: { name, bytes } → columns, rows, detected columns, fact values. */
  async inspect(file) {
    return (await this._call('inspect', { file }, [file.bytes.buffer])).value;
  }

  /**
   * Upserts a run's table into an earlier one by key (as `activation merge`):
   * which = summary|transitions|cohorts|states; history and run are
   * { name, bytes }, both CSV or both Parquet. The bytes are copied, not
   * transferred. Resolves to the merged file's bytes.
   */
  async mergeTables(which, history, run) {
    return (await this._call('mergeTables', { which, history, run })).value;
  }

  /** A table file { name, bytes } (Parquet or CSV) as 'parquet', 'csv' or 'arrow' bytes (copied, not transferred). */
  async convertTable(file, format) {
    return (await this._call('convertTable', { file, format })).value;
  }

  /** The data dictionary. */
  async dictionary() {
    return (await this._call('dictionary')).value;
  }

  /**
   * Computes every output. `files` is an array of { name, bytes }; the bytes
   * are transferred to the worker (the caller's buffers become empty).
   * `signal` (an AbortSignal) cancels; `onProgress` receives
   * { phase, file, files, rows, fraction }.
   */
  async compute(files, options = {}, { signal, onProgress } = {}) {
    if (signal && signal.aborted) throw new CancelledError();
    const transfer = files.map((f) => f.bytes.buffer);
    if (options.snapshot) transfer.push(options.snapshot.bytes.buffer);
    const onAbort = () => this.cancel();
    if (signal) signal.addEventListener('abort', onAbort, { once: true });
    try {
      const id = this._nextId;
      const { value, generation } = await this._call('compute', { id, files, options }, transfer, onProgress);
      return new EngineResult(this, value, generation);
    } finally {
      if (signal) signal.removeEventListener('abort', onAbort);
    }
  }

  /** Cancels whatever runs: the worker is terminated and pending calls reject. */
  cancel() {
    if (!this._worker) return;
    this._worker.terminate();
    this._worker = null;
    this._generation++;
    for (const [id, p] of this._pending) {
      this._pending.delete(id);
      p.reject(new CancelledError());
    }
  }

  /** Stops the worker for good. */
  terminate() {
    this.cancel();
  }
}

/** A result held in the worker: summary and quality are here, tables on request. */
export class EngineResult {
  constructor(engine, value, generation) {
    this._engine = engine;
    this._generation = generation;
    this._handle = value.handle;
    this.fact = value.fact;
    this.grain = value.grain;
    this.stateRows = value.stateRows;
    this.summary = value.summary;
    this.quality = value.quality;
  }

  async _ask(op, args = {}) {
    if (this._generation !== this._engine._generation) {
      throw new Error('this result is gone: the engine was restarted or cancelled since');
    }
    return (await this._engine._call(op, { handle: this._handle, ...args })).value;
  }

  /** A table as bytes: which = states|summary|transitions|cohorts|snapshot, format = parquet|csv|arrow. */
  table(which, format) {
    return this._ask('table', { which, format });
  }

  /** The file name (without extension) the CLI would give a table. */
  tableName(which) {
    return this._ask('tableName', { which });
  }

  distributions() {
    return this._ask('distributions');
  }

  userTimeline(user) {
    return this._ask('userTimeline', { user: String(user) });
  }

  sampleUsers(limit = 20) {
    return this._ask('sampleUsers', { limit });
  }

  /** Releases the result's WASM memory. */
  async free() {
    if (this._generation !== this._engine._generation) return;
    await this._ask('free');
  }
}

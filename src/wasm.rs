//! The WebAssembly façade: a thin `#[wasm_bindgen]` layer over the same
//! core the CLI calls. It converts JS values in and out and nothing else;
//! errors are converted once, here, into JS errors named by their kind.

use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::error::Error;
use crate::options::{Opt, Settings, Spelling, OPTIONS};
use crate::output::{Bar, Layer, TableKind};
use crate::read::InputFile;
use crate::run::{run_with_progress, Activation};
use crate::segment::{SegmentValue, Segments};
use crate::write::{batch_bytes, write_run, write_table, OutputFormat};

/// What every exported function returns: an [`Error`] is thrown as a JS
/// `Error` whose `name` is its kind's ([`crate::Kind::js_name`]), whose
/// message spells options as JS does, and whose `options` lists the
/// options the message names.
type WasmResult<T> = Result<T, JsValue>;

impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        let js = js_sys::Error::new(&e.message(Spelling::Js));
        js.set_name(e.kind().js_name());
        let options: Array = named_options(&e)
            .into_iter()
            .map(JsValue::from_str)
            .collect();
        // Setting a property of a fresh Error object cannot fail.
        let _ = Reflect::set(&js, &"options".into(), &options);
        js.into()
    }
}

/// The JS names of the options an error's message names, in the order it
/// names them, so that a page can point at their fields. They are found as
/// flags in the CLI's spelling of the message, where an option cannot be
/// mistaken for a word (`through` is both; `--through` only an option).
fn named_options(e: &Error) -> Vec<&'static str> {
    let text = e.message(Spelling::Cli);
    let mut named: Vec<(usize, &'static str)> = OPTIONS
        .iter()
        .chain([Opt::Snapshot.info(), Opt::Users.info()])
        .filter_map(|o| {
            text.match_indices(o.flag)
                .find(|(at, _)| {
                    let next = text[at + o.flag.len()..].chars().next();
                    !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
                })
                .map(|(at, _)| (at, o.name))
        })
        .collect();
    named.sort_unstable();
    named.into_iter().map(|(_, name)| name).collect()
}

#[wasm_bindgen(typescript_custom_section)]
const ERROR_NAMES: &str = r#"
/** The `name` of every Error the engine throws (a trap is a WebAssembly.RuntimeError). */
export type EngineErrorName = "UsageError" | "DataError" | "CorruptFileError" | "IoError" | "InternalError";
"#;

/// Installs a panic hook that logs to the console: a panic is a bug, and
/// must at least say where it happened before the module traps.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

fn to_js<T: Serialize>(v: &T) -> WasmResult<JsValue> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Error::Internal(e.to_string()).into())
}

fn usage(message: String) -> JsValue {
    Error::Usage(message).into()
}

/// A string argument, checked here: the bindings' own conversion of a
/// value that is not a string reads memory it should not, instead of
/// throwing.
fn text_arg(v: &JsValue, what: &str) -> WasmResult<String> {
    v.as_string().ok_or_else(|| {
        usage(format!(
            "{what} must be a string, not {}",
            v.js_typeof().as_string().unwrap_or_default()
        ))
    })
}

/// Bytes written into one JS array, so that a large table never sits whole
/// in the module's linear memory (which never shrinks). The array starts at
/// the table's size bound when one is known, so each byte is copied out of
/// WASM memory once; otherwise it doubles as it fills.
struct ToJs {
    /// Small writes (IPC headers, padding, CSV fields) gathered before
    /// crossing into JS; large ones (Arrow buffers) cross directly.
    piece: Vec<u8>,
    len: usize,
    capacity: usize,
}

const PIECE_BYTES: usize = 64 * 1024;
const MAX_JS_ARRAY: usize = u32::MAX as usize;

thread_local! {
    // The array being written. JS values cannot live in a `Send` writer,
    // and the module is single-threaded: one output is written at a time.
    static OUT: std::cell::RefCell<Option<Uint8Array>> = const { std::cell::RefCell::new(None) };
}

impl ToJs {
    fn new(capacity: Option<usize>) -> Self {
        OUT.with(|o| o.borrow_mut().take());
        ToJs {
            piece: Vec::with_capacity(PIECE_BYTES),
            len: 0,
            capacity: capacity.unwrap_or(PIECE_BYTES).clamp(1, MAX_JS_ARRAY),
        }
    }

    fn copy_out(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let need = self.len + bytes.len();
        if need > MAX_JS_ARRAY {
            return Err(std::io::Error::other("the table is larger than 4 GiB"));
        }
        // Taken out of the cell while JS runs: a JS exception (out of
        // memory) unwinds through here and must not leave the cell borrowed.
        let mut out = OUT
            .with(|o| o.borrow_mut().take())
            .unwrap_or_else(|| Uint8Array::new_with_length(self.capacity as u32));
        if need > out.length() as usize {
            let grown = need.max(2 * out.length() as usize).min(MAX_JS_ARRAY);
            let bigger = Uint8Array::new_with_length(grown as u32);
            bigger.set(&out.subarray(0, self.len as u32), 0);
            out = bigger;
        }
        // SAFETY: the view of WASM memory is read by `set` before anything
        // can allocate (and so move or grow that memory).
        let view = unsafe { Uint8Array::view(bytes) };
        out.set(&view, self.len as u32);
        OUT.with(|o| *o.borrow_mut() = Some(out));
        self.len = need;
        Ok(())
    }

    fn move_piece(&mut self) -> std::io::Result<()> {
        if !self.piece.is_empty() {
            let piece = std::mem::take(&mut self.piece);
            self.copy_out(&piece)?;
            self.piece = piece;
            self.piece.clear();
        }
        Ok(())
    }

    /// Every byte written. When the array's spare room is small it is
    /// returned as a view (no copy); otherwise as an exact copy.
    fn into_array(self) -> WasmResult<Uint8Array> {
        Ok(self.into_bytes()?)
    }

    fn into_bytes(mut self) -> Result<Uint8Array, Error> {
        self.move_piece().map_err(|e| Error::Data(e.to_string()))?;
        let out = OUT
            .with(|o| o.borrow_mut().take())
            .unwrap_or_else(|| Uint8Array::new_with_length(0));
        let (len, capacity) = (self.len as u32, out.length());
        Ok(if capacity - len <= len / 64 {
            out.subarray(0, len)
        } else {
            out.slice(0, len)
        })
    }
}

impl std::io::Write for ToJs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.piece.len() + buf.len() > PIECE_BYTES {
            self.move_piece()?;
        }
        if buf.len() >= PIECE_BYTES {
            self.copy_out(buf)?;
        } else {
            self.piece.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Reads a `{ name, bytes }` object.
fn input_file(v: &JsValue, what: &str) -> WasmResult<InputFile> {
    let bad = || {
        usage(format!(
            "{what} must be an object {{ name, bytes }} with bytes a Uint8Array"
        ))
    };
    if !v.is_object() {
        return Err(bad());
    }
    let name = Reflect::get(v, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_else(|| what.to_string());
    let bytes = Reflect::get(v, &"bytes".into()).map_err(|_| bad())?;
    let bytes: Uint8Array = bytes.dyn_into().map_err(|_| bad())?;
    Ok(InputFile::bytes(name, bytes.to_vec()))
}

/// Describes a fact file: format, columns, rows, the detected user and time
/// columns, and the distinct values of columns that could filter facts.
#[wasm_bindgen]
pub fn inspect(file: JsValue) -> WasmResult<JsValue> {
    let f = input_file(&file, "file")?;
    to_js(&crate::inspect::inspect(&f)?)
}

/// The data dictionary: every output table and column with its meaning.
#[wasm_bindgen]
pub fn dictionary() -> WasmResult<JsValue> {
    to_js(&crate::dictionary::to_json())
}

/// The options of `compute`, in order: `{ name, flag, description }` with
/// `name` the JS option name and `flag` the CLI's (the snapshot file, passed
/// as `options.snapshot`, is not among them).
#[wasm_bindgen]
pub fn options() -> WasmResult<JsValue> {
    to_js(&OPTIONS)
}

/// Upserts a run's table (`summary`, `transitions`, `cohorts` or `states`)
/// into an earlier one by the table's key — the same merge as
/// `activation merge`. Both files are CSV or both Parquet; the result has
/// their format.
#[wasm_bindgen(js_name = mergeTables)]
pub fn merge_tables(
    #[wasm_bindgen(unchecked_param_type = "string")] which: JsValue,
    history: JsValue,
    run: JsValue,
) -> WasmResult<Vec<u8>> {
    let kind: TableKind = text_arg(&which, "the table")?.parse()?;
    let history = input_file(&history, "history")?;
    let run = input_file(&run, "run")?;
    Ok(crate::merge::merge_files(&history, &run, kind.doc().key)?)
}

/// A table file (`{ name, bytes }`, Parquet or CSV, such as an earlier
/// output) as `parquet`, `csv` or `arrow` bytes.
#[wasm_bindgen(js_name = convertTable)]
pub fn convert_table(
    file: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] format: JsValue,
) -> WasmResult<Vec<u8>> {
    let format: OutputFormat = text_arg(&format, "the format")?.parse()?;
    Ok(crate::write::convert(&input_file(&file, "file")?, format)?)
}

/// The option that asks a segmented run for its segmented layer alone
/// (`unsegmented: false`): no layer without segments is computed.
const UNSEGMENTED: &str = "unsegmented";

/// Computes every output from fact files (`[{ name, bytes }]`) and options
/// (the CLI flags in camelCase, plus `snapshot` and `users` as
/// `{ name, bytes }`, and `unsegmented`). `onProgress`, if given, is called
/// with `{ phase, file, files, rows, fraction }`.
#[wasm_bindgen]
pub fn compute(
    files: JsValue,
    options: JsValue,
    on_progress: Option<Function>,
) -> WasmResult<Computation> {
    if on_progress.as_ref().is_some_and(|f| !f.is_function()) {
        return Err(usage("onProgress must be a function".into()));
    }
    let files: Array = files
        .dyn_into()
        .map_err(|_| usage("files must be an array of { name, bytes }".into()))?;
    let inputs = files
        .iter()
        .enumerate()
        .map(|(i, f)| input_file(&f, &format!("files[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let options: Object = if options.is_undefined() || options.is_null() {
        Object::new()
    } else {
        options
            .dyn_into()
            .map_err(|_| usage("options must be an object".into()))?
    };
    let file_option = |opt: Opt| {
        let name = opt.spelt(Spelling::Js);
        Reflect::get(&options, &name.into())
            .ok()
            .filter(|s| !s.is_undefined() && !s.is_null())
            .map(|s| input_file(&s, &format!("options.{name}")))
            .transpose()
    };
    let snapshot = file_option(Opt::Snapshot)?;
    let users = file_option(Opt::Users)?;
    // Not a run setting: which layers the result holds.
    let unsegmented = Reflect::get(&options, &UNSEGMENTED.into()).unwrap_or(JsValue::UNDEFINED);
    if !unsegmented.is_undefined() && unsegmented.as_bool().is_none() {
        return Err(usage(format!(
            "invalid options: {UNSEGMENTED} must be true or false"
        )));
    }
    // Unknown keys (typos) are refused like unknown CLI flags (Settings
    // denies unknown fields); the files' bytes travel separately.
    let plain = Object::assign(&Object::new(), &options);
    for key in [
        Opt::Snapshot.spelt(Spelling::Js),
        Opt::Users.spelt(Spelling::Js),
        UNSEGMENTED,
    ] {
        Reflect::delete_property(&plain, &key.into())
            .map_err(|_| usage("options must be a plain object".into()))?;
    }
    let known = || OPTIONS.iter().map(|o| o.name);
    if let Some(k) = Object::keys(&plain)
        .iter()
        .filter_map(|k| k.as_string())
        .find(|k| !known().any(|n| n == k))
    {
        return Err(usage(format!(
            "invalid options: unknown option `{k}`, expected one of {}",
            known().collect::<Vec<_>>().join(", ")
        )));
    }
    // The bindings' own conversion reports a list given as text as an
    // internal TypeError: the list options are checked here.
    let whole = |v: &JsValue| v.as_f64().is_some_and(|n| n.fract() == 0.0 && n >= 0.0);
    for (opt, of, is) in [
        (
            Opt::FactValues,
            "strings",
            &JsValue::is_string as &dyn Fn(&JsValue) -> bool,
        ),
        (Opt::Windows, "whole numbers of days", &whole),
    ] {
        let list = opt.spelt(Spelling::Js);
        let values = Reflect::get(&plain, &list.into()).unwrap_or(JsValue::UNDEFINED);
        if !values.is_undefined()
            && !(Array::is_array(&values) && Array::from(&values).iter().all(|v| is(&v)))
        {
            return Err(usage(format!(
                "invalid options: {list} must be a list of {of}, not {}",
                if Array::is_array(&values) {
                    "a list holding other values".into()
                } else {
                    values.js_typeof().as_string().unwrap_or_default()
                }
            )));
        }
    }
    let settings: Settings = serde_wasm_bindgen::from_value(plain.into())
        .map_err(|e| usage(format!("invalid options: {e}")))?;
    let mut opts = settings.to_options()?;
    opts.users = users;
    opts.unsegmented = unsegmented.as_bool().unwrap_or(true);
    let mut report = |p: &crate::progress::Progress| {
        if let (Some(f), Ok(v)) = (&on_progress, to_js(p)) {
            let _ = f.call1(&JsValue::NULL, &v);
        }
    };
    let inner = run_with_progress(&inputs, snapshot.as_ref(), &opts, &mut report)?;
    Ok(Computation { inner })
}

impl Computation {
    /// The run without segments, unless a split run resumed from a split
    /// snapshot (which has only its segmented layer).
    fn plain(&self) -> WasmResult<&Activation> {
        match &self.inner.segments {
            Some(s) if !s.plain => Err(crate::output::no_plain_layer().into()),
            _ => Ok(&self.inner),
        }
    }

    /// The layer a `table` call asks for: `plain` (the default) or
    /// `segmented`.
    fn layer(&self, which: &JsValue) -> WasmResult<Layer<'_>> {
        if which.is_undefined() || which.is_null() {
            return Ok(Layer::Plain(&self.inner));
        }
        match text_arg(which, "the layer")?.as_str() {
            "plain" => Ok(Layer::Plain(&self.inner)),
            "segmented" => match &self.inner.segments {
                Some(s) => Ok(Layer::Segmented(&self.inner, s)),
                None => Err(usage(format!(
                    "this run has no segmented layer: give {} with {}",
                    Opt::SegmentBy.spelt(Spelling::Js),
                    Opt::Users.spelt(Spelling::Js)
                ))),
            },
            other => Err(Error::invalid_option("the layer", other, "plain or segmented").into()),
        }
    }

    /// The segment a call asks for (`undefined`: none, the run without
    /// segments), with the segmented layer it is one of.
    fn segment(&self, segment: &JsValue) -> WasmResult<Option<(&Segments, SegmentValue)>> {
        if segment.is_undefined() {
            return Ok(None);
        }
        let Some(s) = &self.inner.segments else {
            return Err(usage(
                "this run has no segments: give no segment, or compute with segmentColumn, or users and segmentBy".into(),
            ));
        };
        Ok(Some((s, segment_value(segment, s)?)))
    }

    /// The layer of the segment a call asks for, or the run without
    /// segments.
    fn activation(&self, segment: &JsValue) -> WasmResult<&Activation> {
        match self.segment(segment)? {
            Some((s, v)) => Ok(s.layer(&v)?),
            None => self.plain(),
        }
    }
}

/// A segment as JS gives it, in the type of the run's segments: a string,
/// a whole number, or null for the null segment.
fn segment_value(v: &JsValue, segments: &Segments) -> WasmResult<SegmentValue> {
    if v.is_null() {
        return Ok(SegmentValue::Null);
    }
    // Beyond 2^53 a JS number no longer names one integer.
    let number = v
        .as_f64()
        .filter(|n| n.fract() == 0.0 && n.abs() <= (1u64 << 53) as f64);
    match (v.as_string(), number) {
        (Some(s), _) if !segments.is_int => Ok(SegmentValue::Text(s)),
        (_, Some(n)) if segments.is_int => Ok(SegmentValue::Int(n as i64)),
        _ => Err(usage(format!(
            "the segment must be {} or null: the segments of {} are {}",
            if segments.is_int {
                "a whole number"
            } else {
                "a string"
            },
            segments.column,
            if segments.is_int { "integers" } else { "text" }
        ))),
    }
}

/// The format of a run's files: Parquet or CSV, as the CLI writes them.
fn file_format(v: &JsValue) -> WasmResult<OutputFormat> {
    match text_arg(v, "the format")?.parse()? {
        OutputFormat::Arrow => {
            Err(Error::invalid_option("the format", "arrow", "parquet or csv").into())
        }
        f => Ok(f),
    }
}

/// The result of [`compute`]; it lives in WASM memory until `free()`.
#[wasm_bindgen]
pub struct Computation {
    inner: Activation,
}

#[wasm_bindgen]
impl Computation {
    /// The fact name.
    #[wasm_bindgen(getter)]
    pub fn fact(&self) -> String {
        self.inner.fact.clone()
    }

    /// The grain (`day`, `week`, `month`).
    #[wasm_bindgen(getter)]
    pub fn grain(&self) -> String {
        self.inner.calendar.grain().to_string()
    }

    /// The summary rows as plain objects keyed by the SPEC column names;
    /// null for a split run resumed from a split snapshot, which has only
    /// its segmented layer (`segments`).
    #[wasm_bindgen(getter)]
    pub fn summary(&self) -> WasmResult<JsValue> {
        match self.plain() {
            Ok(a) => to_js(&a.aggregates.summary),
            // A split run resumed from a split snapshot: `segments` has it.
            Err(_) => Ok(JsValue::NULL),
        }
    }

    /// The quality report.
    #[wasm_bindgen(getter)]
    pub fn quality(&self) -> WasmResult<JsValue> {
        to_js(&self.inner.quality)
    }

    /// Number of rows of the states table.
    #[wasm_bindgen(getter, js_name = stateRows)]
    pub fn state_rows(&self) -> usize {
        self.inner.states.len()
    }

    /// The names of the run's tables, in the order the CLI writes them:
    /// `depth` only in weekly and monthly runs.
    #[wasm_bindgen(getter)]
    pub fn tables(&self) -> Vec<String> {
        Layer::Plain(&self.inner)
            .tables()
            .map(|t| t.as_str().to_string())
            .collect()
    }

    /// One table (`states`, `summary`, `transitions`, `cohorts`, `snapshot`,
    /// `activity`, `depth`) as `parquet`, `csv` or `arrow` (IPC stream)
    /// bytes, of the run without
    /// segments or, with `layer` `segmented`, of its segmented layer. The
    /// array may be a view on a slightly larger buffer (its `byteLength` is
    /// the table's).
    pub fn table(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] which: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] format: JsValue,
        #[wasm_bindgen(unchecked_param_type = "'plain' | 'segmented' | undefined")] layer: JsValue,
    ) -> WasmResult<Uint8Array> {
        let kind: TableKind = text_arg(&which, "the table")?.parse()?;
        let format: OutputFormat = text_arg(&format, "the format")?.parse()?;
        let layer = self.layer(&layer)?;
        let bound = match format {
            OutputFormat::Arrow => layer.arrow_size_bound(kind),
            _ => None,
        };
        write_table(layer, kind, format, ToJs::new(bound))?.into_array()
    }

    /// Every file the CLI writes for this layer (`plain`, the default, or
    /// `segmented`) with tables in `format` (`parquet` or `csv`), as
    /// `[{ name, bytes }]`: the tables, the snapshot, the quality report,
    /// and last `datapackage.json`, which describes them all (SPEC
    /// section 14).
    pub fn files(
        &self,
        #[wasm_bindgen(unchecked_param_type = "'parquet' | 'csv'")] format: JsValue,
        #[wasm_bindgen(unchecked_param_type = "'plain' | 'segmented' | undefined")] layer: JsValue,
    ) -> WasmResult<Array> {
        let format = file_format(&format)?;
        let out = Array::new();
        write_run(self.layer(&layer)?, format, &mut |name, write| {
            let mut w = ToJs::new(None);
            write(&mut w)?;
            let file = Object::new();
            let set = |k: &str, v: &JsValue| {
                Reflect::set(&file, &k.into(), v)
                    .map(|_| ())
                    .map_err(|_| Error::Internal("building a file object".into()))
            };
            set("name", &name.into())?;
            set("bytes", &w.into_bytes()?.into())?;
            out.push(&file);
            Ok(())
        })?;
        Ok(out)
    }

    /// The data package (SPEC section 14) that [`Computation::files`]
    /// ends with, as an object: every file with its size, hash and Table
    /// Schema, and the run's settings.
    pub fn datapackage(
        &self,
        #[wasm_bindgen(unchecked_param_type = "'parquet' | 'csv'")] format: JsValue,
        #[wasm_bindgen(unchecked_param_type = "'plain' | 'segmented' | undefined")] layer: JsValue,
    ) -> WasmResult<JsValue> {
        let format = file_format(&format)?;
        let package = write_run(self.layer(&layer)?, format, &mut |_, write| {
            write(&mut std::io::sink())
        })?;
        to_js(&package)
    }

    /// The file name (without extension) of a table, as the CLI writes it.
    #[wasm_bindgen(js_name = tableName)]
    pub fn table_name(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] which: JsValue,
        #[wasm_bindgen(unchecked_param_type = "'plain' | 'segmented' | undefined")] layer: JsValue,
    ) -> WasmResult<String> {
        let kind: TableKind = text_arg(&which, "the table")?.parse()?;
        Ok(self.layer(&layer)?.file_stem(kind))
    }

    /// The segmented layer (SPEC section 11): its kind, column, fact name,
    /// quality report (rows and users per segment) and summary rows, each
    /// with its `segment`; null for a run without segments.
    #[wasm_bindgen(getter)]
    pub fn segments(&self) -> WasmResult<JsValue> {
        let Some(s) = &self.inner.segments else {
            return Ok(JsValue::NULL);
        };
        #[derive(Serialize)]
        struct Row<'a> {
            segment: &'a SegmentValue,
            #[serde(flatten)]
            row: &'a crate::summary::SummaryRow,
        }
        #[derive(Serialize)]
        struct View<'a> {
            kind: &'a str,
            column: &'a str,
            fact: &'a str,
            quality: &'a crate::quality::Quality,
            summary: Vec<Row<'a>>,
        }
        to_js(&View {
            kind: s.kind,
            column: &s.column,
            fact: &s.fact,
            quality: &s.quality,
            summary: s
                .layers
                .iter()
                .flat_map(|(segment, a)| {
                    a.aggregates
                        .summary
                        .iter()
                        .map(move |row| Row { segment, row })
                })
                .collect(),
        })
    }

    /// Distributions of streak length, gap between active periods and
    /// churn duration, of the run without segments or of one segment.
    pub fn distributions(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | number | null | undefined")]
        segment: JsValue,
    ) -> WasmResult<JsValue> {
        to_js(&self.activation(&segment)?.distributions.report())
    }

    /// One user's state in every reported period (null for an unknown id),
    /// in the run without segments or in one segment.
    #[wasm_bindgen(js_name = userTimeline)]
    pub fn user_timeline(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] user_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | number | null | undefined")]
        segment: JsValue,
    ) -> WasmResult<JsValue> {
        let user_id = text_arg(&user_id, "the user id")?;
        match crate::timeline::timeline(self.activation(&segment)?, &user_id) {
            Some(t) => to_js(&t),
            None => Ok(JsValue::NULL),
        }
    }

    /// The rows of the states table behind one bar of a lifecycle chart,
    /// `{ period, state, segment }`: the users counted as `state` (`new`,
    /// `retained`, `reactivated` or `churned`) in the period starting on
    /// `period` (`YYYY-MM-DD`), as `parquet`, `csv` or `arrow` bytes. With
    /// a `segment` (null is the null segment), the segmented layer's rows
    /// of that segment (segment first); without, the run without segments.
    /// Only that period's rows are read.
    #[wasm_bindgen(js_name = usersBehind)]
    pub fn users_behind(
        &self,
        #[wasm_bindgen(
            unchecked_param_type = "{ period: string; state: string; segment?: string | number | null }"
        )]
        bar: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] format: JsValue,
    ) -> WasmResult<Vec<u8>> {
        let format: OutputFormat = text_arg(&format, "the format")?.parse()?;
        if !bar.is_object() {
            return Err(usage(
                "the bar must be an object { period, state, segment }".into(),
            ));
        }
        let field = |name: &str| Reflect::get(&bar, &name.into()).unwrap_or(JsValue::UNDEFINED);
        let period = crate::grain::parse_day(
            "the bar's period",
            &text_arg(&field("period"), "the bar's period")?,
        )?;
        let kind: Bar = text_arg(&field("state"), "the bar's state")?.parse()?;
        let segment = self.segment(&field("segment"))?;
        let (a, layer) = match &segment {
            Some((s, v)) => (s.layer(v)?, Layer::Segmented(&self.inner, s)),
            None => (self.plain()?, Layer::Plain(&self.inner)),
        };
        let rows =
            crate::output::bar_rows(a, segment.as_ref().map(|(s, v)| (*s, v)), period, kind)?;
        // In Parquet, the run's settings, as on its states table.
        Ok(batch_bytes(format, &rows, &layer.quality().settings())?)
    }

    /// A few user ids in output order, for the lookup's suggestions, of the
    /// run without segments or of one segment.
    #[wasm_bindgen(js_name = sampleUsers)]
    pub fn sample_users(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] limit: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | number | null | undefined")]
        segment: JsValue,
    ) -> WasmResult<Vec<String>> {
        let limit = limit
            .as_f64()
            .filter(|n| n.fract() == 0.0 && *n >= 0.0)
            .ok_or_else(|| usage("the limit must be a whole number of users".into()))?;
        let ids = match self.segment(&segment)? {
            Some((s, v)) => s.layer(&v)?.ids(),
            None => self.inner.ids(),
        };
        Ok(ids
            .sorted_order()
            .into_iter()
            .take(limit as usize)
            .map(|u| ids.display(u))
            .collect())
    }
}

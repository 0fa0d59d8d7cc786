//! The two names parquet's Brotli codec uses, and nothing else.
//!
//! The engine reads Parquet files of every codec but writes its own with
//! Snappy, so it never compresses with Brotli. The `brotli` crate's encoder
//! is nonetheless linked in through parquet's codec table, and with its
//! tables it is about 285 kB of the `.wasm` after brotli compression (a
//! quarter of the module, BENCHMARKS.md). The decoder here is the very one
//! the `brotli` crate re-exports (`brotli-decompressor`), so every Brotli
//! file reads exactly as before.
#![deny(missing_docs)]

use std::io::{Error, ErrorKind, Result, Write};

pub use brotli_decompressor::reader::Decompressor;

/// parquet's Brotli compressor: every write fails, with a message that says
/// why. Nothing in the project asks parquet for Brotli output.
pub struct CompressorWriter<W>(W);

impl<W: Write> CompressorWriter<W> {
    /// The signature of `brotli::CompressorWriter::new`; the settings are
    /// unused.
    pub fn new(inner: W, _buffer_size: usize, _quality: u32, _lg_window: u32) -> Self {
        Self(inner)
    }
}

impl<W: Write> Write for CompressorWriter<W> {
    fn write(&mut self, _: &[u8]) -> Result<usize> {
        Err(Error::new(
            ErrorKind::Unsupported,
            "this build of activation-layer reads Brotli-compressed Parquet but does not write it",
        ))
    }

    fn flush(&mut self) -> Result<()> {
        self.0.flush()
    }
}

//! Every Parquet codec the engine reads, for the native and WASM readers' tests.

use parquet::basic::{BrotliLevel, Compression, GzipLevel, ZstdLevel};

/// Each codec with a name for file names and messages.
pub fn all() -> [(&'static str, Compression); 7] {
    [
        ("uncompressed", Compression::UNCOMPRESSED),
        ("snappy", Compression::SNAPPY),
        ("gzip", Compression::GZIP(GzipLevel::default())),
        ("brotli", Compression::BROTLI(BrotliLevel::default())),
        ("lz4", Compression::LZ4),
        ("lz4_raw", Compression::LZ4_RAW),
        ("zstd", Compression::ZSTD(ZstdLevel::default())),
    ]
}

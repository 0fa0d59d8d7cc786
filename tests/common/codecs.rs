//! Every Parquet codec the engine reads, for the native and WASM readers' tests.

use parquet::basic::{Compression, GzipLevel, ZstdLevel};

/// Each codec the tests write with parquet's writer, with a name for file
/// names and messages. Brotli is read from `brotli_files`: the project
/// links only its decoder (crates/brotli).
pub fn written() -> [(&'static str, Compression); 6] {
    [
        ("uncompressed", Compression::UNCOMPRESSED),
        ("snappy", Compression::SNAPPY),
        ("gzip", Compression::GZIP(GzipLevel::default())),
        ("lz4", Compression::LZ4),
        ("lz4_raw", Compression::LZ4_RAW),
        ("zstd", Compression::ZSTD(ZstdLevel::default())),
    ]
}

/// The SPEC example as Brotli Parquet written by pyarrow
/// (scripts/parquet_fixtures.py): three row groups of four rows, a page per
/// two rows, with dictionary pages (and the ids as an Arrow dictionary) and
/// without.
pub fn brotli_files() -> [(&'static str, &'static [u8]); 2] {
    [
        (
            "brotli_dict",
            include_bytes!("../data/spec_example_brotli_dict.parquet"),
        ),
        (
            "brotli_plain",
            include_bytes!("../data/spec_example_brotli_plain.parquet"),
        ),
    ]
}

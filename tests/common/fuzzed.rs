//! What the fuzz targets do with their bytes (fuzz/, `make fuzz`), once for
//! the fuzzer and for `cargo test`, which replays every input kept under
//! `tests/data/fuzz/`. Each must end in numbers or an error, never a panic,
//! an abort or an allocation beyond libFuzzer's limit.
//!
//! Included with `#[path = ...] mod fuzzed;`.

// Each crate uses only part of this module; the rest would warn there.
#![allow(dead_code)]

use activation_layer::{run, Error, Grain, InputFile, RunOptions};

/// The worked example's facts.
const FACTS: &[u8] = include_bytes!("../data/spec_example.csv");

/// The bytes as a fact file, named without an extension so that the
/// Parquet magic decides its format.
pub fn facts(data: &[u8]) -> Result<(), Error> {
    let mut o = RunOptions::new(Grain::Week);
    o.max_rejected = 1.0;
    run(&[InputFile::bytes("facts", data.to_vec())], None, &o).map(drop)
}

/// The bytes as the snapshot a run of the worked example resumes from.
pub fn snapshot(data: &[u8]) -> Result<(), Error> {
    let mut o = RunOptions::new(Grain::Week);
    o.skip_overlap = true;
    let facts = InputFile::bytes("spec_example.csv", FACTS);
    let snap = InputFile::bytes("snapshot", data.to_vec());
    run(&[facts], Some(&snap), &o).map(drop)
}

/// What a target does with one input.
pub type Target = fn(&[u8]) -> Result<(), Error>;

/// The targets by name, as `fuzz/` and `tests/data/fuzz/` name them.
pub const TARGETS: [(&str, Target); 2] = [("facts", facts), ("snapshot", snapshot)];

/// The largest single allocation a fuzz input may cause.
const MAX_ALLOCATION: usize = 512 << 20;

/// The fuzz targets' allocator: the system's, aborting (a finding) on any
/// single allocation beyond [`MAX_ALLOCATION`]. libFuzzer's own
/// `-malloc_limit_mb` needs a sanitizer, which the stable toolchain lacks,
/// and its RSS limit misses a reservation never touched.
pub struct Capped;

// SAFETY: every call is passed to `System` unchanged, or aborts.
unsafe impl std::alloc::GlobalAlloc for Capped {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if layout.size() > MAX_ALLOCATION {
            std::process::abort();
        }
        unsafe { std::alloc::System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, size: usize) -> *mut u8 {
        if size > MAX_ALLOCATION {
            std::process::abort();
        }
        unsafe { std::alloc::System.realloc(ptr, layout, size) }
    }
}

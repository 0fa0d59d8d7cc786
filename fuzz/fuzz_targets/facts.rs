//! Any bytes as a fact file (tests/common/fuzzed.rs).
#![no_main]

#[path = "../../tests/common/fuzzed.rs"]
mod fuzzed;

#[global_allocator]
static ALLOCATOR: fuzzed::Capped = fuzzed::Capped;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = fuzzed::facts(data);
});

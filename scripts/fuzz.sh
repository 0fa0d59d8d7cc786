#!/usr/bin/env bash
# make fuzz: coverage-guided fuzzing of the readers (fuzz/, libFuzzer on the
# stable toolchain), FUZZ_SECONDS (default 60) per target. The working
# corpus grows in fuzz/corpus/TARGET from the seeds in tests/data/fuzz/TARGET;
# an input that crashes, aborts, times out or allocates beyond the limit is
# copied into tests/data/fuzz/TARGET/, where `cargo test` (tests/hostile.rs)
# replays it from then on: commit it with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
# cargo fuzz's instrumentation, without its sanitizer (which needs nightly);
# the explicit --target keeps it out of build scripts and proc macros.
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
triple=$(rustc -vV | sed -n 's/^host: //p')
(cd fuzz && cargo build --release --locked --target "$triple")
failed=0
for target in facts snapshot; do
  corpus=fuzz/corpus/$target artifacts=fuzz/artifacts/$target
  mkdir -p "$corpus" "$artifacts"
  echo "fuzzing $target for ${seconds}s"
  # A file may claim what it likes; one allocation beyond 512 MB for a file of
  # at most 64 KB aborts (the targets' allocator, tests/common/fuzzed.rs), and
  # that is a finding, as are 2 GB resident and a run over 10 s.
  if ! "fuzz/target/$triple/release/$target" "$corpus" "tests/data/fuzz/$target" \
      -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$artifacts/" -print_final_stats=1 2> "$artifacts/log.txt"; then
    tail -n 30 "$artifacts/log.txt"
    for f in "$artifacts"/crash-* "$artifacts"/oom-* "$artifacts"/timeout-* "$artifacts"/leak-*; do
      [ -e "$f" ] || continue
      cp "$f" "tests/data/fuzz/$target/"
      echo "kept as a regression case: tests/data/fuzz/$target/$(basename "$f")"
    done
    failed=1
  else
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)|cov:' "$artifacts/log.txt" | tail -n 3
  fi
done
exit $failed

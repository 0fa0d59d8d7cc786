#!/usr/bin/env bash
# Shows that a change leaves every output byte-identical: builds the CLI at
# a base revision (default: origin of the change, HEAD) in a temporary git
# worktree and at the working tree, runs both on the same inputs (the SPEC
# example, the demo data, random sets from the generator; every grain, both
# row modes, both formats, zones and week starts, snapshot resumes and
# merges), and compares every file they write and their warnings, byte for
# byte.
#
#   scripts/same_outputs.sh [BASE_REV]      (make same-outputs BASE=rev)
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-HEAD}
work=$(mktemp -d)
# The base's tree is kept at one path (checked out again for another base),
# so that cargo rebuilds it only when the base changes.
tree=target/same-outputs-base/tree
trap 'rm -rf "$work"' EXIT

if git -C "$tree" rev-parse --git-dir >/dev/null 2>&1; then
  git -C "$tree" checkout --quiet --detach "$base"
else
  git worktree prune
  git worktree add --quiet --detach "$tree" "$base"
fi
echo "building $base and the working tree"
cargo build --quiet --release --locked --manifest-path "$tree/Cargo.toml" --target-dir target/same-outputs-base
cargo build --quiet --release --locked
old=target/same-outputs-base/release/activation
new=target/release/activation

# Inputs: the SPEC example, the page's demo data, random sets (string and
# integer ids, several seeds), written once by the new generator.
in=$work/in
mkdir -p "$in"
cp tests/data/spec_example.csv "$in/spec_example.csv"
# Rows in time order (the generator's default), grouped by user and shuffled.
"$new" generate --events 400000 --users 40000 --days 210 --seed 42 --out "$in/demo_events.parquet" >/dev/null
"$new" generate --events 50000 --users 4000 --days 400 --seed 7 --order user --out "$in/random_a.csv" >/dev/null
"$new" generate --events 50000 --users 3000 --days 120 --seed 11 --int-ids --order random --out "$in/random_b.parquet" >/dev/null
# The generator itself is unchanged (a base without --order wrote rows by user).
order=(--order user)
"$old" generate --help | grep -q -- --order || order=()
"$old" generate --events 50000 --users 4000 --days 400 --seed 7 "${order[@]}" --out "$in/random_a_old.csv" >/dev/null
cmp "$in/random_a.csv" "$in/random_a_old.csv"
rm "$in/random_a_old.csv"

# One run with each binary; the arguments name the inputs relative to $in.
runs=0
run() {
  local id=$1; shift
  for bin in old new; do
    local out=$work/$bin/$id
    mkdir -p "$out"
    local exe=$old; [ "$bin" = new ] && exe=$new
    (cd "$in" && "$OLDPWD/$exe" run "$@" --out "$out" >/dev/null 2>"$out.stderr") || echo "exit $?" >>"$out.stderr"
  done
  runs=$((runs + 1))
}

for f in spec_example.csv demo_events.parquet random_a.csv random_b.parquet; do
  for g in day week month; do
    for rows in changes all; do
      for fmt in parquet csv; do
        run "${f%.*}-$g-$rows-$fmt" "$f" --grain "$g" --rows "$rows" --format "$fmt"
      done
    done
  done
done
run spec-sunday-seoul spec_example.csv --grain week --week-start sunday --timezone Asia/Seoul --through 2024-02-04
run spec-report-from spec_example.csv --grain week --report-from 2024-01-15 --through 2024-02-10 --format csv
run demo-ny demo_events.parquet --grain week --timezone America/New_York --week-start sunday

# Incremental: a cut, then a resume from the snapshot each binary wrote, and
# a merge into a history directory.
for g in day week month; do
  run "cut-$g" random_a.csv --grain "$g" --through 2024-03-17 --name random_a
  for bin in old new; do
    exe=$old; [ "$bin" = new ] && exe=$new
    # Paths relative to each binary's own directory: the quality report
    # names the snapshot as given.
    (cd "$work/$bin" && "$OLDPWD/$exe" run "$in/random_a.csv" --grain "$g" --snapshot "cut-$g/random_a_firstlast.parquet" \
      --skip-overlap --out "resume-$g" >/dev/null 2>"resume-$g.stderr") || echo "exit $?" >>"$work/$bin/resume-$g.stderr"
    mkdir -p "$work/$bin/history-$g"
    "$exe" merge "$work/$bin/history-$g" "$work/$bin/cut-$g" >/dev/null
    "$exe" merge "$work/$bin/history-$g" "$work/$bin/resume-$g" >/dev/null
  done
  runs=$((runs + 1))
done

files=$(cd "$work/old" && find . -type f | wc -l)
if diff -r "$work/old" "$work/new" >"$work/diff.txt"; then
  echo "same outputs: $runs runs, $files files byte-identical between $base and the working tree"
else
  echo "outputs differ between $base and the working tree:"
  head -50 "$work/diff.txt"
  exit 1
fi

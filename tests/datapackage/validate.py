#!/usr/bin/env python3
"""The data packages activation-layer writes (SPEC section 14), checked by
the Frictionless validator as any user's tool would read them.

For run directories of the CLI (CSV and Parquet tables, every grain, a
split and a partition, an incremental run and the history it is merged
into) and for directories given with --dir (the dashboard's "Download
all", unzipped by the e2e test):

- `frictionless validate` on datapackage.json: every resource's size and
  SHA-256, every CSV row against its Table Schema (types, required
  columns, allowed values, primary keys), every Parquet table's columns;
- every column of every table has a description;
- the schema's types are the file's: for Parquet, the column types of its
  footer (frictionless reads Parquet through pandas, which would accept an
  integer column described as a number);
- every file of the directory is a resource, and every resource a file.

And `activation dictionary --format frictionless`: each table's schema is a
valid Table Schema, and the CSV tables of the runs (a split's with the
segment field first) validate against it.

Usage: validate.py --cli target/debug/activation [--dir DIR]...
Exits 1 when a package fails, naming the package, the file and the error.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import fastparquet
from frictionless import Resource, Schema, validate

# Parquet physical types and the DATE converted type (parquet-format).
BOOLEAN, INT32, INT64, FLOAT, DOUBLE, BYTE_ARRAY = 0, 1, 2, 4, 5, 6
DATE = 6


def parquet_type(element):
    """The Table Schema type of a Parquet column."""
    t = element.type
    if t == BOOLEAN:
        return "boolean"
    if t == INT32 and element.converted_type == DATE:
        return "date"
    if t in (INT32, INT64):
        return "integer"
    if t in (FLOAT, DOUBLE):
        return "number"
    if t == BYTE_ARRAY:
        return "string"
    return f"parquet type {t}"


def problems(directory):
    """What is wrong with the package in `directory`, as lines."""
    out = []
    path = os.path.join(directory, "datapackage.json")
    with open(path, encoding="utf-8") as f:
        package = json.load(f)
    report = validate(path)
    if not report.valid:
        for task in report.tasks:
            for e in task.errors:
                out.append(f"{task.name}: {e.type}: {e.message}")
        for e in report.errors:
            out.append(f"package: {e.type}: {e.message}")
    listed = sorted(r["path"] for r in package["resources"])
    present = sorted(f for f in os.listdir(directory) if f != "datapackage.json")
    if listed != present:
        out.append(f"resources {listed} are not the directory's files {present}")
    for r in package["resources"]:
        schema = r.get("schema")
        if schema is None:
            continue
        for field in schema["fields"]:
            if not field.get("description", "").strip():
                out.append(f"{r['path']}: column {field['name']} has no description")
        if r["format"] == "parquet":
            elements = fastparquet.ParquetFile(os.path.join(directory, r["path"])).schema.schema_elements[1:]
            types = {e.name: parquet_type(e) for e in elements}
            for field in schema["fields"]:
                if types.get(field["name"]) != field["type"]:
                    out.append(
                        f"{r['path']}: column {field['name']} is {types.get(field['name'])} in the file, {field['type']} in the schema"
                    )
    return out


def dictionary_problems(dictionary, directories):
    """What is wrong with the dictionary's Table Schemas (the JSON of
    `activation dictionary --format frictionless`): each must be a valid
    Table Schema, and every CSV table of `directories` (runs with the
    default windows) must validate against its table's schema, the segment
    field first in a segmented layer. Returns (problems, tables checked)."""
    problems, checked = [], 0
    for table, entry in dictionary["tables"].items():
        report = Schema.validate_descriptor(entry["schema"])
        problems += [f"dictionary {table}: {e.message}" for e in report.errors]
    for directory in directories:
        with open(os.path.join(directory, "datapackage.json"), encoding="utf-8") as f:
            package = json.load(f)
        segmented = package["activation"].get("segment_kind") is not None
        for r in package["resources"]:
            if r["format"] != "csv":
                continue
            schema = dict(dictionary["tables"][r["name"]]["schema"])
            if segmented:
                schema["fields"] = [dictionary["segment_field"]] + schema["fields"]
                schema["primaryKey"] = ["segment"] + schema["primaryKey"]
            resource = Resource(path=r["path"], basepath=directory, schema=Schema.from_descriptor(schema))
            report = validate(resource)
            checked += 1
            if not report.valid:
                for task in report.tasks:
                    problems += [f"{r['path']} against the dictionary: {e.type}: {e.message}" for e in task.errors]
    return problems, checked


def mutants_are_refused(valid_csv, valid_parquet, work):
    """The checks fail where they must: a mutated copy of valid packages
    (a state outside its enum, with the file's hash updated; a column
    without a description; a Parquet column's type changed) is refused."""
    import hashlib
    import shutil

    def copy(src, name, edit):
        d = os.path.join(work, name)
        shutil.copytree(src, d)
        path = os.path.join(d, "datapackage.json")
        with open(path, encoding="utf-8") as f:
            package = json.load(f)
        edit(d, package)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(package, f)
        return d

    def resource(package, name):
        return next(r for r in package["resources"] if r["name"] == name)

    def bad_state(d, package):
        r = resource(package, "states")
        path = os.path.join(d, r["path"])
        with open(path, encoding="utf-8") as f:
            text = f.read().replace(",reactivated,", ",revived,", 1)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        data = text.encode()
        r["bytes"] = len(data)
        r["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()

    def no_description(d, package):
        resource(package, "summary")["schema"]["fields"][3]["description"] = ""

    def wrong_type(d, package):
        resource(package, "depth")["schema"]["fields"][2]["type"] = "number"

    failures = []
    for name, src, edit, says in [
        ("bad-state", valid_csv, bad_state, "constraint-error"),
        ("no-description", valid_csv, no_description, "has no description"),
        ("wrong-type", valid_parquet, wrong_type, "is integer in the file, number in the schema"),
    ]:
        found = problems(copy(src, name, edit))
        if not any(says in line for line in found):
            failures.append(f"mutant {name} was not refused with {says!r}: {found}")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cli", required=True, help="the activation CLI")
    parser.add_argument("--dir", action="append", default=[], help="also validate this directory's package")
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    spec = os.path.join(root, "tests", "data", "spec_example.csv")
    with tempfile.TemporaryDirectory(prefix="activation-datapackage-") as work:
        sys.exit(check_all(args, spec, work))


def check_all(args, spec, work):
    """Writes the runs into `work` and checks their packages; the exit code."""

    def cli(*a):
        quiet = ["--quiet"] if a[0] == "run" else []
        # The runs' warnings (incomplete weeks, rejected rows) are expected:
        # shown only when a run fails.
        done = subprocess.run([args.cli, *a, *quiet], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode:
            sys.exit(f"activation {' '.join(a)} failed ({done.returncode}): {done.stderr}")

    gen = os.path.join(work, "gen.parquet")
    users = os.path.join(work, "users.parquet")
    cli("generate", "--events", "20000", "--users", "1500", "--days", "120", "--seed", "7",
        "--event-kinds", "4", "--users-out", users, "--out", gen)
    runs = {
        "spec-csv": [spec, "--grain", "week", "--through", "2024-02-04", "--format", "csv"],
        "spec-parquet": [spec, "--grain", "week", "--through", "2024-02-04"],
        "gen-month-csv": [gen, "--grain", "month", "--timezone", "America/New_York", "--rows", "all", "--format", "csv"],
        "gen-day-parquet": [gen, "--grain", "day", "--windows", "2,30"],
        "gen-split-csv": [gen, "--grain", "week", "--week-start", "sunday", "--segment-col", "event", "--format", "csv"],
        # Its text segment column is a dictionary in Parquet (a string to readers).
        "gen-split-parquet": [gen, "--grain", "month", "--segment-col", "event"],
        "gen-partition-parquet": [gen, "--grain", "week", "--users", users, "--segment-by", "plan"],
    }
    dirs = []
    for label, a in runs.items():
        d = os.path.join(work, label)
        cli("run", *a, "--out", d)
        dirs.append(d)
    # An incremental run from a mid-week cut, and the history both are merged into.
    for fmt in ("csv", "parquet"):
        first, second, history = (os.path.join(work, f"{n}-{fmt}") for n in ("first", "second", "history"))
        cli("run", gen, "--grain", "week", "--through", "2024-02-14", "--format", fmt, "--out", first)
        snapshot = os.path.join(first, "gen_firstlast.parquet")
        cli("run", gen, "--grain", "week", "--snapshot", snapshot, "--skip-overlap", "--format", fmt, "--out", second)
        cli("merge", history, first)
        cli("merge", history, second)
        dirs += [second, history]
    failed = 0
    for d in dirs + args.dir:
        found = problems(d)
        status = "valid" if not found else "INVALID"
        print(f"{status}: {d}")
        for line in found:
            print(f"  {line}")
        failed += bool(found)
    print(f"{len(dirs) + len(args.dir) - failed} of {len(dirs) + len(args.dir)} data packages valid")
    refused = mutants_are_refused(dirs[0], dirs[1], work)
    for line in refused:
        print(line)
    print(f"{3 - len(refused)} of 3 mutated packages refused")
    # Runs with the default windows, one of them split.
    default_windows = [os.path.join(work, label) for label in ("spec-csv", "gen-month-csv", "gen-split-csv")]
    printed = subprocess.run([args.cli, "dictionary", "--format", "frictionless"], check=True,
                             capture_output=True, text=True).stdout
    dictionary = json.loads(printed)
    wrong, checked = dictionary_problems(dictionary, default_windows)
    for line in wrong:
        print(f"  {line}")
    print(f"dictionary --format frictionless: {'valid' if not wrong else 'INVALID'}, "
          f"{checked} CSV tables checked against its schemas")
    # And a dictionary whose states schema lost a state is refused.
    states = dictionary["tables"]["states"]["schema"]["fields"]
    for f in states:
        if f["name"] == "state":
            f["constraints"]["enum"] = [v for v in f["constraints"]["enum"] if v != "reactivated"]
    found, _ = dictionary_problems(dictionary, default_windows[:1])
    mutant = [] if any("constraint-error" in line for line in found) else [
        f"a dictionary without the state reactivated was not refused: {found}"]
    for line in mutant:
        print(line)
    print(f"{1 - len(mutant)} of 1 mutated dictionary refused")
    return 1 if failed or refused or wrong or mutant else 0


if __name__ == "__main__":
    main()

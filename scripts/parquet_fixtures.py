"""Writes the Parquet fixtures of tests/data, the worked example of SPEC
section 10 written by pyarrow (a common writer, and not the one under test):

- spec_example_crc.parquet: with page checksums (CRC32), which pyarrow sets;
- spec_example_brotli_dict.parquet and spec_example_brotli_plain.parquet:
  Brotli pages, which the project cannot write itself (crates/brotli keeps
  only the decoder), in three row groups of four rows and a page per two
  rows; the first with dictionary pages and the ids as an Arrow dictionary,
  the second plain strings without dictionary pages.

The files are committed; rerun this script (with pyarrow installed) only to
change them."""

import csv
import datetime
import pathlib

import pyarrow as pa
import pyarrow.parquet as pq

data = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data"
with open(data / "spec_example.csv", newline="") as f:
    rows = list(csv.DictReader(f))
users = pa.array([r["user_id"] for r in rows], pa.string())
dates = pa.array([datetime.date.fromisoformat(r["event_date"]) for r in rows], pa.date32())

pq.write_table(
    pa.table({"user_id": users, "event_date": dates}),
    data / "spec_example_crc.parquet",
    write_page_checksum=True,
    compression="snappy",
    write_statistics=False,
)
for name, ids, dictionary in [
    ("dict", users.dictionary_encode(), True),
    ("plain", users, False),
]:
    pq.write_table(
        pa.table({"user_id": ids, "event_date": dates}),
        data / f"spec_example_brotli_{name}.parquet",
        compression="brotli",
        use_dictionary=dictionary,
        row_group_size=4,
        data_page_size=1,
        write_batch_size=2,
    )

"""Writes tests/data/spec_example_crc.parquet: the worked example of SPEC
section 10 as Parquet with page checksums (CRC32), written by pyarrow, the
common writer that sets them. The file is committed; rerun this script
(with pyarrow installed) only to change it."""

import csv
import datetime
import pathlib

import pyarrow as pa
import pyarrow.parquet as pq

data = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data"
with open(data / "spec_example.csv", newline="") as f:
    rows = list(csv.DictReader(f))
table = pa.table(
    {
        "user_id": pa.array([r["user_id"] for r in rows], pa.string()),
        "event_date": pa.array(
            [datetime.date.fromisoformat(r["event_date"]) for r in rows], pa.date32()
        ),
    }
)
pq.write_table(
    table,
    data / "spec_example_crc.parquet",
    write_page_checksum=True,
    compression="snappy",
    write_statistics=False,
)

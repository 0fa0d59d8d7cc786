"""Native DuckDB (the Python package `duckdb`) as the reference a data
engineer would reach for: the same SQL as DuckDB-WASM (bench/sql.mjs sends
it on stdin), reading the same Parquet file from disk, with threads set to
the given number. A warm-up then N timed runs; prints one JSON object.

    python3 duckdb_native.py < job.json
    job: {"threads": 1, "runs": 5, "rows": false, "sql": {"run": [...],
          "summary": "...", "statesCheck": "...", "transitions": "...",
          "cohorts": "...", "snapshot": "...", "cleanup": [...]}}

The warm-up also fetches the transitions and cohorts (and with "rows" the
snapshot) for the cross-check, outside the timings.
"""
import json
import resource
import statistics
import sys
import time

import duckdb


def rows(cur):
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def main():
    job = json.load(sys.stdin)
    sql = job["sql"]
    con = duckdb.connect(":memory:")
    con.execute(f"SET threads = {int(job['threads'])}")
    con.execute("SET TimeZone = 'UTC'")

    def once(keep):
        t0 = time.perf_counter()
        for s in sql["run"]:
            con.execute(s)
        summary = rows(con.execute(sql["summary"]))
        ms = (time.perf_counter() - t0) * 1000
        out = {"ms": ms, "summary": summary}
        if keep:
            out["stateRows"] = con.execute("SELECT count(*) FROM states").fetchone()[0]
            out["statesCheck"] = rows(con.execute(sql["statesCheck"]))
            tables = ["transitions", "cohorts"] + (["snapshot"] if job.get("rows") else [])
            for t in tables:
                out[t] = rows(con.execute(sql[t]))
        for s in sql["cleanup"]:
            con.execute(s)
        return out

    warm = once(True)
    times = [once(False)["ms"] for _ in range(int(job["runs"]))]
    json.dump(
        {
            "engine": f"duckdb-native-t{job['threads']}",
            "version": f"duckdb (Python) {duckdb.__version__}",
            "warmupMs": warm["ms"],
            "times": times,
            "medianMs": statistics.median(times),
            "stateRows": warm["stateRows"],
            "maxRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            "summary": warm["summary"],
            "statesCheck": warm["statesCheck"],
            **{t: warm[t] for t in ("transitions", "cohorts", "snapshot") if t in warm},
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()

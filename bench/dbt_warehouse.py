"""The warehouse path of the benchmark (BENCHMARKS.md): the dbt package
(dbt/) building the weekly layer (snapshot, states, summary, transitions,
cohorts, depth, and the daily activity) from the benchmark's facts on
DuckDB (dbt-duckdb) or on Spark (a local session of N cores): a full
refresh through the day before the last, then one incremental day, as a
daily `dbt run` would. With "engine": true it also times the CLI on the
same day (a run from the snapshot on that day's facts). Prints one JSON
object; bench/run.mjs checks its summary and state rows against the
engine's, and this script its activity and depth rows against the CLI's
one-shot run through the last day (`sectionTwelve`: rows compared, or the
first differences).

    .venv/bin/python bench/dbt_warehouse.py < job.json
    job: {"adapter": "duckdb" | "spark", "cores": 2, "facts": "events_1m.parquet",
          "work": "bench/out/dbt/dbt-duckdb", "cli": "target/release/activation", "engine": true}
"""
import json
import resource
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
TABLES = ["states", "summary", "transitions", "cohorts", "depth"]
# SPEC section 12's tables, by model name and key.
SECTION_12 = {"events_activity_daily": ["date"], "events_activation_weekly_depth": ["period_start", "days_active"]}


def project(work, job):
    """A dbt project over the facts, its models one line each."""
    if work.exists():
        shutil.rmtree(work)
    models = work / "models"
    models.mkdir(parents=True)
    (work / "dbt_project.yml").write_text(
        "name: bench\nversion: '1.0'\nconfig-version: 2\nprofile: bench\n"
        "flags:\n  send_anonymous_usage_stats: false\n")
    (work / "packages.yml").write_text(f"packages:\n  - local: {ROOT / 'dbt'}\n")
    if job["adapter"] == "duckdb":
        output = f"type: duckdb\n      path: {work / 'bench.duckdb'}\n      threads: 1\n      settings:\n        threads: {job['cores']}"
        facts = f"select * from read_parquet('{job['facts']}')"
    else:
        output = "type: spark\n      method: session\n      host: NA\n      schema: bench\n      threads: 1"
        facts = f"select * from parquet.`{job['facts']}`"
    (work / "profiles.yml").write_text(f"bench:\n  target: bench\n  outputs:\n    bench:\n      {output}\n")
    (models / "events.sql").write_text("{{ config(materialized='view') }}\n" + facts + "\n")
    (models / "events_firstlast.sql").write_text(
        "{{ activation_layer.activation_snapshot(ref('events')) }}\n")
    for table in TABLES:
        suffix = "" if table == "states" else f"_{table}"
        (models / f"events_activation_weekly{suffix}.sql").write_text(
            f"{{{{ activation_layer.activation_{table}(ref('events'), grain='week', "
            "snapshot=ref('events_firstlast')) }}\n")
    (models / "events_activity_daily.sql").write_text(
        "{{ activation_layer.activation_activity(ref('events'), grain='week', "
        "snapshot=ref('events_firstlast')) }}\n")


def dbt(work, *args):
    from dbt.cli.main import dbtRunner

    started = time.perf_counter()
    result = dbtRunner().invoke([*args, "--project-dir", str(work), "--profiles-dir", str(work), "--quiet"])
    if not result.success:
        raise RuntimeError(f"dbt {' '.join(args)} failed: {result.exception or result.result}")
    return (time.perf_counter() - started) * 1000


def rows(adapter, work, sql):
    """The rows of a query on the models' schema."""
    if adapter == "spark":
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.getOrCreate()
        spark.catalog.setCurrentDatabase("bench")
        return [r.asDict() for r in spark.sql(sql).collect()]
    con = duckdb.connect(str(work / "bench.duckdb"))
    try:
        rel = con.sql(sql)
        return [dict(zip(rel.columns, r)) for r in rel.fetchall()]
    finally:
        con.close()


def engine_day(job, work, last):
    """The CLI on the last day: a run through the day before (its snapshot),
    then the timed run from that snapshot on the last day's facts."""
    day = work / "last_day.parquet"
    duckdb.sql(f"copy (select * from read_parquet('{job['facts']}') "
               f"where cast(timezone('UTC', event_time) as date) = date '{last}') to '{day}' (format parquet)")
    before = work / "engine_before"
    subprocess.run([job["cli"], "run", job["facts"], "--grain", "week", "--through", str(last - timedelta(days=1)),
                    "--name", "events", "--out", str(before), "--quiet"], check=True, stdout=subprocess.DEVNULL)
    started = time.perf_counter()
    subprocess.run([job["cli"], "run", str(day), "--grain", "week", "--snapshot",
                    str(before / "events_firstlast.parquet"), "--name", "events", "--out", str(work / "engine_day"),
                    "--quiet"], check=True, stdout=subprocess.DEVNULL)
    return (time.perf_counter() - started) * 1000


def check_section_12(job, work, adapter, last):
    """dbt's activity and depth tables against the CLI's one-shot run
    through the last day (equal, by SPEC section 5's equivalence, to the
    full refresh and the day after it): every row, every column."""
    out = work / "engine_full"
    subprocess.run([job["cli"], "run", job["facts"], "--grain", "week", "--through", str(last),
                    "--name", "events", "--out", str(out), "--quiet"], check=True, stdout=subprocess.DEVNULL)
    checked, differences = {}, []
    for name, key in SECTION_12.items():
        order = ", ".join(key)
        rel = duckdb.sql(f"select * from read_parquet('{out / name}.parquet') order by {order}")
        engine = [dict(zip(rel.columns, r)) for r in rel.fetchall()]
        warehouse = rows(adapter, work, f"select * from {name} order by {order}")
        if len(engine) != len(warehouse):
            differences.append(f"{name}: {len(engine)} rows from the engine, {len(warehouse)} from dbt")
        for e, w in zip(engine, warehouse):
            if e != w:
                differences.append(f"{name}: engine {e} dbt {w}")
                break
        checked[name] = len(engine)
    return {"rows": checked, "differences": differences}


def main():
    job = json.load(sys.stdin)
    adapter = job["adapter"]
    work = Path(job["work"]).resolve()
    project(work, job)
    if adapter == "spark":
        from pyspark.sql import SparkSession

        spark = (SparkSession.builder.master(f"local[{job['cores']}]")
                 .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                 .config("spark.driver.memory", "6g")
                 .config("spark.sql.shuffle.partitions", str(4 * job["cores"]))
                 .config("spark.sql.warehouse.dir", str(work / "warehouse"))
                 .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={work}")
                 .enableHiveSupport().getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
    # Local dates in UTC, the benchmark's zone (the facts are UTC instants).
    last = duckdb.sql(f"select max(cast(timezone('UTC', event_time) as date)) from read_parquet('{job['facts']}')"
                      ).fetchall()[0][0]
    dbt(work, "deps")
    full = dbt(work, "run", "--full-refresh", "--vars", json.dumps({"activation_through": str(last - timedelta(days=1))}))
    day = dbt(work, "run", "--vars", json.dumps({"activation_through": str(last)}))
    summary = rows(adapter, work, "select * from events_activation_weekly_summary order by period_start")
    for r in summary:
        for k, v in r.items():
            if isinstance(v, date):
                r[k] = v.isoformat()
    state_rows = rows(adapter, work, "select count(*) as n from events_activation_weekly")[0]["n"]
    out = {
        "engine": f"dbt-{adapter}" + (f"-t{job['cores']}" if adapter == "spark" else ""),
        "version": f"dbt-{adapter} ({'pyspark ' + __import__('pyspark').__version__ if adapter == 'spark' else 'duckdb ' + duckdb.__version__})",
        "times": [full],
        "incrementalMs": day,
        "summary": summary,
        "stateRows": state_rows,
        "maxRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }
    out["sectionTwelve"] = check_section_12(job, work, adapter, last)
    if job.get("engine"):
        out["engineIncrementalMs"] = engine_day(job, work, last)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()

"""The test of scripts/spark_bulk.py: pyspark in local mode against `caadoctor bulk`.

On a generated set (every sample zip four times under new names, in folders with a space and
non-ASCII letters, a snapshot folder, and junk: a file that is not a zip, an empty one, two
truncated ones), a quarter of the archives listed as file: URIs so that they take the
Hadoop path (copied to the task's disk) and the rest as plain paths:

1. the Spark pipeline (local[2], several partitions, the binary shipped as with --files)
   writes the same records as one `caadoctor bulk` run over the same archives, record for
   record, every field but duration_ms, and the junk gets error records;
2. `caadoctor fleet` over Spark's records folder writes the summary `bulk --summary` wrote,
   but for the run's timing (`run`).

Run by `python3 scripts/spark_bulk.py --local-test` (and `.ci/run`). Returns the exit status:
0 when every check holds; any failure raises.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from urllib.parse import urlparse

import spark_bulk

REPO = spark_bulk.REPO
# How a bulk run went (its timing), which a summary rebuilt from records does not have.
TIMING = ("run",)
# Spark's log at ERROR. The gateway's logger too: without a level of its own, Spark prints
# the level it picked for the shell.
LOG4J = """rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
logger.gateway.name = org.apache.spark.api.python.PythonGatewayServer
logger.gateway.level = error
"""


def say(what):
    print(f"spark local test: {what}", file=sys.stderr, flush=True)


def generate(work):
    """The archives of the test (paths) and the LIST lines naming them, and the junk."""
    samples = sorted(os.path.join(REPO, "samples", f)
                     for f in os.listdir(os.path.join(REPO, "samples")) if f.endswith(".zip"))
    assert len(samples) >= 15, f"expected the sample zips in {REPO}/samples"
    archives = []
    for copy, folder in enumerate(["batch 1", "lot-ü", "x [2]", "d"]):
        os.makedirs(os.path.join(work, folder))
        for n, sample in enumerate(samples):
            path = os.path.join(work, folder, f"t{copy * 100 + n:03d}-{os.path.basename(sample)}")
            shutil.copyfile(sample, path)
            # Distinct modification times, which records carry.
            os.utime(path, (1_700_000_000 + copy * 1000 + n,) * 2)
            archives.append(path)
    junk_dir = os.path.join(work, "junk")
    os.makedirs(junk_dir)
    whole = open(samples[0], "rb").read()
    junk = {"not-a-zip.zip": b"PK? not a zip at all\n", "empty.zip": b"",
            "cut-short.zip": whole[:200], "cut-half.zip": whole[:len(whole) // 2]}
    for n, (name, data) in enumerate(junk.items()):
        with open(os.path.join(junk_dir, name), "wb") as f:
            f.write(data)
        # Whole seconds: a copy through Hadoop keeps a modification time to the millisecond.
        os.utime(os.path.join(junk_dir, name), (1_700_100_000 + n,) * 2)
    junk = {name: os.path.join(junk_dir, name) for name in junk}
    archives += list(junk.values())
    archives.append(os.path.join(REPO, "samples", "win11-healthy"))  # a snapshot folder
    lines = [f"file://{p}" if i % 4 == 1 and os.path.isfile(p) else p
             for i, p in enumerate(archives)]
    return archives, lines, junk


def read_records(location):
    """Records of a JSONL file, or of every part file of a folder, by source."""
    files = [location] if os.path.isfile(location) else [
        os.path.join(location, f) for f in sorted(os.listdir(location))
        if not f.startswith(("_", "."))]
    by_source = {}
    for path in files:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    assert r["source"] not in by_source, f"two records for {r['source']}"
                    by_source[r["source"]] = r
    return by_source


def plain(source):
    """A record's source as `bulk` names it: the path of a file: URI."""
    return urlparse(source).path if source.startswith("file:") else source


def compare(spark_records, bulk_records):
    """Record for record, every field but duration_ms."""
    got = {plain(s): r for s, r in spark_records.items()}
    assert sorted(got) == sorted(bulk_records), (
        f"sources differ: only from spark {sorted(set(got) - set(bulk_records))}, "
        f"only from bulk {sorted(set(bulk_records) - set(got))}")
    for source, want in bulk_records.items():
        mine = dict(got[source], source=source)
        for r in (mine, want):
            r.pop("duration_ms", None)
        if mine != want:
            diff = {k: (mine.get(k), want.get(k)) for k in set(mine) | set(want)
                    if mine.get(k) != want.get(k)}
            raise AssertionError(f"{source}: spark and bulk records differ (spark, bulk): {diff}")


def local_test():
    if shutil.which("java") is None:
        sys.exit("spark local test: error: java is not installed (Spark 3.5 needs Java 8, 11 or 17)")
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        sys.exit("spark local test: error: pyspark is not installed (pip install pyspark)")
    exe = spark_bulk.binary()
    work = tempfile.mkdtemp(prefix="caadoctor-spark-")
    try:
        archives, lines, junk = generate(os.path.join(work, "set"))
        list_file = os.path.join(work, "list.txt")
        with open(list_file, "w", encoding="utf-8") as f:
            f.write("# generated by the spark local test\n\n" + "\n".join(lines) + "\n")
        uris = sum(line.startswith("file:") for line in lines)
        say(f"{len(archives)} archives ({uris} as file: URIs, {len(junk)} junk) in {work}")

        # Spark's log at ERROR only; workers run this Python.
        conf_dir = os.path.join(work, "conf")
        os.makedirs(conf_dir)
        with open(os.path.join(conf_dir, "log4j2.properties"), "w") as f:
            f.write(LOG4J)
        os.environ["SPARK_CONF_DIR"] = conf_dir
        os.environ["PYSPARK_PYTHON"] = sys.executable
        spark = (SparkSession.builder.master("local[2]").appName("caadoctor-local-test")
                 .config("spark.ui.enabled", "false")
                 .config("spark.ui.showConsoleProgress", "false")
                 .config("spark.driver.host", "127.0.0.1")
                 .getOrCreate())
        try:
            sc = spark.sparkContext
            sc.addPyFile(spark_bulk.__file__)  # what spark-submit does for its script
            sc.addFile(exe)  # what --files does
            shipped = sc.parallelize([0], 1).map(lambda _: spark_bulk.binary()).collect()[0]
            assert shipped != exe and os.path.basename(shipped) == "caadoctor", (
                f"the tasks run {shipped}, not the shipped copy of {exe}")
            out = os.path.join(work, "out")
            say("spark: local[2], 4 partitions")
            spark_bulk.records(sc, spark_bulk.read_list(sc, list_file), 4).saveAsTextFile(
                os.path.join(out, "records"))
            parts = [f for f in os.listdir(os.path.join(out, "records")) if f.startswith("part-")]
            assert len(parts) >= 4, f"expected several partitions, got {parts}"
            spark_records = read_records(os.path.join(out, "records"))

            say("caadoctor bulk over the same archives")
            plain_list = os.path.join(work, "plain.txt")
            with open(plain_list, "w", encoding="utf-8") as f:
                f.write("\n".join(archives) + "\n")
            bulk_jsonl, bulk_summary = os.path.join(work, "bulk.jsonl"), os.path.join(work, "bulk.json")
            done = subprocess.run([exe, "bulk", "--from-list", plain_list, "--jobs", "2",
                                   "--output", bulk_jsonl, "--summary", bulk_summary], check=False)
            assert done.returncode == 2, f"bulk over a set with junk exited {done.returncode}, not 2"
            bulk_records = read_records(bulk_jsonl)
            assert len(bulk_records) == len(archives), (len(bulk_records), len(archives))
            compare(spark_records, bulk_records)
            errors = sorted(s for s, r in bulk_records.items() if r["status"] == "error")
            want = sorted(junk[n] for n in ("not-a-zip.zip", "empty.zip", "cut-short.zip"))
            assert errors == want, f"error records: {errors}, expected {want}"
            assert bulk_records[junk["not-a-zip.zip"]]["error"] == "not a zip archive"
            assert bulk_records[junk["empty.zip"]]["error"] == "not a zip archive"
            say(f"{len(spark_records)} records from {len(parts)} partitions equal bulk's, "
                f"{len(errors)} error records for the junk")

            say("caadoctor fleet over spark's records")
            summary = spark_bulk.fleet(sc, out)
        finally:
            spark.stop()
        with open(bulk_summary, encoding="utf-8") as f:
            want = json.load(f)
        assert "run" in want and "run" not in summary, "only bulk's summary times a run"
        mine, want = ({k: v for k, v in s.items() if k not in TIMING} for s in (summary, want))
        assert mine == want, f"fleet summary differs from bulk's:\n{mine}\n{want}"
        for name in ("summary.json", "fleet.html"):
            assert os.path.getsize(os.path.join(out, name)) > 0, f"fleet wrote no {name}"
        with open(os.path.join(out, "fleet.html"), encoding="utf-8") as f:
            page = f.read()
        assert f'"rows":{len(spark_records)},' in page, "the dashboard's table misses archives"
        print(f"spark local test: {len(spark_records)} records from {len(parts)} partitions "
              f"({uris} read through Hadoop) equal caadoctor bulk's, {len(errors)} errors; "
              f"fleet summary equals bulk's ({summary['analyzed']} analyzed, "
              f"{summary['errors']} errors): OK")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)

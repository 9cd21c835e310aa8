#!/usr/bin/env python3
"""caadoctor on Apache Spark: `caadoctor bulk` as the map step, `caadoctor fleet` as the reduce.

    spark-submit --files /path/to/caadoctor scripts/spark_bulk.py LIST OUTPUT_DIR [--partitions N]

LIST is a text file (on the driver, or any URI Spark reads), one archive per line; blank lines
and `#` comments are skipped, as in `caadoctor bulk --from-list`. A line is either

- a plain path (`/mnt/tickets/a.zip`): read by the binary itself where the task runs, so it
  must be on storage mounted at the same path on every worker (NFS, a FUSE mount of a bucket).
  It may be a zip, a snapshot folder or a folder of them, exactly as for `caadoctor bulk`; or
- a URI (`hdfs://nn/tickets/a.zip`, `s3a://bucket/tickets/`, `abfss://...`, `file:/...`):
  read through Hadoop's FileSystem with the cluster's configuration and credentials. The
  driver expands globs and folders (every `*.zip` under a folder, at any depth); each task
  receives its archives' bytes (`binaryFiles`: one archive at a time in the task's memory),
  copies them to its local disk with their modification time, runs the binary over the
  copies, and puts the URI back in each record's `source`. Snapshot folders (unzipped) are
  read only as plain paths.

Each partition's archives go, one path per line, to `caadoctor bulk --from-list - --format
jsonl --jobs 1` (one task per core: one archive at a time each). The records are saved as JSON
lines in OUTPUT_DIR/records (Spark's part-NNNNN files), then the driver runs `caadoctor fleet`
over them: OUTPUT_DIR/summary.json (the fleet summary, as `bulk --summary`) and
OUTPUT_DIR/fleet.html (the dashboard). OUTPUT_DIR is a URI or a path on Hadoop's default file
system (HDFS on most clusters, the local disk in local mode): storage every node writes to, as
for any Spark output.

The binary, in every task and on the driver: the file shipped with `--files` (SparkFiles),
else `$CAADOCTOR` (on executors: `--conf spark.executorEnv.CAADOCTOR=...`), else this
checkout's target/release/caadoctor.

`python3 scripts/spark_bulk.py --local-test` checks all of it with pyspark in local mode
against `caadoctor bulk` on a generated set of archives with junk (`.ci/run` runs it).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from urllib.parse import urlparse

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = "caadoctor"
# A line naming its scheme (`hdfs://`, `s3a://`, `file:/`) is read through Hadoop.
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:/")
# What one task copies to its disk before it runs the binary: bounds the disk it uses.
STAGE_FILES = 64
STAGE_BYTES = 1 << 30


def executable(path):
    """`path`, or a copy of it, with the execute bit: files shipped with --files may lack it,
    and a cluster's localized copies may be read-only."""
    if os.access(path, os.X_OK):
        return path
    try:
        os.chmod(path, os.stat(path).st_mode | 0o755)
        return path
    except OSError:
        pass
    st = os.stat(path)
    copy = os.path.join(tempfile.gettempdir(), f"{NAME}-{os.getuid()}-{st.st_size}-{st.st_mtime_ns}")
    if not os.access(copy, os.X_OK):
        partial = f"{copy}.{os.getpid()}"
        shutil.copyfile(path, partial)
        os.chmod(partial, 0o755)
        os.replace(partial, copy)
    return copy


def binary(shipped_conf=""):
    """The caadoctor binary here: shipped with --files, $CAADOCTOR, or this checkout's.
    `shipped_conf` is the driver's `spark.files`, whose local entries the driver can run."""
    from pyspark import SparkFiles
    candidates = []
    # SparkFiles has a folder only in a task, or in a driver whose SparkContext is up.
    if SparkFiles._is_running_on_worker or SparkFiles._sc is not None:
        candidates.append(SparkFiles.get(NAME))
    candidates += [urlparse(f).path for f in shipped_conf.split(",")
                   if os.path.basename(f) == NAME and urlparse(f).scheme in ("", "file")]
    for path in candidates:
        if os.path.isfile(path):
            return executable(path)
    path = os.environ.get("CAADOCTOR") or os.path.join(REPO, "target", "release", NAME)
    if not os.path.isfile(path):
        raise RuntimeError(f"no caadoctor binary at {path}: ship it with "
                           f"`spark-submit --files /path/to/caadoctor` or set CAADOCTOR")
    return executable(path)


def run_bulk(paths):
    """`caadoctor bulk` over local paths: its records, as (JSON line, parsed), in list order."""
    for p in paths:
        if "\n" in p or p != p.strip() or p.startswith("#"):
            raise ValueError(f"cannot hand {p!r} to caadoctor bulk --from-list: a path there "
                             f"has no line break, no blank at either end and no leading '#'")
    proc = subprocess.run([binary(), "bulk", "--from-list", "-", "--format", "jsonl",
                           "--jobs", "1", "--summary", os.devnull],
                          input=b"\n".join(os.fsencode(p) for p in paths),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    stderr = proc.stderr.decode("utf-8", "replace").strip()
    lines = [line for line in proc.stdout.decode("utf-8").splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]
    # Exit status 2 with an error record only means an archive could not be analyzed, and
    # its record says why; anything else (a missing path, bad usage) fails the task.
    if proc.returncode not in (0, 2) or (
            proc.returncode == 2 and not any(r.get("status") == "error" for r in records)):
        if not records and "no archive under the given paths" in stderr:
            return []  # folders without archives, as `bulk` finds them in a longer list
        raise RuntimeError(f"caadoctor bulk exited with {proc.returncode}: {stderr}")
    sources = {r.get("source") for r in records}
    for p in paths:
        inside = p.rstrip("/") + "/"
        if p not in sources and not os.path.isdir(p) and not any(
                s.startswith(inside) for s in sources):
            raise RuntimeError(f"caadoctor bulk gave no record for {p}: {stderr}")
    return list(zip(lines, records))


def analyze_local(paths):
    """A task over plain paths: one record (JSON line) per archive."""
    paths = list(paths)
    if paths:
        for line, _ in run_bulk(paths):
            yield line


def stage_dir():
    """Where a task copies its archives: Spark's scratch space on the executor."""
    for d in os.environ.get("SPARK_LOCAL_DIRS", "").split(","):
        if d and os.path.isdir(d):
            return d
    return None


def key(uri):
    """A URI as Hadoop may spell it back (`file:/x` for `file:///x`)."""
    u = urlparse(uri)
    return (u.scheme.lower(), u.netloc, u.path)


def analyze_staged(mtimes):
    """A task over (URI, bytes) from binaryFiles: each archive copied to the task's disk with
    its modification time (`mtimes`: key(URI) -> milliseconds), analyzed, source set back to
    the URI."""

    def run(batch):
        uris = dict(batch)
        for _, record in run_bulk(list(uris)):
            record["source"] = uris[record["source"]]
            yield json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        for local, _ in batch:
            os.remove(local)

    def task(files):
        root = tempfile.mkdtemp(prefix=f"{NAME}-stage-", dir=stage_dir())
        try:
            batch, size = [], 0
            for n, (uri, data) in enumerate(files):
                name = re.sub(r"[^\w.-]", "_", uri.rstrip("/").rsplit("/", 1)[-1])
                local = os.path.join(root, f"{n:06d}-{name}")
                with open(local, "wb") as f:
                    f.write(data)
                ms = mtimes.value.get(key(uri))
                if ms is None:
                    raise RuntimeError(f"{uri}: not among the archives the driver listed")
                os.utime(local, ns=(ms * 1_000_000, ms * 1_000_000))
                batch.append((local, uri))
                size += len(data)
                if len(batch) >= STAGE_FILES or size >= STAGE_BYTES:
                    yield from run(batch)
                    batch, size = [], 0
            if batch:
                yield from run(batch)
        finally:
            shutil.rmtree(root, ignore_errors=True)

    return task


def hadoop_path(sc, uri):
    path = sc._jvm.org.apache.hadoop.fs.Path(uri)
    return path, path.getFileSystem(sc._jsc.hadoopConfiguration())


def expand(sc, uris):
    """The archive files the URIs name, with their modification times (ms), in list order:
    a file as it is, a folder for every *.zip under it, a glob (Hadoop's) for what it
    matches."""
    found = []
    for uri in uris:
        path, fs = hadoop_path(sc, uri)
        # A name as it is (`ticket [7].zip`) before a glob (`tickets/*/2025-*.zip`).
        statuses = [fs.getFileStatus(path)] if fs.exists(path) else fs.globStatus(path)
        if not statuses:
            raise FileNotFoundError(f"{uri}: no such file or folder")
        for st in sorted(statuses, key=lambda s: s.getPath().toString()):
            if not st.isDirectory():
                found.append((st.getPath().toString(), st.getModificationTime()))
                continue
            files, under = [], fs.listFiles(st.getPath(), True)
            while under.hasNext():
                f = under.next()
                if f.getPath().getName().lower().endswith(".zip"):
                    files.append((f.getPath().toString(), f.getModificationTime()))
            found += sorted(files)
    return found


def read_list(sc, list_file):
    """The lines of LIST (a file on the driver, else what Spark reads), as `caadoctor bulk
    --from-list` reads them."""
    if not URI.match(list_file) and os.path.isfile(list_file):
        with open(list_file, encoding="utf-8") as f:
            lines = [line.strip() for line in f]
    else:
        lines = [line.strip() for line in sc.textFile(list_file).collect()]
    return [line for line in lines if line and not line.startswith("#")]


def hadoop_input(uris):
    """URIs as one `binaryFiles` argument: Hadoop splits it at commas and expands globs, so
    glob characters in a name are escaped."""
    for uri in uris:
        if "," in uri:
            raise ValueError(f"{uri}: Spark cannot read a URI with a comma in it; rename it")
    return ",".join(re.sub(r"([\\{}\[\]*?])", r"\\\1", uri) for uri in uris)


def records(sc, lines, partitions=None):
    """The RDD of records (JSON lines) of the archives that LIST's lines name."""
    plain = [line for line in lines if not URI.match(line)]
    remote = expand(sc, [line for line in lines if URI.match(line)])
    if partitions is None:
        partitions = max(sc.defaultParallelism * 2, (len(plain) + len(remote)) // 100)
    parts = []
    if plain:
        rdd = sc.parallelize(plain, min(partitions, len(plain)))
        parts.append(rdd.mapPartitions(analyze_local))
    if remote:
        mtimes = sc.broadcast({key(uri): ms for uri, ms in remote})
        rdd = sc.binaryFiles(hadoop_input([uri for uri, _ in remote]),
                             min(partitions, len(remote)))
        parts.append(rdd.mapPartitions(analyze_staged(mtimes)))
    if not parts:
        raise ValueError("the list names no archive")
    return sc.union(parts) if len(parts) > 1 else parts[0]


def local_folder(sc, location):
    """The driver's path of a folder Spark writes, or None when it is elsewhere (HDFS, S3).
    A plain path is on Hadoop's default file system: the local disk only in local mode."""
    path, fs = hadoop_path(sc, location)
    uri = fs.makeQualified(path).toUri()
    return uri.getPath() if uri.getScheme() == "file" else None


def fleet(sc, out_dir):
    """`caadoctor fleet` over OUTPUT_DIR/records, on the driver: summary.json and fleet.html in
    OUTPUT_DIR. Returns the summary."""
    exe = binary(sc.getConf().get("spark.files", ""))
    here = local_folder(sc, out_dir)
    work = here or tempfile.mkdtemp(prefix=f"{NAME}-fleet-")
    try:
        outputs = ["--summary", os.path.join(work, "summary.json"),
                   "--html", os.path.join(work, "fleet.html")]
        if here:
            done = subprocess.run([exe, "fleet", os.path.join(here, "records")] + outputs,
                                  check=False).returncode
        else:
            # The records are where only Hadoop reads them: streamed to fleet's stdin, and
            # the summary and page copied there.
            proc = subprocess.Popen([exe, "fleet", "-"] + outputs, stdin=subprocess.PIPE)
            try:
                for line in sc.textFile(f"{out_dir.rstrip('/')}/records").toLocalIterator():
                    proc.stdin.write(line.encode("utf-8") + b"\n")
            finally:
                proc.stdin.close()
            done = proc.wait()
        if done != 0:
            raise RuntimeError(f"caadoctor fleet exited with {done}")
        with open(os.path.join(work, "summary.json"), encoding="utf-8") as f:
            summary = json.load(f)
        if not here:
            path, fs = hadoop_path(sc, out_dir)
            for name in ("summary.json", "fleet.html"):
                target = sc._jvm.org.apache.hadoop.fs.Path(path, name)
                fs.copyFromLocalFile(False, True,
                                     sc._jvm.org.apache.hadoop.fs.Path(os.path.join(work, name)),
                                     target)
        return summary
    finally:
        if not here:
            shutil.rmtree(work, ignore_errors=True)


def submit(spark, list_file, out_dir, partitions=None):
    """Analyze LIST's archives into OUTPUT_DIR/records; then the fleet summary and page."""
    sc = spark.sparkContext
    records(sc, read_list(sc, list_file), partitions).saveAsTextFile(
        f"{out_dir.rstrip('/')}/records")
    return fleet(sc, out_dir)


def main():
    if sys.argv[1:] == ["--local-test"]:
        from spark_local_test import local_test
        sys.exit(local_test())
    parser = argparse.ArgumentParser(
        description="caadoctor bulk over a Spark cluster; caadoctor fleet over its records.",
        epilog="Example: spark-submit --files target/release/caadoctor scripts/spark_bulk.py "
               "hdfs:///tickets/list.txt hdfs:///fleet/2025-06 --partitions 200")
    parser.add_argument("list", metavar="LIST", help="archive paths or URIs, one per line")
    parser.add_argument("out", metavar="OUTPUT_DIR", help="gets records/, summary.json, fleet.html")
    parser.add_argument("--partitions", type=int, metavar="N",
                        help="tasks to split the list into (default: twice the cores, "
                             "or one per 100 archives when more)")
    args = parser.parse_args()
    from pyspark.sql import SparkSession
    spark = SparkSession.builder.appName("caadoctor-bulk").getOrCreate()
    try:
        summary = submit(spark, args.list, args.out, args.partitions)
    finally:
        spark.stop()
    out = args.out.rstrip("/")
    print(f"{summary['archives']} archives, {summary['errors']} could not be analyzed: "
          f"{out}/records, {out}/summary.json, {out}/fleet.html")


if __name__ == "__main__":
    main()

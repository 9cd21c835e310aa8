#!/usr/bin/env python3
"""caadoctor bulk as the map step of Apache Spark: RDD.pipe.

Each partition of an RDD of archive paths is piped, one path per line, to
`caadoctor bulk --from-list -`, which prints one JSON record per archive on stdout; Spark
collects the lines. The fleet summary is then an aggregation over the records, here with
Spark SQL. The binary must exist at the same path on every worker (or be shipped with
`--files` / `SparkContext.addFile`), and the archives must be readable there (shared storage).

Run locally (pyspark in local mode, the test of this recipe; not part of `cargo test`):

    cargo build --release
    pip install pyspark            # needs Java 17
    python3 scripts/spark_bulk.py --local-test

On a cluster: spark-submit scripts/spark_bulk.py LIST_OF_PATHS.txt OUTPUT_DIR
"""

import json
import os
import shutil
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("CAADOCTOR", os.path.join(REPO, "target", "release", "caadoctor"))


def analyze(sc, paths, partitions):
    """An RDD of records (dicts), one per path, from caadoctor bulk in every partition."""
    rdd = sc.parallelize(paths, partitions)
    # checkCode=False: exit status 2 only means that some archive of the partition could not
    # be analyzed, and its record already says so.
    lines = rdd.pipe(f"{BINARY} bulk --from-list - --format jsonl --jobs 1 --summary /dev/null",
                     checkCode=False)
    return lines.map(json.loads)


def summary(spark, records):
    """Per rule, the number of archives in each status; the most frequent sign-in codes."""
    df = spark.createDataFrame(records.map(lambda r: (r["source"], r["status"],
                                                      json.dumps(r.get("rules", {})),
                                                      r.get("caa_codes", []))),
                               "source string, status string, rules string, caa_codes array<string>")
    df.createOrReplaceTempView("records")
    per_rule = spark.sql("""
        SELECT rule, verdict AS status, count(*) AS archives
        FROM records LATERAL VIEW explode(from_json(rules, 'map<string,string>')) r AS rule, verdict
        WHERE records.status = 'ok'
        GROUP BY rule, verdict ORDER BY rule, verdict""").collect()
    codes = spark.sql("""
        SELECT code, count(*) AS archives FROM records LATERAL VIEW explode(caa_codes) c AS code
        GROUP BY code ORDER BY archives DESC, code""").collect()
    return per_rule, codes


def local_test():
    from pyspark.sql import SparkSession

    samples = sorted(os.path.join(REPO, "samples", f) for f in os.listdir(os.path.join(REPO, "samples"))
                     if f.endswith(".zip"))
    work = tempfile.mkdtemp(prefix="caadoctor-spark-")
    try:
        junk = os.path.join(work, "junk.zip")
        with open(junk, "wb") as f:
            f.write(b"not a zip")
        # Every sample four times, and one junk file: 61 archives over 4 partitions.
        paths = [p for _ in range(4) for p in samples] + [junk]
        spark = SparkSession.builder.master("local[2]").appName("caadoctor-bulk").getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
        records = analyze(spark.sparkContext, paths, 4).cache()
        got = records.collect()
        assert len(got) == len(paths), (len(got), len(paths))
        assert sorted(r["source"] for r in got) == sorted(paths)
        errors = [r for r in got if r["status"] == "error"]
        assert [r["source"] for r in errors] == [junk] and errors[0]["error"] == "not a zip archive", errors
        per_rule, codes = summary(spark, records)
        counts = {(r["rule"], r["status"]): r["archives"] for r in per_rule}
        # win7-sp1-no-tls12 is the one sample failing tls12: four copies.
        assert counts[("tls12", "fail")] == 4, counts
        assert counts[("msoidcrl", "manual")] == 60, counts
        top = {r["code"]: r["archives"] for r in codes}
        assert top["0xCAA70007"] == 24, top
        spark.stop()
        print(f"spark local test: {len(got)} records from 4 partitions, {len(errors)} error; "
              f"tls12 fail {counts[('tls12', 'fail')]}, 0xCAA70007 in {top['0xCAA70007']} archives: OK")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    if sys.argv[1:] == ["--local-test"]:
        local_test()
        return
    from pyspark.sql import SparkSession
    list_file, out_dir = sys.argv[1], sys.argv[2]
    spark = SparkSession.builder.appName("caadoctor-bulk").getOrCreate()
    paths = spark.sparkContext.textFile(list_file).collect()
    records = analyze(spark.sparkContext, paths, max(1, len(paths) // 200))
    records.map(json.dumps).saveAsTextFile(out_dir)
    per_rule, codes = summary(spark, records)
    for r in per_rule:
        print(r["rule"], r["status"], r["archives"])
    for r in codes[:10]:
        print(r["code"], r["archives"])
    spark.stop()


if __name__ == "__main__":
    main()

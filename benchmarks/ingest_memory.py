"""What ingestion leaves in the run's process: the corpus cache written and read a batch
of documents at a time against the whole Arrow table at once (the code before).

A cold run reads the input and writes the store's corpus cache (Parquet in a checksummed
blob); a warm run reads the cache. Each is measured in a fresh process: the resident
memory above the imports once the corpus is in hand (what the rest of the run carries)
and the peak above the imports. The corpus is the paragraph shape of ``scaling.py``
(spans of 100 to 200 words cut from 20 Newsgroups and BBC News).

- ``whole table`` (before): ``pq.write_table`` of one table of every document into a
  bytes buffer, then the blob; reading, the blob's bytes, ``pq.read_table`` and
  ``to_pylist`` per column;
- ``batches`` (now, ``Corpus.write_parquet`` / ``read_parquet``): 20,000 documents at a
  time straight into the blob file, and read back from the mapped blob.

    .venv/bin/python benchmarks/ingest_memory.py [--documents 300000]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "ingest_memory.md"
METHODS = ("whole table", "batches")


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 1e6


def child(method: str, mode: str, source: Path, store: Path) -> None:
    import gc

    import pyarrow as pa
    import pyarrow.parquet as pq

    from topicflow.pipelines.config import CorpusConfig
    from topicflow.pipelines.corpus import documents
    from topicflow.pipelines.io import store as store_module
    from topicflow.pipelines.io.blob import read_blob
    from topicflow.pipelines.io.store import read_corpus_cached

    if method == "whole table":

        def whole_write(self, sink):
            columns = {"doc_id": self.ids, "text": self.texts}
            table = pa.table({k: pa.array(v, type=pa.string()) for k, v in columns.items()})
            buffer = pa.BufferOutputStream()
            pq.write_table(table, buffer)
            sink.write(buffer.getvalue().to_pybytes())

        def whole_load(path):
            payload = read_blob(path)
            if payload is None:
                return None
            table = pq.read_table(pa.BufferReader(payload))
            return documents.Corpus(
                name="corpus",
                ids=table.column("doc_id").to_pylist(),
                texts=table.column("text").to_pylist(),
            )

        documents.Corpus.write_parquet = whole_write
        store_module._load_corpus = whole_load
    base = _rss_mb()
    start = time.perf_counter()
    corpus, hit = read_corpus_cached(source, CorpusConfig(), store)
    seconds = time.perf_counter() - start
    gc.collect()
    if hit != (mode == "warm"):
        raise SystemExit(f"{mode} run: cache hit {hit}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    held = _rss_mb() - base
    print(
        json.dumps(
            {"documents": len(corpus), "seconds": seconds, "held": held, "peak": peak - base}
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=300_000)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        method, mode, source, store = args.child
        child(method, mode, Path(source), Path(store))
        return 0
    import synthetic

    if not synthetic.available():
        print(f"skipped: {synthetic.SOURCES} not found (the shared datasets are not here)")
        return 0
    work = Path(tempfile.mkdtemp(prefix="topicflow-ingest-"))
    try:
        source = work / "corpus.jsonl"
        with source.open("w", encoding="utf-8") as out:
            for text in synthetic.corpus("paragraphs", args.documents):
                out.write(json.dumps({"text": text}) + "\n")
        size_mb = source.stat().st_size / 1e6
        rows = {}
        for method in METHODS:
            store = work / f"store-{method.replace(' ', '-')}"
            for mode in ("cold", "warm"):
                command = [
                    sys.executable,
                    __file__,
                    "--child",
                    method,
                    mode,
                    str(source),
                    str(store),
                ]
                done = subprocess.run(command, check=True, capture_output=True, text=True)
                rows[method, mode] = json.loads(done.stdout.strip().splitlines()[-1])
                print(method, mode, rows[method, mode], flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lines = [
        "# What ingestion leaves in the run's process",
        "",
        f"- {args.documents:,} paragraph spans (`scaling.py`'s paragraph shape), a JSONL file "
        f"of {size_mb:,.0f} MB; each row a fresh process (see the script's docstring).",
        "- held: resident memory above the imports once the corpus is read (what the rest of "
        "the run carries); peak: the process's largest resident memory above the imports.",
        f"- Machine: {platform.machine()}, Python {platform.python_version()}.",
        f"- Command: `.venv/bin/python benchmarks/ingest_memory.py --documents {args.documents}`",
        "",
        "| run | cache | held MB | peak MB | seconds |",
        "|---|---|---:|---:|---:|",
    ]
    for mode in ("cold", "warm"):
        for method in METHODS:
            row = rows[method, mode]
            lines.append(
                f"| {mode} | {method} | {row['held']:,.0f} | {row['peak']:,.0f} "
                f"| {row['seconds']:.1f} |"
            )
        new, old = rows["batches", mode], rows["whole table", mode]
        lines.append(
            f"| {mode} | batches / whole table | {new['held'] / old['held']:.2f}x "
            f"| {new['peak'] / old['peak']:.2f}x | {new['seconds'] / old['seconds']:.2f}x |"
        )
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`quotes ingest --cluster`: the same ingest on a real Dask `LocalCluster` of worker processes.

The cluster's database must equal a local ingest's, row for row (article and quote ids,
speakers and their ids, aliases, outlets, pairs); only `ingested_at` differs.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask.config
import pytest
from typer.testing import CliRunner

from quotes import cluster, pipeline, store
from quotes.cli import app
from quotes.models import Failure

# Columns that record when, not what.
VOLATILE = {"ingested_at"}


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (full-text index and migration log aside), sorted."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in conn.execute("select name from sqlite_master where type = 'table'")
            if not name.startswith(("quotes_fts", "_sqlite", "sqlite_"))
        ]
        out = {}
        for table in tables:
            columns = [
                row[1]
                for row in conn.execute(f"pragma table_info([{table}])")
                if row[1] not in VOLATILE
            ]
            select = ", ".join(f"[{c}]" for c in columns)
            out[table] = sorted(
                conn.execute(f"select {select} from [{table}]").fetchall(), key=repr
            )
        return out
    finally:
        conn.close()


def write_inputs(folder: Path, seeds_dir: Path) -> list[str]:
    """The seed articles as files, and a JSONL of numbered copies with a duplicate and bad rows."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt"))]
    rows = [
        json.dumps({"text": f"{text}\n\nCopy {i}.\n", "url": f"https://example.org/{i}"})
        for i, text in enumerate(texts)
    ]
    rows.insert(2, "{not json")
    rows.insert(4, json.dumps({"title": "no text here"}))
    rows.append(rows[0])  # read twice, stored once
    jsonl = folder / "copies.jsonl"
    jsonl.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return [str(seeds_dir), str(jsonl)]


def ingest_locally(paths: list[str], db_path: Path) -> tuple[pipeline.IngestReport, list[Failure]]:
    failures: list[Failure] = []
    db = store.open_db(db_path)
    try:
        report = pipeline.ingest(paths, db, on_error=failures.append)
    finally:
        db.close()
    return report, failures


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[cluster.Cluster]:
    with cluster.connect("local:2") as connection:
        # Tiny partitions, so that a few articles make several of them.
        connection.partition_bytes = 3000
        yield connection


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> list[str]:
    return write_inputs(tmp_path_factory.mktemp("inputs"), seeds_dir)


@pytest.fixture(scope="module")
def local_ingest(
    tmp_path_factory: pytest.TempPathFactory, inputs: list[str]
) -> tuple[Path, pipeline.IngestReport, list[Failure]]:
    path = tmp_path_factory.mktemp("local") / "local.db"
    report, failures = ingest_locally(inputs, path)
    return path, report, failures


def test_plan_cuts_a_jsonl_file_into_line_ranges(inputs: list[str]) -> None:
    jsonl = Path(inputs[1])
    partitions = cluster.plan([jsonl], partition_bytes=3000)
    pieces = [piece for p in partitions for piece in p.pieces]
    assert len(pieces) > 2
    # The ranges tile the file, each begins a line, and its number is that line's.
    data = jsonl.read_bytes()
    assert pieces[0].start == 0 and pieces[-1].end == len(data)
    for before, after in zip(pieces, pieces[1:], strict=False):
        assert before.end == after.start
        assert data[after.start - 1 : after.start] == b"\n"
        assert data[: after.start].count(b"\n") + 1 == after.first_line


def test_cluster_ingest_equals_local_ingest(
    local_cluster: cluster.Cluster,
    local_ingest: tuple[Path, pipeline.IngestReport, list[Failure]],
    inputs: list[str],
    tmp_path: Path,
) -> None:
    local_path, local_report, local_failures = local_ingest
    failures: list[Failure] = []
    partitions: list[tuple[int, int]] = []
    db = store.open_db(tmp_path / "cluster.db")
    try:
        report = pipeline.ingest(
            inputs,
            db,
            on_error=failures.append,
            cluster=local_cluster,
            on_partition=lambda done, total: partitions.append((done, total)),
        )
    finally:
        db.close()
    assert local_report.quotes > 0 and local_report.contradictions > 0
    assert dump(tmp_path / "cluster.db") == dump(local_path)
    assert report == local_report
    assert failures == local_failures and len(failures) == 2
    # Several partitions, each counted once, in order.
    total = partitions[-1][1]
    assert total > 2 and partitions == [(i, total) for i in range(1, total + 1)]


def test_cluster_reingest_adds_nothing(
    local_cluster: cluster.Cluster,
    local_ingest: tuple[Path, pipeline.IngestReport, list[Failure]],
    inputs: list[str],
    tmp_path: Path,
) -> None:
    local_path, local_report, _ = local_ingest
    copy = tmp_path / "again.db"
    copy.write_bytes(local_path.read_bytes())
    db = store.open_db(copy)
    try:
        report = pipeline.ingest(inputs[:1], db, cluster=local_cluster, on_error=lambda f: None)
    finally:
        db.close()
    assert report.articles_read == 3 and report.articles_new == 0
    assert report.articles_skipped == 3
    assert dump(copy) == dump(local_path)


def test_killed_worker_partition_is_retried(
    local_cluster: cluster.Cluster,
    local_ingest: tuple[Path, pipeline.IngestReport, list[Failure]],
    inputs: list[str],
    tmp_path: Path,
) -> None:
    local_path = local_ingest[0]
    client = local_cluster.client
    killed: list[int] = []

    def kill_a_busy_worker(done: int, total: int) -> None:
        if killed:
            return
        pids = client.run(os.getpid)
        for _ in range(200):
            busy = [address for address, keys in client.processing().items() if keys]
            if busy:
                break
            time.sleep(0.05)
        assert busy, "no partition was running"
        killed.append(pids[busy[0]])
        os.kill(pids[busy[0]], signal.SIGKILL)

    db = store.open_db(tmp_path / "killed.db")
    try:
        pipeline.ingest(
            inputs,
            db,
            on_error=lambda f: None,
            cluster=local_cluster,
            on_partition=kill_a_busy_worker,
        )
    finally:
        db.close()
    assert killed
    assert dump(tmp_path / "killed.db") == dump(local_path)
    # The nanny started a new worker process in place of the killed one.
    client.wait_for_workers(2, timeout=120)
    assert killed[0] not in client.run(os.getpid).values()


def test_cli_cluster_bad_address_exits_2(tmp_path: Path) -> None:
    runner = CliRunner()
    db = tmp_path / "q.db"
    for address in ("local:0", "tcp://nowhere:port", "http://x:1", "127.0.0.1:1"):
        with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
            result = runner.invoke(app, ["ingest", "seeds", "--db", str(db), "--cluster", address])
        assert result.exit_code == 2, (address, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: --cluster"), result.stderr
        assert "Traceback" not in result.output
    assert not db.exists()


def test_cli_ingest_help_documents_cluster() -> None:
    result = CliRunner().invoke(app, ["ingest", "--help"])
    assert result.exit_code == 0
    assert "--cluster" in result.output and "local:N" in result.output

"""The same ingest on a Dask cluster: the inputs cut into partitions, each processed by a worker.

`connect` reaches a scheduler (`tcp://host:8786`) or starts a `LocalCluster` (`local:N`);
`Cluster.process` is then what `pipeline.ingest` stores from, in place of processing in this
process. The inputs are planned here without being parsed: files are grouped into partitions
of about `partition_bytes`, and a big JSONL or WARC file is cut into ranges of whole records
(byte offsets found by one scan for line or record starts), so that no worker reads every
input and this process never holds more than a few partitions' results. A worker reads its
partition with the ordinary readers (`quotes.ingest`), runs `process.process` over it with
pipelines it loaded once (`_QuotesPlugin`), and sends back `(Article, list[Quote])` records
and the failures, never spaCy Docs.

Results are handed on in input order (a partition done early waits for the ones before it),
so the database is written in the same order as a local ingest writes it; at most `in_flight`
partitions are submitted or waiting at once, which bounds the memory of this process. A worker
that dies has its partitions run again elsewhere by the scheduler.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import dask.config
import dask.utils
import threadpoolctl
from distributed import Client, Future, LocalCluster, as_completed
from distributed.diagnostics.plugin import WorkerPlugin
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from . import ingest, nlp, tagger
from .errors import ClusterAddressError, ClusterError, InputError
from .models import Article, Failure, Quote
from .process import process

# The most input a partition holds (bytes of the files read); smaller partitions are made when
# there is too little input for `PARTITIONS_PER_WORKER` per worker, but never below the least.
PARTITION_BYTES = 1 << 20
MIN_PARTITION_BYTES = 16 << 10
PARTITIONS_PER_WORKER = 4
# Partitions submitted or waiting to be stored, per worker.
IN_FLIGHT_PER_WORKER = 2
# Files grouped into one partition at most (a folder of many tiny articles).
MAX_FILES = 256
# A task that raised (not one whose worker died: the scheduler reruns those) is tried again.
RETRIES = 1
# How much of a JSONL file the planner reads at a time when looking for line starts.
_SCAN_BLOCK = 1 << 20

_ADDRESS = re.compile(r"^(?:(?:tcp|tls|ws|wss|ucx)://)?[^\s/:]+(?::\d{1,5})?$")
_LOCAL = re.compile(r"^local:(\d+)$")

_Result = tuple[Article, list[Quote]]


def parse_address(address: str) -> str:
    """`address` checked: `local:N` (N >= 1) or a scheduler address; raises ClusterAddressError."""
    address = address.strip()
    local = _LOCAL.match(address)
    if local:
        if int(local[1]) < 1:
            raise ClusterAddressError(f"{address}: a local cluster needs at least 1 worker")
        return address
    if address.startswith("local") or not _ADDRESS.match(address):
        raise ClusterAddressError(
            f"{address!r} is not a Dask scheduler address (tcp://host:8786) nor local:N"
        )
    return address


@dataclass(frozen=True, slots=True)
class Piece:
    """What a partition reads of one input: a whole file (`end` None) or the bytes [start, end),
    which begin with a record (a JSONL line numbered `first_line`, or a WARC record)."""

    path: str
    source: str
    start: int = 0
    end: int | None = None
    first_line: int = 1


@dataclass(frozen=True, slots=True)
class Partition:
    """One task: pieces of input, or articles already read (stdin)."""

    index: int
    pieces: tuple[Piece, ...] = ()
    articles: tuple[Article, ...] = ()

    def describe(self) -> str:
        sources = dict.fromkeys(p.source for p in self.pieces)
        return ", ".join(sources) or "-"


@dataclass(slots=True)
class PartitionResult:
    """What a worker sends back for a partition: the records, the failures, articles read."""

    index: int
    results: list[_Result] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    read: int = 0


# --- planning (in the client) ----------------------------------------------------------------


def plan(
    paths: Iterable[str | os.PathLike[str]],
    *,
    workers: int = 1,
    on_error: Callable[[Failure], None] | None = None,
    partition_bytes: int | None = None,
) -> list[Partition]:
    """The partitions of `paths`, in input order; inputs that cannot be listed go to `on_error`.

    Each partition is small (its paths and byte offsets): even millions of inputs plan in
    memory. `partition_bytes` defaults to what gives every worker `PARTITIONS_PER_WORKER`
    partitions, within `MIN_PARTITION_BYTES`..`PARTITION_BYTES`.
    """

    def failed(failure: Failure) -> None:
        if on_error is None:
            raise InputError(f"{failure.source}: {failure.reason}")
        on_error(failure)

    inputs: list[Piece | Article] = []
    sizes: list[int] = []
    for path in (os.fspath(p) for p in paths):
        if path == "-":
            # Standard input cannot be shared with the workers: it is read here.
            for article in ingest.read_articles(["-"], on_error=failed):
                inputs.append(article)
                sizes.append(len(article.text))
        elif Path(path).is_dir():
            files, errors = ingest._folder_files(Path(path))
            for error in errors:
                failed(Failure(str(error.filename or path), ingest._os_reason(error)))
            if not files and not errors:
                failed(Failure(path, "no .txt, .html or .jsonl files"))
            for file in files:
                inputs.append(Piece(str(file), str(file)))
                sizes.append(_size(file))
        else:
            inputs.append(Piece(path, path))
            sizes.append(_size(Path(path)))
    if partition_bytes is None:
        share = sum(sizes) // max(1, workers * PARTITIONS_PER_WORKER)
        partition_bytes = min(PARTITION_BYTES, max(MIN_PARTITION_BYTES, share))
    return _group(_split(inputs, sizes, partition_bytes), partition_bytes)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # the worker's reader reports it as a local ingest would


def _split(
    inputs: list[Piece | Article], sizes: list[int], limit: int
) -> Iterator[tuple[Piece | Article, int]]:
    """Each input with its size; a JSONL or WARC file over `limit` as ranges of records."""
    for item, size in zip(inputs, sizes, strict=True):
        name = item.path.lower() if isinstance(item, Piece) else ""
        if isinstance(item, Piece) and size > limit and name.endswith(".jsonl"):
            yield from ((piece, limit) for piece in _jsonl_ranges(item, limit))
        elif isinstance(item, Piece) and size > limit and name.endswith(ingest.WARC_SUFFIXES):
            yield from ((piece, limit) for piece in _warc_ranges(item, limit))
        else:
            yield item, size


def _group(items: Iterable[tuple[Piece | Article, int]], limit: int) -> list[Partition]:
    """Consecutive inputs gathered into partitions of up to `limit` bytes and `MAX_FILES`."""
    partitions: list[Partition] = []
    pieces: list[Piece] = []
    articles: list[Article] = []
    size = 0

    def close() -> None:
        nonlocal size
        if pieces or articles:
            partitions.append(Partition(len(partitions), tuple(pieces), tuple(articles)))
        pieces.clear()
        articles.clear()
        size = 0

    for item, item_size in items:
        kind_changes = (isinstance(item, Article) and pieces) or (
            isinstance(item, Piece) and articles
        )
        if kind_changes or size + item_size > limit or len(pieces) + len(articles) >= MAX_FILES:
            close()
        (articles if isinstance(item, Article) else pieces).append(item)  # type: ignore[arg-type]
        size += item_size
    close()
    return partitions


def _jsonl_ranges(whole: Piece, limit: int) -> Iterator[Piece]:
    """`whole` as ranges of whole lines of about `limit` bytes, each with its first line number.

    A file the JSONL reader refuses as a whole (binary, or nothing but blank lines) is left
    whole, so that it is refused once, as a local ingest refuses it.
    """
    path = Path(whole.path)
    try:
        with path.open("rb") as f:
            if b"\x00" in f.read(8192):
                yield whole
                return
            f.seek(0)
            starts = [(0, 1)]  # (byte offset, line number) where a range begins
            offset, line, blank = 0, 1, True
            while block := f.read(_SCAN_BLOCK):
                blank = blank and not block.strip()
                position = block.find(b"\n")
                while position != -1:
                    line += 1
                    if offset + position + 1 - starts[-1][0] >= limit:
                        starts.append((offset + position + 1, line))
                    position = block.find(b"\n", position + 1)
                offset += len(block)
    except OSError:
        yield whole
        return
    if blank:
        yield whole
        return
    ends = [start for start, _ in starts[1:]] + [offset]
    for (start, number), end in zip(starts, ends, strict=True):
        if end > start:
            yield Piece(whole.path, whole.source, start, end, number)


def _warc_ranges(whole: Piece, limit: int) -> Iterator[Piece]:
    """`whole` as ranges of whole WARC records of about `limit` bytes (compressed size).

    The records are walked without reading their HTML. A file the WARC reader refuses as a
    whole (not a WARC file, no HTML responses) is left whole.
    """
    starts = [0]
    html = False
    try:
        with Path(whole.path).open("rb") as f:
            records = ArchiveIterator(f)
            for record in records:
                html = html or ingest._html_content_type(record) is not None
                offset = records.get_record_offset()
                if offset - starts[-1] >= limit:
                    starts.append(offset)
            end = f.seek(0, os.SEEK_END)
    except (OSError, ArchiveLoadFailed):
        yield whole
        return
    if not html or len(starts) == 1:
        yield whole
        return
    for start, stop in zip(starts, [*starts[1:], end], strict=True):
        yield Piece(whole.path, whole.source, start, stop)


# --- reading and processing (in a worker) ----------------------------------------------------


def run_partition(
    partition: Partition, *, model: str | None, outlet: str | None
) -> PartitionResult:
    """Read and process one partition: what each worker runs (also usable in this process)."""
    result = PartitionResult(partition.index)
    articles = list(partition.articles)
    for piece in partition.pieces:
        articles += _read_piece(piece, outlet, result.failures.append)
    result.read = len(articles)
    found = process(articles, nlp_=nlp.load(model), on_error=result.failures.append)
    result.results = list(found)
    return result


def _read_piece(
    piece: Piece, outlet: str | None, on_error: Callable[[Failure], None]
) -> Iterator[Article]:
    if piece.end is None:
        # As a local ingest reads a file: its name made safe, anything not regular refused.
        items: Iterable[ingest._Item] = ingest._read_one(Path(piece.path), outlet)
    elif piece.path.lower().endswith(".jsonl"):
        items = ingest._guarded(piece.source, partial(_jsonl_range, piece, outlet))
    else:
        items = ingest._guarded(piece.source, partial(_warc_range, piece, outlet))
    for item in items:
        if isinstance(item, Article):
            yield item
        elif isinstance(item, Failure):
            on_error(item)


def _jsonl_range(piece: Piece, outlet: str | None) -> Iterator[Article | Failure]:
    """The rows of a JSONL range, each read as `ingest` reads a row of the whole file."""
    assert piece.end is not None
    with Path(piece.path).open("rb") as f:
        f.seek(piece.start)
        position = piece.start
        for number, line in enumerate(f, piece.first_line):
            if position >= piece.end:
                break
            position += len(line)
            if number == 1:
                line = line.removeprefix(b"\xef\xbb\xbf")
            if line.strip():
                yield ingest._jsonl_item(line, number, piece.source, outlet)


def _warc_range(piece: Piece, outlet: str | None) -> Iterator[Article | Failure]:
    """The HTML responses among the WARC records that start in the range."""
    assert piece.end is not None
    with Path(piece.path).open("rb") as f:
        f.seek(piece.start)
        records = ArchiveIterator(f)
        for record in records:
            content_type = ingest._html_content_type(record)
            item = (
                None
                if content_type is None
                else ingest._warc_item(record, content_type, piece.source, outlet)
            )
            if records.get_record_offset() >= piece.end:
                break
            if item is not None:
                yield item


class _QuotesPlugin(WorkerPlugin):
    """Loads the pipelines once in each worker, when it starts (and again in a restarted one)."""

    def __init__(self, model: str | None) -> None:
        self.model = model
        self.name = f"quotes-pipelines-{model or 'default'}"

    def setup(self, worker: Any) -> None:
        # One BLAS thread per worker, as `pipeline.process_parallel` does: run one worker per
        # core (`dask worker --nthreads 1`), and the workers are the parallelism.
        threadpoolctl.threadpool_limits(1, user_api="blas")
        nlp.load(self.model)
        if tagger.available():
            tagger.load()


# --- the client ------------------------------------------------------------------------------


class Cluster:
    """A connection to a Dask cluster (and the `LocalCluster` it started, for `local:N`)."""

    def __init__(self, client: Client, local: Any = None) -> None:
        self.client = client
        self.local = local
        # The input per partition; None: sized to the input and the workers (see `plan`).
        self.partition_bytes: int | None = None

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()
        if self.local is not None:
            self.local.close()

    @property
    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info(n_workers=-1)["workers"]))

    def process(
        self,
        paths: Iterable[str | os.PathLike[str]],
        *,
        model: str | None = None,
        outlet: str | None = None,
        on_error: Callable[[Failure], None] | None = None,
        on_read: Callable[[int], None] | None = None,
        on_partition: Callable[[int, int], None] | None = None,
        partition_bytes: int | None = None,
        in_flight: int | None = None,
    ) -> Iterator[_Result]:
        """`process.process` over `paths` on the cluster: every article with its statements, in
        input order, as a local ingest yields them.

        `on_error` gets each failure (a bad input or article) as the local readers and
        `process` report it; `on_read` the number of articles each partition read;
        `on_partition` (partitions done, partitions in all) after each partition is handed on.
        """
        workers = self.workers
        partitions = plan(
            paths,
            workers=workers,
            on_error=on_error,
            partition_bytes=partition_bytes or self.partition_bytes,
        )
        limit = in_flight or workers * IN_FLIGHT_PER_WORKER
        self.client.register_plugin(_QuotesPlugin(model))
        queue = iter(partitions)
        running: dict[Future, Partition] = {}
        done: dict[int, PartitionResult] = {}
        futures = as_completed()
        next_index = 0

        def submit() -> None:
            while len(running) + len(done) < limit:
                partition = next(queue, None)
                if partition is None:
                    return
                future = self.client.submit(
                    run_partition,
                    partition,
                    model=model,
                    outlet=outlet,
                    pure=False,
                    retries=RETRIES,
                    key=f"quotes-partition-{partition.index}-{os.urandom(4).hex()}",
                )
                running[future] = partition
                futures.add(future)

        submit()
        for future in futures:
            partition = running.pop(future)
            try:
                done[partition.index] = future.result()
            except Exception as e:
                raise ClusterError(
                    f"partition {partition.index} ({partition.describe()}) failed on the "
                    f"cluster: {type(e).__name__}: {e}"
                ) from e
            finally:
                future.release()
            while next_index in done:
                result = done.pop(next_index)
                next_index += 1
                if on_read is not None:
                    on_read(result.read)
                for failure in result.failures:
                    if on_error is None:
                        raise InputError(f"{failure.source}: {failure.reason}")
                    on_error(failure)
                yield from result.results
                if on_partition is not None:
                    on_partition(next_index, len(partitions))
            submit()


def connect(address: str, *, timeout: float | None = None) -> Cluster:
    """A connection to the scheduler at `address`, or a new `LocalCluster` for `local:N`.

    Raises ClusterAddressError for an address that is malformed or where no scheduler
    answers within `timeout` seconds (default: Dask's `distributed.comm.timeouts.connect`).
    """
    address = parse_address(address)
    if timeout is None:
        timeout = dask.utils.parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"))
    local = _LOCAL.match(address)
    if local:
        cluster = LocalCluster(
            n_workers=int(local[1]),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        return Cluster(Client(cluster), local=cluster)
    try:
        client = Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as e:
        raise ClusterAddressError(f"no Dask scheduler answers at {address}: {e}") from e
    return Cluster(client)

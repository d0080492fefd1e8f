"""How far an ingest has come: articles done of the total, when the inputs tell it, and speed.

`expected_articles` counts what the inputs hold without parsing them (files in a folder, lines
of a JSONL file); `Meter` keeps the counts a progress bar shows.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .ingest import SUFFIXES, WARC_SUFFIXES

# Read at a time when counting a JSONL file's lines.
_CHUNK = 1 << 20


def expected_articles(paths: Iterable[str]) -> int | None:
    """How many articles `paths` hold, or None when that cannot be known before reading.

    A text or HTML file is one article and a JSONL file one per non-blank line; stdin, a
    `.json` file (an object or a list) and a WARC archive are unknown until read. An input that
    cannot be listed counts as none: reading it reports why.
    """
    total = 0
    for name in paths:
        if name == "-":
            return None
        path = Path(name)
        files = _folder_files(path) if path.is_dir() else [path]
        for file in files:
            count = _file_articles(file)
            if count is None:
                return None
            total += count
    return total


def _folder_files(folder: Path) -> list[Path]:
    # As `ingest.read_articles` walks a folder: hidden files and folders left out.
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [
            Path(root, f) for f in files if not f.startswith(".") and f.lower().endswith(SUFFIXES)
        ]
    return found


def _file_articles(path: Path) -> int | None:
    name = path.name.lower()
    if name.endswith(".json") or name.endswith(WARC_SUFFIXES):
        return None
    if not name.endswith(".jsonl"):
        return 1 if path.is_file() else 0
    try:
        with path.open("rb") as f:
            return sum(1 for line in f if line.strip())
    except OSError:
        return 0


@dataclass(slots=True)
class Meter:
    """Articles and words done since `started`, for a rate and an estimate of the time left."""

    total: int | None = None
    articles: int = 0
    words: int = 0
    started: float = field(default_factory=time.monotonic)

    def add(self, text: str | None) -> None:
        """One more article done; `text` (None for one skipped as already stored) adds words."""
        self.articles += 1
        if text:
            self.words += len(text.split())

    def words_per_second(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.words / elapsed if elapsed > 0 else 0.0

    def seconds_left(self) -> float | None:
        """At the pace so far; None without a total or before the first article."""
        if self.total is None or not self.articles:
            return None
        elapsed = time.monotonic() - self.started
        return max(self.total - self.articles, 0) * elapsed / self.articles

    def line(self) -> str:
        """`12/40 articles, 3,400 words/s, 0:01:05 left` (no total: `12 articles, ...`)."""
        done = f"{self.articles}/{self.total}" if self.total is not None else str(self.articles)
        parts = [f"{done} articles", f"{self.words_per_second():,.0f} words/s"]
        left = self.seconds_left()
        if left is not None:
            whole = int(left)
            parts.append(f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d} left")
        return ", ".join(parts)

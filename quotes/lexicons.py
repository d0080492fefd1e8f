"""The only reader of `quotes/data/`: word lists and the outlet registry.

Word lists are plain text, one entry a line, `#` starts a comment. Entries are lower-cased.
Users extend a list by pointing `QUOTES_DATA` at a folder holding files of the same names: its
entries are added to the shipped ones.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path


@dataclass(frozen=True, slots=True)
class OutletEntry:
    """An outlet of the registry: canonical name, kind, domain and the names it goes by."""

    name: str
    kind: str
    domain: str | None
    aliases: tuple[str, ...]


def _extra_dirs() -> list[Path]:
    extra = os.environ.get("QUOTES_DATA")
    return [Path(p) for p in extra.split(os.pathsep) if p] if extra else []


def _read_lines(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


def _data_texts(filename: str) -> list[str]:
    texts = [resources.files("quotes").joinpath("data", filename).read_text(encoding="utf-8")]
    for folder in _extra_dirs():
        path = folder / filename
        if path.is_file():
            texts.append(path.read_text(encoding="utf-8"))
    return texts


@cache
def words(name: str) -> frozenset[str]:
    """The lower-cased entries of `data/<name>.txt` (plus any user extension).

    >>> "said" in words("cue_verbs") or "say" in words("cue_verbs")
    True
    """
    entries: set[str] = set()
    for text in _data_texts(f"{name}.txt"):
        entries.update(line.lower() for line in _read_lines(text))
    return frozenset(entries)


@cache
def outlets() -> tuple[OutletEntry, ...]:
    """The outlet registry (`data/outlets.jsonl`), one entry per outlet."""
    entries: list[OutletEntry] = []
    for text in _data_texts("outlets.jsonl"):
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            row = json.loads(line)
            entries.append(
                OutletEntry(
                    name=row["name"],
                    kind=row.get("kind", "unknown"),
                    domain=row.get("domain"),
                    aliases=tuple(row.get("aliases", ())),
                )
            )
    return tuple(entries)


@cache
def outlet_index() -> dict[str, OutletEntry]:
    """Every lower-cased outlet name and alias (with and without a leading `the`) to its entry."""
    index: dict[str, OutletEntry] = {}
    for entry in outlets():
        for alias in (entry.name, *entry.aliases):
            key = alias.lower()
            index.setdefault(key, entry)
            if key.startswith("the "):
                index.setdefault(key[4:], entry)
    return index


def outlet_by_domain(domain: str) -> OutletEntry | None:
    """The registry entry whose domain is `domain` or a parent of it (`www.bbc.co.uk` -> BBC)."""
    domain = domain.lower().removeprefix("www.")
    for entry in outlets():
        if entry.domain and (domain == entry.domain or domain.endswith("." + entry.domain)):
            return entry
    return None


@cache
def pairing_model() -> dict[str, float]:
    """The claim/denial pairing model's weights (`data/pairing_model.json`), by feature."""
    text = resources.files("quotes").joinpath("data", "pairing_model.json").read_text("utf-8")
    return {k: float(v) for k, v in json.loads(text)["weights"].items()}

"""Scoring against gold attributions in the PolNeAR JSONL format.

`predict` runs the pipeline over the gold articles' texts and yields system records in the format
`../shared/eval/score.py` reads: `{"doc_id", "quotes": [{"content", "speaker", "cue",
"speaker_name"}]}` with offsets into the gold text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from spacy.language import Language

from .errors import InputError
from .models import Article, Quote
from .process import process


def read_gold(path: str | Path) -> Iterator[dict[str, Any]]:
    """The gold records of a PolNeAR-format JSONL file."""
    try:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError as e:
                        raise InputError(f"{path}:{number}: not JSON: {e}") from e
    except OSError as e:
        raise InputError(f"{path}: {e.strerror or e}") from e


def system_record(doc_id: str, quotes: Iterable[Quote]) -> dict[str, Any]:
    """One article's predictions in the scorer's format."""
    out = []
    for q in quotes:
        mention = q.speaker_mention
        out.append(
            {
                "content": [list(s) for s in q.spans],
                "speaker": [[mention.start, mention.end]] if mention else [],
                "cue": [[q.cue.start, q.cue.end]] if q.cue else [],
                "speaker_name": q.speaker or "",
            }
        )
    return {"doc_id": doc_id, "quotes": out}


def predict(
    gold: Iterable[dict[str, Any]], *, nlp: Language | None = None, n_process: int = 1
) -> Iterator[dict[str, Any]]:
    """Run the pipeline over every gold article's text; yield system records in order."""
    articles = (
        Article(id=str(g["doc_id"]), text=g["text"], source=str(g["doc_id"]), title=g.get("title"))
        for g in gold
    )
    for article, quotes in process(articles, nlp_=nlp, n_process=n_process):
        yield system_record(article.id, quotes)

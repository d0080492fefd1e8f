"""The training corpus reader: examples whose predicted side keeps the parse.

spaCy's own `spacy.Corpus.v1` re-tokenizes each reference text into a bare Doc, which would
drop the parse the tagger reads its features from (`quotes.features`). This reader
gives each Example, as `quotes.tagger` does at run time, a Doc of the stored tokens without the
parse but carrying its features (`quotes.features.for_tagger`), entities unset; the reference is
the same tokens with the gold entities.

Loaded by `spacy train ... --code training/readers.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span
from spacy.training import Example

from quotes.features import for_tagger  # and the tagger's architectures, registered


@spacy.registry.readers("quotes.ParsedCorpus.v1")
def parsed_corpus(path: Path) -> Callable[[Language], Iterator[Example]]:
    """Examples from the DocBin at `path` (see `training/corpus.py`); spaCy shuffles them."""

    def read(nlp: Language) -> Iterator[Example]:
        for parsed in DocBin(store_user_data=True).from_disk(path).get_docs(nlp.vocab):
            predicted = for_tagger(nlp.vocab, parsed)
            words = [t.text for t in parsed]
            reference = Doc(nlp.vocab, words=words, spaces=[bool(t.whitespace_) for t in parsed])
            reference.ents = [Span(reference, e.start, e.end, label=e.label_) for e in parsed.ents]
            yield Example(predicted, reference)

    return read

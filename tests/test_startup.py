"""The CLI's read paths start without the NLP stack: nothing imports spaCy until something parses.

Each check runs in a fresh interpreter (a subprocess), because this test session has long since
imported spaCy for the other tests. These are behaviour tests (which modules get imported), not
timings: the wall times are in docs/benchmarks.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotes import ingest
from quotes.store import open_db

# Modules a read command must never import: the parser, textacy (which brings scikit-learn and
# scipy), thinc, the tagger and its encoder, the article readers, Datasette.
HEAVY = (
    "spacy",
    "thinc",
    "textacy",
    "sklearn",
    "scipy",
    "trafilatura",
    "datasette",
    "tokenizers",
    "quotes.nlp",
    "quotes.tagger",
    "quotes.encoder",
    "quotes.features",
    "quotes.pipeline",
    "quotes.ingest",
)

RUN = """
import json, sys
from quotes.cli import app
try:
    app(sys.argv[1:], prog_name="quotes")
except SystemExit as exit:
    code = exit.code
else:
    code = 0
heavy = {heavy!r}
print(json.dumps({{"code": code, "loaded": [m for m in heavy if m in sys.modules]}}))
"""


def _python(script: str, *args: str) -> str:
    """What `script` prints, run by a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def _loaded(*args: str) -> dict[str, object]:
    """Run the CLI with `args` afresh: its exit code and the heavy modules loaded."""
    printed = _python(RUN.format(heavy=HEAVY), *args)
    return dict(json.loads(printed.strip().splitlines()[-1]))


def test_importing_the_cli_leaves_the_nlp_stack_unimported() -> None:
    script = (
        "import json, sys, quotes.cli\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    assert json.loads(_python(script)) == []


def test_importing_the_package_is_lazy_but_complete() -> None:
    script = (
        "import json, sys, quotes\n"
        f"before = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "names = {name: type(getattr(quotes, name)).__name__ for name in quotes.__all__}\n"
        "print(json.dumps({'before': before, 'names': names, 'spacy': 'spacy' in sys.modules}))"
    )
    out = json.loads(_python(script))
    assert out["before"] == []
    # Every public name resolves on use (and only then does spaCy come in).
    assert set(out["names"]) >= {"ingest_paths", "extract_quotes", "find", "open_db", "Quote"}
    assert out["names"]["ingest_paths"] == "function"
    assert out["spacy"] is True


def test_unknown_attribute_of_the_package_is_an_attribute_error() -> None:
    import quotes

    with pytest.raises(AttributeError, match="no_such_name"):
        _ = quotes.no_such_name  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "command",
    [
        ["--help"],
        ["find", "--speaker", "Nobody"],
        ["speakers"],
        ["outlets"],
        ["contradictions"],
        ["show", "0000"],
    ],
    ids=lambda command: command[0],
)
def test_read_commands_do_not_import_the_nlp_stack(tmp_path: Path, command: list[str]) -> None:
    db = tmp_path / "empty.db"
    open_db(db, create=True).close()
    args = command if command == ["--help"] else [*command, "--db", str(db)]
    out = _loaded(*args)
    # `show` of an id that is not there fails (exit 1) the ordinary way; the rest succeed.
    assert out["code"] == (1 if command[0] == "show" else 0)
    assert out["loaded"] == []


def test_extract_does_import_the_parser(tmp_path: Path) -> None:
    # The check above can fail: a command that parses pulls the stack in, and it is seen.
    article = tmp_path / "a.txt"
    article.write_text('"We will look at it," the mayor said on Tuesday.\n', encoding="utf-8")
    out = _loaded("extract", str(article))
    assert out["code"] == 0
    assert {"spacy", "quotes.nlp", "quotes.tagger"} <= set(out["loaded"])


# Characters the identity normalisation treats specially, mixed into arbitrary text.
_SPECIAL = "ʼ‘’´`“”„‟«»‚‛‹›\"' \t\n\r\v\f\u00a0\u2009\u200b\u2060\ufeff\u0301e\u2026\ufb01"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(_SPECIAL) | st.characters(), max_size=60))
def test_article_ids_are_what_the_textacy_normalisation_gave(text: str) -> None:
    # The ids of stored articles must not change now that textacy is not imported: the same
    # steps as before (textacy's quotation marks, then the extra marks, NFKC, whitespace).
    normalize = pytest.importorskip("textacy.preprocessing").normalize
    extra = str.maketrans("„‟«»‚‛‹›", "\"\"\"\"''''")
    before = normalize.quotation_marks(text).translate(extra)
    before = normalize.unicode(before, form="NFKC")
    before = " ".join(normalize.whitespace(before).split())
    assert ingest._identity_text(text) == before

"""What a person sees: headless Chromium over the real server and the HTML report.

The seeds are ingested with the real pipeline, served by `quotes.serve.make_server` (what
`quotes serve` runs) on a free port of 127.0.0.1, and read with Debian's `chromium` driven by
Selenium through Debian's `chromedriver`; no browser is ever downloaded. Without them the module
is skipped (`.ci/run` installs them). Screenshots go to each test's tmp_path; set
QUOTES_SCREENSHOTS to a folder to keep copies (how docs/images/browse.png was made).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from spacy.language import Language

import quotes
import quotes.pipeline
from quotes import query, report
from quotes.serve import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    pytest.skip(
        f"needs Debian's chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER}): "
        "apt-get install chromium chromium-driver",
        allow_module_level=True,
    )
pytest.importorskip("selenium", reason="needs selenium: pip install -e '.[test]'")

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1280, 900
WAIT = 10  # seconds; every page here is served from this machine
# Without the networking flags Chromium keeps trying to reach Google's hosts, which this
# machine's closed network refuses (see the machine notes).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    f"--window-size={WIDTH},{HEIGHT}",
)
SEARCH = "issue"
SPEAKER = "Dmitry Peskov"


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded_db(nlp: Language, seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds ingested into `quotes.db` (Datasette calls the database `quotes`)."""
    path = tmp_path_factory.mktemp("browser") / "quotes.db"
    db = quotes.open_db(path)
    quotes.pipeline.ingest(sorted(str(p) for p in seeds_dir.glob("*.txt")), db)
    db.close()
    return path


@pytest.fixture(scope="module")
def base_url(seeded_db: Path) -> Iterator[str]:
    """The real server in a thread, on a free port, with `serve`'s default host."""
    server = make_server(seeded_db, port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    assert host == "127.0.0.1"  # `serve` listens on this machine only unless told otherwise
    yield f"http://{host}:{port}"
    server.should_exit = True
    thread.join(WAIT)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT)
    yield driver
    driver.quit()


def screenshot(driver: WebDriver, path: Path) -> Path:
    """Save what the browser shows; a copy goes to $QUOTES_SCREENSHOTS when that is set."""
    assert driver.save_screenshot(str(path)), path
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    keep = os.environ.get("QUOTES_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)
    return path


def visible_text(element: WebElement) -> str:
    assert element.is_displayed()
    return element.text


def heading(driver: WebDriver) -> str:
    return visible_text(driver.find_element(By.CSS_SELECTOR, "section.content h3"))


def column(driver: WebDriver, name: str) -> list[str]:
    """The visible cells of one column of the rows table."""
    cells = driver.find_elements(By.CSS_SELECTOR, f"table.rows-and-columns td.col-{name}")
    return [visible_text(cell) for cell in cells]


def count(db: Path, sql: str, *params: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql, params).fetchone()[0])


# --- Datasette -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "facet", "shown"),
    [
        # The statements view, as a reader meets it, and the quotes table with labelled keys.
        ("quote_triples", "speaker", "speaker"),
        ("quotes", "speaker_id", "content"),
    ],
)
def test_browser_search_then_speaker_facet(
    browser: WebDriver,
    base_url: str,
    seeded_db: Path,
    tmp_path: Path,
    table: str,
    facet: str,
    shown: str,
) -> None:
    matching = "select rowid from quotes_fts where quotes_fts match ?"
    found = count(seeded_db, f"select count(*) from quotes where rowid in ({matching})", SEARCH)
    by_speaker = count(
        seeded_db,
        f"select count(*) from quotes join speakers on speakers.id = quotes.speaker_id "
        f"where speakers.name = ? and quotes.rowid in ({matching})",
        SPEAKER,
        SEARCH,
    )
    assert 0 < by_speaker < found  # the seeds make both steps narrow the rows

    browser.get(f"{base_url}/quotes/{table}")
    box = browser.find_element(By.ID, "_search")
    assert box.is_displayed()
    box.send_keys(SEARCH, Keys.ENTER)
    WebDriverWait(browser, WAIT).until(ec.url_contains(f"_search={SEARCH}"))
    assert heading(browser).startswith(f'{found} rows where search matches "{SEARCH}"')
    assert browser.find_element(By.ID, "_search").get_attribute("value") == SEARCH
    rows = browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    assert len(rows) == found
    if shown == "content":
        assert all(SEARCH in text.lower() for text in column(browser, "content"))

    # Follow the speaker's link in the facet: the rows narrow to that speaker's.
    facet_box = browser.find_element(By.ID, f"facet-{facet}")
    facet_box.find_element(By.LINK_TEXT, SPEAKER).click()
    WebDriverWait(browser, WAIT).until(ec.url_contains(f"{facet}="))
    assert f"_search={SEARCH}" in browser.current_url  # the search is kept
    assert heading(browser).startswith(f"{by_speaker} row")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    assert len(rows) == by_speaker
    # A foreign key cell shows the speaker's name, then the id in small print.
    speakers = column(browser, facet)
    assert len(speakers) == by_speaker
    assert all(cell.startswith(SPEAKER) for cell in speakers), speakers
    # The chosen value is shown in the facet as "name · count", with a cross to remove it.
    facet_box = browser.find_element(By.ID, f"facet-{facet}")
    chosen = facet_box.find_element(By.XPATH, ".//li[a[@class='cross']]")
    assert visible_text(chosen).startswith(f"{SPEAKER} · {by_speaker}")
    screenshot(browser, tmp_path / f"{table}-search-facet.png")


def test_browser_statements_page_fits_a_screen(
    browser: WebDriver, base_url: str, tmp_path: Path
) -> None:
    """The first screen of the statements page has the search box, facets and the first rows."""
    browser.get(f"{base_url}/quotes/quote_triples?_search={SEARCH}")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Statements (view)"
    # The column descriptions are folded, one click away.
    help_ = browser.find_element(By.CSS_SELECTOR, "details.column-help")
    assert not help_.find_element(By.TAG_NAME, "dl").is_displayed()
    help_.find_element(By.TAG_NAME, "summary").click()
    assert "What was said" in visible_text(help_.find_element(By.TAG_NAME, "dl"))
    help_.find_element(By.TAG_NAME, "summary").click()
    box = browser.find_element(By.ID, "_search")
    assert box.location["y"] + box.size["height"] < HEIGHT / 2
    facets = browser.find_element(By.CSS_SELECTOR, ".facet-results")
    assert facets.location["y"] < HEIGHT
    # A taller window for the picture, so that it shows rows too (docs/images/statements.png).
    browser.set_window_size(WIDTH, 1300)
    try:
        screenshot(browser, tmp_path / "statements.png")
    finally:
        browser.set_window_size(WIDTH, HEIGHT)


def test_browser_contradiction_pairs_side_by_side(
    browser: WebDriver, base_url: str, seeded_db: Path, tmp_path: Path
) -> None:
    pairs = count(seeded_db, "select count(*) from contradictions")
    assert pairs
    browser.get(f"{base_url}/quotes/contradiction_pairs")
    assert heading(browser).startswith(f"{pairs} row")
    claim = browser.find_element(By.CSS_SELECTOR, "td.col-claim")
    denial = browser.find_element(By.CSS_SELECTOR, "td.col-denial")
    # Both sides on one row, and both within the window's width: no scrolling to compare them.
    assert claim.location["y"] == denial.location["y"]
    assert denial.location["x"] + denial.size["width"] <= WIDTH
    assert visible_text(claim) and visible_text(denial)
    assert "no such issue" in " ".join(column(browser, "denial")).lower()
    screenshot(browser, tmp_path / "contradiction-pairs.png")


def test_browser_atom_feed_link(browser: WebDriver, base_url: str) -> None:
    browser.get(f"{base_url}/quotes/new_quotes_by_speaker?speaker=Peskov")
    link = browser.find_element(By.PARTIAL_LINK_TEXT, "atom")
    assert "new_quotes_by_speaker.atom?speaker=Peskov" in (link.get_attribute("href") or "")


# --- the HTML contradiction report ---------------------------------------------------------------


def test_browser_contradiction_report(browser: WebDriver, seeded_db: Path, tmp_path: Path) -> None:
    db = quotes.open_db(seeded_db, create=False)
    items = [
        {
            **item,
            "claim": query.get_quote(db, item["claim"]["id"]),
            "denial": query.get_quote(db, item["denial"]["id"]),
        }
        for item in query.contradictions(db)
    ]
    db.close()
    assert items
    page = tmp_path / "report.html"
    page.write_text(report.render(items, "html"), encoding="utf-8")
    browser.get(page.as_uri())

    assert browser.title == "Contradictions"
    pairs = browser.find_elements(By.CSS_SELECTOR, "article.pair")
    assert len(pairs) == len(items)
    first, item = pairs[0], items[0]
    claim = first.find_element(By.CSS_SELECTOR, "section.claim")
    denial = first.find_element(By.CSS_SELECTOR, "section.denial")
    # Side by side at this width: the same top, the denial right of the claim.
    assert claim.location["y"] == denial.location["y"]
    assert denial.location["x"] >= claim.location["x"] + claim.size["width"]
    for side, quote in [(claim, item["claim"]), (denial, item["denial"])]:
        assert visible_text(side.find_element(By.TAG_NAME, "h3")).endswith(quote["speaker"])
        marks = side.find_elements(By.CSS_SELECTOR, "blockquote mark")
        assert marks and all(mark.is_displayed() for mark in marks)
        # The highlight is the quote itself (a split quote is several marks).
        first_words = " ".join(quote["content"].split()[:3])
        assert first_words in " ".join(" ".join(mark.text.split()) for mark in marks)
        # And it is highlighted: the mark's background is not the page's.
        background = marks[0].value_of_css_property("background-color")
        assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    screenshot(browser, tmp_path / "report.png")

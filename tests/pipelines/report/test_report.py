"""The report: escaped corpus text, Markdown summary, and the HTML in a real headless Chromium.

Most tests read a three-model run directory written by hand (:mod:`tests.synthetic_run`):
no Prefect, no model. One end-to-end run checks the flow writes the report at all.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, news_sentences
from tests.synthetic_run import (
    HOSTILE_NAME,
    HOSTILE_WORD,
    MODELS,
    N_DOCS,
    write_synthetic_run,
)
from tests.synthetic_trees import HOSTILE_NODE_NAME
from topicflow.pipelines.io.run_files import REPORT_HTML_FILE, REPORT_MD_FILE, load_run
from topicflow.pipelines.report.html import render_html, write_report
from topicflow.pipelines.report.markdown import render_markdown

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DISTINCT_MAP_COLOURS = (
    "new Set(Array.from(document.querySelectorAll('#document-map .point'))"
    ".map(e => e.style.fill)).size"
)
TIME_AREAS = "document.querySelectorAll('#time-shares .scatterlayer .trace').length"
HOSTILE = [
    "<script>window.__pwned = 1; alert(1)</script> markets rally bank profit shares",
    '"><img src=x onerror="window.__pwned = 2"> rocket launch orbit nasa mission',
]


def test_a_three_model_report_has_every_model_and_every_pair(synthetic_run):
    page = (synthetic_run / REPORT_HTML_FILE).read_text()
    for model in MODELS:
        assert page.count(f'<section id="topics-{model}">') == 1
    assert [page.count(f"<h2>{t} topics</h2>") for t in ("LDA", "NMF", "Embedding")] == [1, 1, 1]
    assert page.count("Plotly.newPlot('alignment-") == 3
    assert page.count('"type": "heatmap"') == 3
    for a, b in (("LDA", "NMF"), ("LDA", "Embedding"), ("NMF", "Embedding")):
        assert f"<h3>{a} and {b}</h3>" in page and f"<b>{a}-only:</b>" in page
    assert page.count('"name": "NMF"') == 2  # a trace in the coherence and the size chart
    assert "colour by NMF topic" in page and "colour by gold label" in page
    assert page.count("Document agreement: NMI") == 3
    assert "<th>label \\ topic</th>" in page and "<h3>Embedding</h3><ul><li>" in page

    markdown = (synthetic_run / REPORT_MD_FILE).read_text()
    topic_tables = [line for line in markdown.splitlines() if line.endswith(" topics")]
    assert topic_tables == ["## LDA topics", "## NMF topics", "## Embedding topics"]
    assert markdown.count("## Matched topics: ") == 3
    assert "| | LDA | NMF | Embedding |" in markdown
    assert "| NMF | 2 | 1 | 0 | 0 | 1 | 0 |" in markdown  # drift, per model


def test_hostile_words_and_snippets_stay_text(synthetic_run):
    page = (synthetic_run / REPORT_HTML_FILE).read_text()
    assert "<script>window.__pwned" not in page and "<img src=x" not in page
    assert HOSTILE_WORD not in page and "<b>news</b>" not in page
    # A topic card shows the hostile snippet, HTML-escaped...
    assert '<div class="doc">&lt;script&gt;window.__pwned' in page
    assert "<h3>Topic 0: &lt;script&gt;alert(1)&lt;/script&gt; a|b bank</h3>" in page
    # ...and the map's hover text has it HTML-escaped, then JSON-escaped for <script>.
    assert "\\u0026lt;script\\u0026gt;window.__pwned" in page
    assert "https://" not in page.split("<script>", 1)[0]  # nothing fetched from elsewhere
    markdown = (synthetic_run / REPORT_MD_FILE).read_text()
    assert "<script>" not in markdown and "<b>" not in markdown
    assert "| 0 | 11 | " in markdown and "&lt;script&gt;alert(1)&lt;/script&gt;, a\\|b" in markdown


def test_background_words_are_shown_apart_from_the_topics(synthetic_run):
    page = (synthetic_run / REPORT_HTML_FILE).read_text()
    lda = page.split('<section id="topics-lda">', 1)[1].split("</section>", 1)[0]
    assert "<h3>Background words</h3>" in lda and "no document is assigned to it" in lda
    assert "<li>said, would, &lt;script&gt;alert(1)&lt;/script&gt; <span" in lda
    assert "(in 62% of the documents)" in lda
    assert page.count("<h3>Background words</h3>") == 1  # NMF and Embedding have none
    # A generic topic under a heading of its own, with what it is.
    generic = lda.split("<h3>Generic words</h3>", 1)[1]
    assert "words of conversation" in generic and "<li>well, yes, quite <span" in generic
    assert "(in 5% of the documents)" in generic and "said" not in generic
    markdown = (synthetic_run / REPORT_MD_FILE).read_text()
    line = next(x for x in markdown.splitlines() if x.startswith("Background words"))
    assert line.startswith("Background words (in 62% of the documents): said, would, &lt;")
    assert markdown.index("## LDA topics") < markdown.index(line) < markdown.index("## NMF")
    lines = markdown.splitlines()
    at = next(i for i, x in enumerate(lines) if x.startswith("Generic words"))
    assert lines[at] == "Generic words (in 5% of the documents): well, yes, quite."
    # What a generic topic is follows its kind's topics once.
    note = lines[at + 2]
    assert note.startswith("The model spent a topic on words of conversation")
    assert "no document is assigned to it" in note
    assert sum("no document is assigned to it" in x for x in lines) == 2  # once per kind


def test_topic_names_show_everywhere_and_a_hostile_one_stays_text(synthetic_run):
    from topicflow.pipelines.report.escape import html_text, markdown_text

    page = (synthetic_run / REPORT_HTML_FILE).read_text()
    assert 'onerror="window.__pwned = 3"' not in page
    shown = html_text(HOSTILE_NAME)
    assert f"<h3>Topic 0: {shown}</h3>" in page  # the topic card
    assert f"<td>0: {shown}</td>" in page  # the alignment lists
    assert "<h3>Topic 1: space missions</h3>" in page and "<td>1: rocket launch</td>" in page
    assert '"LDA 1: space missions"' in page  # heatmap and bar-chart labels
    assert "LDA topic 1: space missions" in page  # the map's hover text
    assert "emerged: league football (topic 2, 10 docs)" in page  # drift lines
    # An old topic whose words LDA now sets aside is told apart from a vanished one.
    aside = f"set aside as background words: topic 3 (5 docs): said, would, {HOSTILE_WORD}"
    assert f"<li>{html_text(aside)}</li>" in page
    markdown = (synthetic_run / REPORT_MD_FILE).read_text()
    assert HOSTILE_NAME not in markdown and "<img" not in markdown
    assert f"| 0 | {markdown_text(HOSTILE_NAME)} | 11 |" in markdown
    assert f"- {markdown_text(aside)}" in markdown
    assert "| LDA | 2 | 1 | 0 | 1 | 0 | 0 |" in markdown  # drift: one set aside
    assert "| 1: space missions | 1: rocket launch | 0.900 |" in markdown
    assert "| topic | documents | NPMI | top words |" in markdown  # NMF: no names, no column


def test_a_single_model_report_has_no_pairs(tmp_path):
    path = write_synthetic_run(tmp_path, models=("nmf",))
    write_report(path)
    page = (path / REPORT_HTML_FILE).read_text()
    assert '<section id="topics-nmf">' in page and "topics-lda" not in page
    assert "Plotly.newPlot('alignment-" not in page and "How the topics line up" not in page
    assert "Document agreement" not in page
    markdown = (path / REPORT_MD_FILE).read_text()
    assert "## NMF topics" in markdown and "Matched topics" not in markdown
    assert "| | NMF |" in markdown


def test_synthetic_rendering_is_a_function_of_the_run_directory(synthetic_run):
    run = load_run(synthetic_run)
    assert render_html(run) == (synthetic_run / REPORT_HTML_FILE).read_text()
    assert render_markdown(run) == (synthetic_run / REPORT_MD_FILE).read_text()


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory, prefect_api) -> Path:
    """A finished run whose corpus holds documents written to break out of the page."""
    from topicflow.flows.orchestration.topic_analysis import topic_analysis

    folder = tmp_path_factory.mktemp("hostile")
    rows = [
        {"text": t, "desk": ["money", "space", "sport"][i % 3]}
        for i, t in enumerate(news_sentences(36))
    ]
    rows += [{"text": HOSTILE[0], "desk": "money"}, {"text": HOSTILE[1], "desk": "space"}]
    corpus = folder / "hostile.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows))
    run_dir = topic_analysis(
        corpus=str(corpus),
        config=str(PROJECT_ROOT / "configs" / "smoke.yaml"),
        overrides={"corpus": {"label_field": "desk"}},
        out=str(folder / "runs"),
        store=str(folder / "store"),
    )
    return Path(run_dir)


@pytest.mark.slow
def test_report_files_are_written_and_escape_the_corpus(hostile_run):
    page = (hostile_run / "report.html").read_text()
    assert "<script>window.__pwned" not in page and "<img src=x" not in page
    # It is there, as inert text: HTML-escaped for the map's hover text, then JSON-escaped.
    assert "\\u0026lt;script\\u0026gt;window.__pwned" in page
    assert "https://" not in page.split("<script>", 1)[0]  # nothing fetched from elsewhere
    assert (hostile_run / "report.html").stat().st_size < 15e6
    markdown = (hostile_run / "report.md").read_text()
    assert markdown.startswith("# topicflow report: hostile")
    assert "| NPMI (c_npmi, top 10) |" in markdown and "## Embedding topics" in markdown
    assert load_run(hostile_run).model_names == ["lda", "embedding"]
    manifest = json.loads((hostile_run / "manifest.json").read_text())
    assert "report" in manifest["stages"]


@pytest.mark.slow
def test_report_renders_in_headless_chromium_and_runs_no_injected_code(synthetic_run):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto((synthetic_run / REPORT_HTML_FILE).as_uri())
        page.wait_for_function("document.querySelectorAll('.plot .main-svg').length >= 16")
        plots = page.eval_on_selector_all(
            ".plot", "els => els.map(e => [e.id, e.querySelectorAll('.main-svg').length])"
        )
        points = page.eval_on_selector_all("#document-map .point", "els => els.length")
        map_area = page.evaluate(MAP_PLOT_AREA)
        # The level control re-colours the map: a colour per topic at the level picked.
        colours = []
        for model, level in [(None, None), ("lda", 0), ("lda", 2), ("embedding", 2)]:
            if model is not None:
                page.select_option(f"select[data-model={model}]", str(level))
            colours.append(page.evaluate(DISTINCT_MAP_COLOURS))
        picked = page.eval_on_selector_all("select.level", "els => els.map(e => e.value)")
        hover = page.evaluate("document.getElementById('document-map').data[0].hovertext[0]")
        page.click("text=colour by LDA topic")  # a map button: the pickers go back
        page.wait_for_function("document.querySelector('select[data-model=embedding]').value == 1")
        icicle = page.inner_text("#tree-lda")
        sankey = page.inner_text("#edges-0")
        over_time = _over_time_views(page)
        pwned = page.evaluate("window.__pwned === undefined")
        page.screenshot(path=str(synthetic_run / "report.png"), full_page=True)
        browser.close()
    assert errors == []
    assert dialogs == [] and pwned
    # The map, a tree per model, a Sankey and a heatmap per pair, the shares over time and
    # the movers per model, coherence and sizes.
    assert len(plots) == 16 and all(count > 0 for _, count in plots), plots
    assert points == N_DOCS  # every document is a point on the map
    # The map's buttons sit above it: its plot area spans the card, not its right half.
    assert map_area["left"] <= 80 and map_area["plot"] >= 0.85 * map_area["figure"], map_area
    # Embedding's 3 topics and its unassigned grey; LDA's 2, then 6 topics (all assigned);
    # embedding's 6 finest topics and grey.
    assert colours == [4, 2, 6, 7]
    assert picked == ["2", "1", "1"]  # picking embedding's level reset LDA's picker
    assert hover.startswith("Embedding at 6 topics: bank profits, first half<br>")
    assert "markets and missions" in icicle and "league football" in icicle and "22 docs" in icicle
    assert "LDA 2: league football" in sankey and "NMF 3: player score league" in sankey
    assert HOSTILE_NODE_NAME in icicle  # shown as text, and it ran nothing (pwned)
    # Topics over time: a date axis from the 1790s, LDA's areas, then NMF's at a click.
    assert "1800" in over_time["ticks"] and over_time["ticks"] == sorted(over_time["ticks"])
    assert over_time["areas"] == [3, 4]
    assert over_time["legend"][0] == [
        "Topic 2: league football",
        "Topic 1: space missions",
        f"Topic 0: {HOSTILE_NAME}",  # shown as text
    ]
    assert over_time["legend"][1][-1] == f"Topic 0: {HOSTILE_WORD} a|b bank"
    assert "no documents" in over_time["notes"]
    assert over_time["panels"][2] == (
        "Topic 2: match goal teamemerging, 0.0% -> 30.0% (+30.0 points), q = 0.004"
    )
    assert (synthetic_run / "report.png").stat().st_size > 10_000


# Where Plotly put the map's plot area inside its figure (pixels).
MAP_PLOT_AREA = """(() => {
    const layout = document.getElementById('document-map')._fullLayout;
    return {left: layout._size.l, plot: layout._size.w, figure: layout.width};
})()"""


def _over_time_views(page) -> dict:
    """What the over-time section shows in the browser: the shares' date ticks, areas and
    legend (LDA's, then NMF's after its button is clicked), and NMF's movers' titles."""

    def texts(selector: str) -> list[str]:
        return page.eval_on_selector_all(selector, "els => els.map(e => e.textContent)")

    views = {
        "ticks": texts("#time-shares .xtick text"),
        "notes": texts("#time-shares .annotation-text"),
        "panels": texts("#time-movers-nmf .annotation-text"),
        "areas": [page.evaluate(TIME_AREAS)],
        "legend": [texts("#time-shares .legendtext")],
    }
    page.click("#time-shares .updatemenu-button >> text=NMF")
    page.wait_for_function(f"{TIME_AREAS} == 4")
    views["areas"].append(page.evaluate(TIME_AREAS))
    views["legend"].append(texts("#time-shares .legendtext"))
    return views


@pytest.mark.slow
def test_rendering_is_a_function_of_the_run_directory(hostile_run):
    run = load_run(hostile_run)
    assert render_html(run) == render_html(load_run(hostile_run))
    assert render_markdown(run) == (hostile_run / "report.md").read_text()


@pytest.mark.slow
def test_notebook_reproduces_the_main_views(synthetic_run, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(PROJECT_ROOT / "notebooks" / "explore_run.ipynb", as_version=4)
    monkeypatch.setenv("TOPICFLOW_RUN", str(synthetic_run))
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = json.dumps([o.get("data", {}) for o in outputs])
    assert "NPMI (c_npmi, top 10)" in text  # the headline table
    plotly = "application/vnd.plotly.v1+json"
    figures = [o["data"][plotly] for o in outputs if plotly in o.get("data", {})]
    kinds = [figure["data"][0]["type"] for figure in figures]
    assert kinds.count("heatmap") == 3  # a figure per pair of models
    assert len(figures) == 5 and "NMF topic" in text  # and coherence, the map
    assert "purity" in text  # the label scores of this labelled corpus

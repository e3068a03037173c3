"""The report: escaped corpus text, Markdown summary, and the HTML in a real headless Chromium."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from topicflow.pipelines.io.run_data import load_run
from topicflow.pipelines.report.html import render_html
from topicflow.pipelines.report.markdown import render_markdown

from tests.conftest import PROJECT_ROOT, news_sentences

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HOSTILE = [
    "<script>window.__pwned = 1; alert(1)</script> markets rally bank profit shares",
    '"><img src=x onerror="window.__pwned = 2"> rocket launch orbit nasa mission',
]


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
    manifest = json.loads((hostile_run / "manifest.json").read_text())
    assert "report" in manifest["stages"]


@pytest.mark.slow
def test_report_renders_in_headless_chromium_and_runs_no_injected_code(hostile_run):
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
        page.goto((hostile_run / "report.html").as_uri())
        page.wait_for_function("document.querySelectorAll('.plot .main-svg').length >= 4")
        plots = page.eval_on_selector_all(
            ".plot", "els => els.map(e => [e.id, e.querySelectorAll('.main-svg').length])"
        )
        points = page.eval_on_selector_all("#document-map .point", "els => els.length")
        pwned = page.evaluate("window.__pwned === undefined")
        page.screenshot(path=str(hostile_run / "report.png"), full_page=True)
        browser.close()
    assert errors == []
    assert dialogs == [] and pwned
    assert len(plots) == 4 and all(count > 0 for _, count in plots), plots
    assert points == 38  # every document is a point on the map
    assert (hostile_run / "report.png").stat().st_size > 10_000


@pytest.mark.slow
def test_rendering_is_a_function_of_the_run_directory(hostile_run):
    run = load_run(hostile_run)
    assert render_html(run) == render_html(load_run(hostile_run))
    assert render_markdown(run) == (hostile_run / "report.md").read_text()


@pytest.mark.slow
def test_notebook_reproduces_the_main_views(hostile_run, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(PROJECT_ROOT / "notebooks" / "explore_run.ipynb", as_version=4)
    monkeypatch.setenv("TOPICFLOW_RUN", str(hostile_run))
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
    assert "application/vnd.plotly.v1+json" in text  # the figures
    assert "purity" in text  # the label scores of this labelled corpus

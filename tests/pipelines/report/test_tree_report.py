"""The report's topic trees: each model's icicle, outline and indented list, the map's
level control, and the split and merge edges between models, read from the hand-made
three-model run directory (:mod:`tests.synthetic_run`, :mod:`tests.synthetic_trees`)."""

from __future__ import annotations

from tests.synthetic_run import HOSTILE_NAME, MODELS, write_synthetic_run
from tests.synthetic_trees import HOSTILE_NODE_NAME
from topicflow.pipelines.io.run_files import REPORT_HTML_FILE, REPORT_MD_FILE
from topicflow.pipelines.report.html import write_report


def test_each_tree_shows_as_an_icicle_an_outline_and_an_indented_list(synthetic_run):
    from topicflow.pipelines.report.escape import html_text, markdown_text

    page = (synthetic_run / REPORT_HTML_FILE).read_text()
    assert page.count('"type": "icicle"') == 3
    assert [page.count(f"Plotly.newPlot('tree-{m}'") for m in MODELS] == [1, 1, 1]
    assert "NMF: levels of 2, 4, 8 topics, reporting 4 (its own rule preferred 8" in page
    # The outline: names (else words), sizes, the reported topics bold with their id.
    assert f'<li>{html_text(HOSTILE_NODE_NAME)} <span class="muted">10 docs;' in page
    assert '<li><b>topic 2: league football</b> <span class="muted">10 docs;' in page
    assert '<li>goal team season <span class="muted">4 docs; goal, team' in page
    # Per-level numbers (a model's "levels" extra): nmf's rule chose 8, the run reports 4.
    assert "<tr><td>4</td><td>0.070</td><td>0.900</td><td>40.0%</td><td>reported</td>" in page
    assert "<tr><td>8</td><td>0.090</td><td>0.800</td><td>28.6%</td><td>chosen</td>" in page

    markdown = (synthetic_run / REPORT_MD_FILE).read_text()
    tree = markdown.split("## LDA topic tree\n\n", 1)[1].split("\n\n## ", 1)[0]
    assert tree.splitlines() == [
        "LDA: levels of 2, 3, 6 topics, reporting 3; 2 more topics of the fit at that level "
        "held background or generic words, listed under its topics.",
        "",
        "- markets and missions (22 docs)",
        f"  - **topic 0: {markdown_text(HOSTILE_NAME)}** (11 docs)",
        f"    - {markdown_text(HOSTILE_NAME + ', first half')} (6 docs)",
        "    - market shares profit (5 docs)",
        "  - **topic 1: space missions** (11 docs)",
        "    - space missions, first half (6 docs)",
        "    - orbit launch planet (5 docs)",
        f"- {markdown_text(HOSTILE_NODE_NAME)} (10 docs)",
        "  - **topic 2: league football** (10 docs)",
        "    - league football, first half (6 docs)",
        "    - goal team season (4 docs)",
    ]


def test_the_map_has_a_level_control_per_tree_defaulting_to_the_reported_level(synthetic_run):
    page = (synthetic_run / REPORT_HTML_FILE).read_text()
    # In the map's order (embedding first: it is drawn from the same vectors).
    assert [page.index(f'data-model="{m}"') for m in ("embedding", "lda", "nmf")] == sorted(
        page.index(f'data-model="{m}"') for m in ("embedding", "lda", "nmf")
    )
    assert (
        '<select class="level" data-model="nmf" data-reported="1"><option value="0">2 topics'
        '</option><option value="1" selected>4 topics (reported)</option><option value="2">'
        "8 topics</option></select>"
    ) in page
    assert "const levels = {" in page and "Plotly.update(map" in page


def test_splits_and_merges_are_drawn_and_listed_with_names(synthetic_run):
    from topicflow.pipelines.report.escape import html_text

    page = (synthetic_run / REPORT_HTML_FILE).read_text()
    assert page.count('"type": "sankey"') == 3
    assert "<p>Compared at LDA 3 and NMF 4 topics.</p>" in page
    assert (
        "<li>split: LDA 2 &#x27;league football&#x27; -&gt; NMF 2 &#x27;match goal team&#x27;, "
        "3 &#x27;player score league&#x27;</li>"
    ) in page
    assert "<li>one to one: 2 topic pairs</li>" in page
    # The hostile name is a Sankey label: HTML-escaped for plotly, JSON-escaped for <script>.
    assert 'LDA 0: \\u0026lt;img src=x onerror=\\"window.__pwned = 3\\"\\u0026gt;' in page
    assert html_text(HOSTILE_NAME) in page  # and in the outline
    markdown = (synthetic_run / REPORT_MD_FILE).read_text()
    assert (
        "- split: LDA 2 'league football' -> NMF 2 'match goal team', 3 'player score league'"
    ) in markdown
    assert (
        "- merge: NMF 2 'match goal team', 3 'player score league' -> Embedding 2 'team season'"
    ) in markdown
    assert "Compared at NMF 4 and Embedding 3 topics." in markdown


def test_a_run_from_before_topic_trees_renders_without_the_tree_parts(tmp_path):
    path = write_synthetic_run(tmp_path, trees=False)
    write_report(path)
    page = (path / REPORT_HTML_FILE).read_text()
    assert "Topic trees" not in page and '"type": "icicle"' not in page
    assert 'class="level"' not in page and "const levels" not in page
    assert '"type": "sankey"' not in page and "Compared at" not in page
    assert page.count('"type": "heatmap"') == 3  # the comparisons are still there
    markdown = (path / REPORT_MD_FILE).read_text()
    assert "topic tree" not in markdown and "split:" not in markdown.split("## Matched", 1)[1]
    assert markdown.count("## Matched topics: ") == 3

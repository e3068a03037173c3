"""The report's "Topics over time" section, on the hand-made run (:mod:`tests.synthetic_run`):
eight periods of uneven width from the 1790s, one empty, planted trends and hostile words.
The browser check is with the other report tests (:mod:`.test_report`)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.synthetic_over_time import EMPTY_PERIOD, HOSTILE_TIME_WORD, TIME_EDGES
from tests.synthetic_run import HOSTILE_NAME, HOSTILE_WORD, write_synthetic_run
from topicflow.pipelines.io.run_files import REPORT_HTML_FILE, REPORT_MD_FILE, RunData, load_run
from topicflow.pipelines.io.time_shapes import Period
from topicflow.pipelines.report.escape import html_text, markdown_text, plotly_text
from topicflow.pipelines.report.html import write_report
from topicflow.pipelines.report.markdown import render_markdown
from topicflow.pipelines.report.time_figures import (
    MAX_AREAS,
    SHARES_ID,
    band,
    drawn_topics,
    movers_figure,
    movers_id,
    plotly_date,
    shares_figure,
    steps,
    time_figures,
)
from topicflow.pipelines.report.time_html import time_section

STARTS = [
    "1790-01-01 00:00:00",
    "1800-01-01 00:00:00",
    "1810-01-01 00:00:00",
    "1830-01-01 00:00:00",
    "1850-01-01 00:00:00",
    "1900-01-01 00:00:00",
    "1950-01-01 00:00:00",
    "2000-01-01 00:00:00",
]
LAST_SECONDS = [
    "1799-12-31 23:59:59",
    "1809-12-31 23:59:59",
    "1829-12-31 23:59:59",
    "1849-12-31 23:59:59",
    "1899-12-31 23:59:59",
    "1949-12-31 23:59:59",
    "1999-12-31 23:59:59",
    "2019-12-31 23:59:59",
]


@pytest.fixture(scope="module")
def run(synthetic_run) -> RunData:
    return load_run(synthetic_run)


def _section(page: str) -> str:
    start = page.index('<section id="topics-over-time">')
    return page[start : page.index("</section>", start)]


# --- figures -----------------------------------------------------------------------------


def test_steps_hold_each_value_over_its_period_and_break_at_empty_ones():
    period = Period(
        unit="year",
        chosen_by="config",
        edges=["0999-01-01T00:00:00Z", "1000-01-01T00:00:00Z", "1003-01-01T00:00:00Z",
               "1004-06-01T12:00:00Z"],
        labels=["999", "1000-1002", "1003-1004"],
        documents=[3, 0, 2],
    )  # fmt: skip
    xs, ys = steps(period, [0.25, None, 0.5])
    assert xs == [
        "0999-01-01 00:00:00",
        "0999-12-31 23:59:59",
        None,
        "1003-01-01 00:00:00",
        "1004-06-01 11:59:59",
    ]
    assert ys == [0.25, 0.25, None, 0.5, 0.5]
    # The band: the high steps out and the low steps back, a closed outline per run.
    xs, ys = band(period, [0.1, None, 0.4], [0.3, None, 0.6])
    assert ys == [0.3, 0.3, 0.1, 0.1, None, 0.6, 0.6, 0.4, 0.4]
    assert xs[:5] == [
        "0999-01-01 00:00:00",
        "0999-12-31 23:59:59",
        "0999-12-31 23:59:59",
        "0999-01-01 00:00:00",
        None,
    ]


def test_the_stacked_area_places_every_period_at_its_true_dates(run):
    figure = shares_figure(run, run.metrics.over_time)
    traces = figure["data"]
    assert [t["meta"] for t in traces] == ["lda"] * 3 + ["nmf"] * 4 + ["embedding"] * 3
    for trace in traces:
        assert trace["x"][0::2] == STARTS and trace["x"][1::2] == LAST_SECONDS
        assert trace["stackgroup"] == trace["meta"]  # each model stacks on its own
        assert trace["y"][2 * EMPTY_PERIOD : 2 * EMPTY_PERIOD + 2] == [0.0, 0.0]
    assert traces[0]["y"][0::2] == [0.1, 0.15, 0.2, 0.0, 0.3, 0.4, 0.5, 0.6]  # lda 0 rises
    assert figure["layout"]["xaxis"] == {
        "type": "date",
        "range": ["1790-01-01 00:00:00", "2020-01-01 00:00:00"],
    }
    assert plotly_date(TIME_EDGES[0]) == STARTS[0]
    # The empty period is shaded over its whole width, and says so.
    [shade] = figure["layout"]["shapes"]
    assert (shade["x0"], shade["x1"]) == ("1830-01-01 00:00:00", "1850-01-01 00:00:00")
    assert figure["layout"]["annotations"][0]["text"] == "no documents"
    assert traces[0]["customdata"][2 * EMPTY_PERIOD] == ["1830-1840s", "no documents"]
    assert traces[0]["customdata"][0] == ["1790s", "0 of 4 documents"]


def test_names_label_the_areas_and_words_stand_in_for_unnamed_topics(run):
    names = [t["name"] for t in shares_figure(run, run.metrics.over_time)["data"]]
    assert names[0] == plotly_text(f"Topic 0: {HOSTILE_NAME}")  # escaped for plotly
    assert HOSTILE_NAME not in names[0]
    assert names[1:3] == ["Topic 1: space missions", "Topic 2: league football"]
    assert names[3] == "Topic 0: &lt;script&gt;alert(1)&lt;/script&gt; a|b bank"  # nmf: words
    assert names[4] == "Topic 1: rocket orbit launch"


def test_the_switcher_has_a_button_per_model_showing_only_that_models_topics(run):
    figure = shares_figure(run, run.metrics.over_time)
    [menu] = figure["layout"]["updatemenus"]
    assert [b["label"] for b in menu["buttons"]] == ["LDA", "NMF", "Embedding"]
    metas = [t["meta"] for t in figure["data"]]
    for button, model in zip(menu["buttons"], ("lda", "nmf", "embedding"), strict=True):
        visible, layout = button["args"]
        assert visible["visible"] == [meta == model for meta in metas]
        assert layout["title.text"].startswith(button["label"] + ": ")
    assert [t["visible"] for t in figure["data"]] == [m == "lda" for m in metas]  # LDA first


def test_a_model_of_many_topics_stacks_its_movers_and_largest_and_groups_the_rest(run):
    over_time = run.metrics.over_time
    template = over_time.models["nmf"].topics[0]
    n_periods = len(template.shares)
    # 30 topics: topic i holds i + 1 documents in every period; 29 and 3 are the movers.
    topics = [
        template.model_copy(
            update={"id": i, "name": f"t{i}", "counts": [i + 1] * n_periods,
                    "shares": [(i + 1) / 465] * n_periods}
        )
        for i in range(30)
    ]  # fmt: skip
    block = over_time.models["nmf"].model_copy(update={"topics": topics, "movers": [29, 3]})
    many = over_time.model_copy(update={"models": {"nmf": block}})
    data = shares_figure(run, many)["data"]
    assert len(data) == MAX_AREAS
    drawn = {t.id for t in drawn_topics(block)}
    assert drawn == {3, *range(20, 30)}  # the movers, then the largest, in id order
    other = data[-1]
    assert other["name"] == "19 other topics"
    share = sum(i + 1 for i in range(30) if i not in drawn) / 465
    assert other["y"][0] == pytest.approx(share, abs=1e-5)
    colors = [t["line"]["color"] for t in data[:-1]]
    assert len(set(colors)) == len(colors)  # no colour repeats in the stack
    mover_panels = movers_figure(run, "nmf", many)["data"][1::2]
    area_of = {t["name"]: t["line"]["color"] for t in data}
    assert [p["line"]["color"] for p in mover_panels] == [area_of["Topic 29: t29"],
                                                          area_of["Topic 3: t3"]]  # fmt: skip


def test_each_mover_is_a_panel_with_its_share_inside_its_band(run):
    over_time = run.metrics.over_time
    figure = movers_figure(run, "nmf", over_time)
    bands, lines = figure["data"][0::2], figure["data"][1::2]
    assert len(bands) == len(lines) == 4  # nmf's four movers, in their order
    assert all(b["fill"] == "toself" and b["hoverinfo"] == "skip" for b in bands)
    # Panel n draws on axes n: its own x (a date axis over every period) and y.
    assert [line["xaxis"] for line in lines] == ["x", "x2", "x3", "x4"]
    assert figure["layout"]["xaxis4"]["type"] == "date"
    assert figure["layout"]["xaxis4"]["anchor"] == "y4"
    emerging = lines[2]
    assert emerging["y"] == [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, None, 0.05, 0.05, 0.1, 0.1, 0.2,
                             0.2, 0.3, 0.3]  # fmt: skip
    assert emerging["x"][6] is None and emerging["x"][7] == "1850-01-01 00:00:00"
    # The band: two closed outlines, before and after the empty period.
    assert bands[2]["x"].count(None) == 1
    assert max(v for v in bands[2]["y"] if v is not None) == 0.4  # 0.3 + 0.1
    assert emerging["customdata"][7] == ["1850-1890s", "band 0.0% to 15.0%"]
    titles = [a["text"] for a in figure["layout"]["annotations"]]
    assert titles[2] == (
        "<b>Topic 2: match goal team</b><br>emerging, 0.0% -&gt; 30.0% (+30.0 points), q = 0.004"
    )
    assert titles[0].startswith("<b>Topic 0: &lt;script&gt;alert(1)")
    lda = movers_figure(run, "lda", over_time)
    assert len(lda["data"]) == 4 and "<b>Topic 1: space missions</b>" in lda["layout"][
        "annotations"][1]["text"]  # fmt: skip


def test_movers_show_only_for_a_run_with_times_and_a_model_with_movers(run, tmp_path):
    assert list(time_figures(run)) == [SHARES_ID, *(movers_id(m) for m in run.model_names)]
    steady = run.metrics.over_time.model_copy(deep=True)
    steady.models["lda"].movers = []
    assert movers_figure(run, "lda", steady) is None
    calm = replace(run, metrics=run.metrics.model_copy(update={"over_time": steady}))
    assert movers_id("lda") not in time_figures(calm) and movers_id("nmf") in time_figures(calm)
    section = time_section(calm)
    assert "<h3>LDA</h3><p>No topic's share has a significant trend.</p>" in section
    assert 'id="time-movers-lda"' not in section
    assert "### LDA movers\n\n- No topic's share has a significant trend.\n" in (
        render_markdown(calm)
    )
    for times in (False, None):
        path = write_synthetic_run(tmp_path, name=f"run-{times}", times=times)
        assert time_figures(load_run(path)) == {}


# --- the section ---------------------------------------------------------------------------


def test_the_section_holds_the_plots_the_movers_words_and_every_trend(synthetic_run):
    page = (synthetic_run / REPORT_HTML_FILE).read_text()
    section = _section(page)
    assert "30 documents with a time (field date), in 8 periods of a decade" in section
    assert "1 period without documents; 2 documents without a time are left out." in section
    assert "Mann-Kendall test" in section
    assert '<div id="time-shares" class="plot"></div>' in section
    for model in ("lda", "nmf", "embedding"):
        assert f'<div id="time-movers-{model}" class="plot"></div>' in section
        assert f"Plotly.newPlot('time-movers-{model}'" in page
    assert page.count("Plotly.newPlot('time-shares'") == 1
    # Placed after the comparisons, before coherence.
    assert page.index("How the topics line up") < page.index("<h2>Topics over time</h2>")
    assert page.index("<h2>Topics over time</h2>") < page.index("Coherence and size per topic")
    # The movers' words, only the periods that have any (not the 1800s, not the empty one).
    words = section.split('<table class="time-words">', 1)[1].split("</table>", 1)[0]
    assert "<th>Topic 1: space missions</th>" in words
    assert [row.split("</td>", 1)[0] for row in words.split("<tr><td>")[1:]] == [
        "1790s", "1810-1820s", "1850-1890s", "1900-1940s", "1950-1990s", "2000-2010s"
    ]  # fmt: skip
    assert "<td>rocket, orbit, launch, planet, nasa, mission</td>" in words
    # Embedding's trends: movers first (rising, then falling), then the steady topic.
    trends = section.split("Trends of all 3 Embedding topics (movers first)", 1)[1]
    rows = trends.split("</table>", 1)[0].split("<tr")[2:]
    assert [row.split("<td>")[1] for row in rows] == ["0</td>", "2</td>", "1</td>"]
    assert rows[0] == (
        ' class="mover"><td>0</td><td>bank profits</td><td>rising</td><td>0.900</td>'
        "<td>0.001</td><td>0.004</td><td>10.0% -&gt; 60.0% (+50.0 points)</td><td>yes</td></tr>"
    )
    assert rows[2].startswith("><td>1</td><td>rocket launch</td><td>steady</td>")
    assert rows[2].endswith("<td>no</td></tr>")
    # The models' agreement over their matched topics.
    assert "LDA and Embedding: the trends of 1 of 3 matched topics agree." in section
    assert (
        "<tr><td>Topic 1: space missions</td><td>falling</td><td>Topic 1: rocket launch</td>"
        "<td>steady</td><td>no</td></tr>"
    ) in section


def test_hostile_names_and_words_over_time_stay_text(synthetic_run):
    page = (synthetic_run / REPORT_HTML_FILE).read_text()
    section = _section(page)
    assert HOSTILE_TIME_WORD not in page and HOSTILE_WORD not in page
    assert 'onerror="window.__pwned = 5"' not in page
    assert html_text(HOSTILE_TIME_WORD) in section  # the words table
    assert f"<td>0</td><td>{html_text(HOSTILE_NAME)}</td>" in section  # the trends table
    # In a figure it is escaped for plotly, then for <script>.
    assert 'Topic 0: \\u0026lt;img src=x onerror=\\"window.__pwned = 3\\"\\u0026gt;' in page


def test_a_run_without_times_says_why_in_one_sentence(tmp_path):
    for times, sentence in (
        (False, "No time dimension: the corpus has no time field (run with --time-field)."),
        (None, "No time dimension: this run was made before topicflow analysed topics over time."),
    ):
        path = write_synthetic_run(tmp_path, name=f"run-{times}", times=times)
        write_report(path)
        page = (path / REPORT_HTML_FILE).read_text()
        assert _section(page) == (
            '<section id="topics-over-time"><h2>Topics over time</h2>'
            f'<p class="muted">{sentence}</p>'
        )
        assert "time-shares" not in page and "time-movers" not in page
        markdown = (path / REPORT_MD_FILE).read_text()
        assert f"## Topics over time\n\n{sentence}\n" in markdown


def test_the_section_is_a_function_of_the_run(run):
    assert time_section(run) == time_section(run)
    assert time_section(run) in (run.path / REPORT_HTML_FILE).read_text()


# --- report.md -----------------------------------------------------------------------------


def test_report_md_lists_each_models_movers(synthetic_run):
    markdown = (synthetic_run / REPORT_MD_FILE).read_text()
    part = markdown.split("## Topics over time\n\n", 1)[1].split("\n\nOpen report.html", 1)[0]
    lines = part.splitlines()
    assert lines[0].startswith("30 documents with a time (field date), in 8 periods")
    lda = lines[lines.index("### LDA movers") + 2 : lines.index("### NMF movers") - 1]
    assert lda == [
        f"- **Topic 0: {markdown_text(HOSTILE_NAME)}**: rising, 10.0% -> 60.0% (+50.0 points), "
        "q = 0.004; words in 1790s: bank, market, shares, profit, investor, rates; in "
        "2000-2010s: trade, bank, market, shares, profit, investor",
        "- **Topic 1: space missions**: falling, 60.0% -> 10.0% (-50.0 points), q = 0.004; "
        "words in 1790s: rocket, orbit, launch, planet, nasa, mission; in 2000-2010s: moon, "
        "rocket, orbit, launch, planet, nasa",
    ]
    nmf = lines[lines.index("### NMF movers") + 2 : lines.index("### Embedding movers") - 1]
    assert [line.split("**: ")[1].split(",")[0] for line in nmf] == [
        "rising", "falling", "emerging", "fading"
    ]  # fmt: skip
    assert markdown_text(HOSTILE_TIME_WORD) in nmf[0] and HOSTILE_TIME_WORD not in markdown
    assert lines[-3:] == [
        "LDA and NMF: the trends of 2 of 3 matched topics agree.",
        "LDA and Embedding: the trends of 1 of 3 matched topics agree.",
        "NMF and Embedding: the trends of 1 of 3 matched topics agree.",
    ]

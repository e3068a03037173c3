"""The escapers against hostile text: rendered by a real parser, it shows literally and
creates no element, link, code span, emphasis or table cell of its own."""

from __future__ import annotations

import html
from html.parser import HTMLParser

import pytest

from tests.synthetic_run import HOSTILE_NAME
from tests.synthetic_trees import HOSTILE_NODE_NAME
from topicflow.pipelines.report.escape import html_text, markdown_text, plotly_text

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "a | b || c",
    "`code` and ``more``",
    "*bold* **strong** _em_ __init__ ~~gone~~",
    "[x](y) ![img](http://e.x/i.png) [ref][1]",
    "line one\nline two\r\n# heading\n- item\n> quote\n1. numbered",
    "back\\slash \\*not\\* escaped",
    "&lt; is an entity, & is not, &amp; neither",
    "<http://autolink.example> <b>bold</b>",
    "interest_rates new_york_city snake_case_",
    "",
    HOSTILE_NAME,  # a topic's name in the synthetic run (the map, heatmaps, Sankey labels)
    HOSTILE_NODE_NAME,  # a tree node's name there (the icicle, the outline, the map's levels)
]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text += data


def _parse(markup: str) -> _Collector:
    parser = _Collector()
    parser.feed(markup)
    parser.close()
    return parser


@pytest.mark.parametrize("text", HOSTILE)
def test_html_text_shows_literally_between_tags(text):
    page = _parse(f"<p>{html_text(text)}</p>")
    assert page.tags == [("p", {})] and page.text == text


@pytest.mark.parametrize("text", HOSTILE)
def test_html_text_stays_inside_a_quoted_attribute(text):
    page = _parse(f'<span title="{html_text(text)}">x</span>')
    assert page.tags == [("span", {"title": text})]


@pytest.mark.parametrize("text", HOSTILE)
def test_plotly_text_opens_no_tag_and_reads_back_whole(text):
    # plotly renders <b>, <br>, <a href> and a few more in labels: nothing may open one.
    shown = plotly_text(text)
    assert "<" not in shown and ">" not in shown and html.unescape(shown) == text


def test_plotly_text_leaves_quotes_alone_as_plotly_decodes_no_quot():
    assert plotly_text('say "hi" & go') == 'say "hi" &amp; go'


def test_html_text_takes_any_value():
    assert html_text(3) == "3" and html_text(None) == "None"


def _render_markdown(markdown: str) -> str:
    markdown_it = pytest.importorskip("markdown_it")  # CommonMark, with GitHub's tables
    return markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)


def _flat(text: str) -> str:
    return " ".join(text.splitlines())


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_text_renders_literally_in_running_text(text):
    page = _parse(_render_markdown(f"Corpus **{markdown_text(text) or 'x'}** read."))
    assert [tag for tag, _ in page.tags] == ["p", "strong"]
    assert page.text.strip() == f"Corpus {_flat(text) or 'x'} read."


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize(("line", "tags"), [("# report: ", ["h1"]), ("- ", ["ul", "li"])])
def test_markdown_text_renders_literally_in_a_heading_or_list_item(text, line, tags):
    page = _parse(_render_markdown(line + markdown_text(text)))
    assert [tag for tag, _ in page.tags] == tags
    assert page.text.strip() == (line.lstrip("#- ") + _flat(text)).strip()


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_text_keeps_a_table_row_whole(text):
    table = f"| id | words |\n|---|---|\n| 1 | {markdown_text(text)} |\n| 2 | next |\n"
    page = _parse(_render_markdown(table))
    cells = [tag for tag, _ in page.tags if tag == "td"]
    assert len(cells) == 4  # two rows of two cells: no cell split off, no row cut
    assert f"1{_flat(text).strip()}" in page.text.replace("\n", "")


def test_markdown_text_leaves_ordinary_words_readable():
    # report.md is also read raw (e-mail, chat): plain words and bigrams are not escaped.
    assert markdown_text("bank, interest_rates, co-op, 3.5%") == "bank, interest_rates, co-op, 3.5%"

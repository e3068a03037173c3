"""The one escaper per output format, for text that comes from the corpus or the user.

Corpus text (documents, topic words, corpus and label names) is data, never markup:
whatever it holds must show literally and neither inject markup nor break the
structure around it. Every report writer escapes such text through this module.
"""

from __future__ import annotations

import html
import re
from typing import Any

# Characters that start Markdown constructs inline: code (`), emphasis (*),
# strikethrough (~, GitHub), links and images ([ ] after !), table cells (|) and the
# backslash escape itself. Backslash-escaping them is CommonMark's way to show them.
_MARKDOWN_PUNCTUATION = str.maketrans({c: "\\" + c for c in "\\`*~[]|"})
# "_" emphasises only at a word's edge: between letters or digits (the bigram
# "interest_rates") it is literal, and stays unescaped so the raw file reads cleanly.
_EDGE_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
# Raw HTML and autolinks start with "<"; entities with "&". Entities, not backslashes:
# CommonMark renderers decode them (GitHub's too), and "&lt;" reads plainly in e-mail.
_MARKDOWN_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def html_text(value: Any) -> str:
    """``value`` as HTML text, safe both between tags and inside a quoted attribute."""
    return html.escape(str(value), quote=True)


def plotly_text(value: Any) -> str:
    """``value`` as text of a plotly label, hover or title: plotly renders a few tags there
    (``<b>``, ``<br>``, ``<a href>``), so ``<`` and ``&`` are escaped. Quotes are not: plotly
    builds its text with the DOM, never inside an attribute, and decodes few named
    entities, so an ``&quot;`` would show as such."""
    return html.escape(str(value), quote=False)


def markdown_text(value: Any) -> str:
    """``value`` as inline Markdown that renders literally, in running text or a table cell.

    Line breaks become spaces: the text is always embedded inline (a heading, a list
    item, a table cell), where a newline would end the line and let the rest start a
    heading, list or quote, or cut a table row. Because "|" is escaped and newlines are
    gone everywhere, table cells need no rule of their own.
    """
    text = " ".join(str(value).splitlines())
    text = text.translate(_MARKDOWN_ENTITIES).translate(_MARKDOWN_PUNCTUATION)
    return _EDGE_UNDERSCORE.sub(r"\_", text)

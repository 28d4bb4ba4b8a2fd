"""The words of a query highlighted in a result (escaped first: <mark> is the only markup added)."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from retrieval.sparse import STOPWORDS


def query_terms(query: str) -> list[str]:
    """Distinct words of the query worth marking (no stop words, at least 2 letters), longest first."""
    words = {w.lower() for w in re.findall(r"\w+", query) if len(w) >= 2 and w.lower() not in STOPWORDS}
    return sorted(words, key=len, reverse=True)[:20]


def highlight(text: str, query: str) -> Markup:
    """`text` with every word that starts with a query term wrapped in <mark>."""
    terms = query_terms(query)
    if not terms:
        return Markup(escape(text))
    pattern = re.compile(r"\b(" + "|".join(re.escape(t) for t in terms) + r")\w*", re.IGNORECASE)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(Markup("<mark>") + escape(match.group(0)) + Markup("</mark>"))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)

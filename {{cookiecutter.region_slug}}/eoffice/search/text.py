"""Words as the search index sees them, the user's query, and highlighting.

One tokeniser for both databases: lower case, accents removed, and any run of
letters and digits is a word (``005/123/DISKOMINFO/2024`` is the words ``005``,
``123``, ``diskominfo``, ``2024``). SQLite's FTS5 ``unicode61 remove_diacritics 2``
tokeniser splits text the same way; for PostgreSQL the index is fed text that this
module has already normalised.

A query is a list of *terms*: each thing the user typed between spaces, or between
double quotes. A term of several words (``005/123``, ``"rapat koordinasi"``) must
match them in a row; a term's last word matches words that *start* with it
(``kesehat`` finds ``kesehatan``), and all terms must match.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from markupsafe import Markup, escape

WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_TERMS = 8
MAX_WORD = 40


def fold(text: str) -> str:
    """Lower case, accents removed (NFKD without combining marks)."""
    if not text:
        return ""
    if text.isascii():  # nearly all Indonesian text: nothing to decompose
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    return WORD.findall(fold(text))


def normalise(text: str) -> str:
    """The text as space-separated index words (what PostgreSQL's index is fed)."""
    return " ".join(words(text))


@dataclass(frozen=True)
class Query:
    terms: tuple[tuple[str, ...], ...]  # each term: its words, in order

    @property
    def prefixes(self) -> list[str]:
        """Every word of every term (each matches as a prefix when highlighting)."""
        return [w for term in self.terms for w in term]

    def fts5(self, column: str | None = None) -> str:
        """The FTS5 MATCH expression: terms joined by AND, each a phrase whose last
        word is a prefix, e.g. ``"005 123"* AND "rapat"*``. Words are letters and
        digits only, so quoting them is enough."""
        parts = [f'"{" ".join(term)}"*' for term in self.terms]
        expression = " AND ".join(parts)
        return f"{column} : ({expression})" if column else expression

    def tsquery(self, weight: str = "") -> str:
        """The PostgreSQL ``to_tsquery('simple', ...)`` text: ``005 <-> 123:*`` per
        term, joined by ``&``; ``weight`` (e.g. ``B``) keeps matches to that part."""
        parts = []
        for term in self.terms:
            head = [f"{word}:{weight}" if weight else word for word in term[:-1]]
            parts.append(" <-> ".join([*head, f"{term[-1]}:*{weight}"]))
        return " & ".join(f"({p})" for p in parts)


PHRASE = re.compile(r'"([^"]*)"|(\S+)')


def parse(text: str | None) -> Query | None:
    """The query in what the user typed, or None when it holds no word. Words in
    double quotes make one term (they must follow each other)."""
    terms = []
    for quoted, bare in PHRASE.findall(text or ""):
        chunk = quoted or bare
        found = tuple(w[:MAX_WORD] for w in words(chunk))
        if found and found not in terms:
            terms.append(found)
    if not terms:
        return None
    return Query(tuple(terms[:MAX_TERMS]))


def _spans(text: str, prefixes: list[str]) -> list[tuple[int, int]]:
    spans = []
    for match in WORD.finditer(text):
        folded = fold(match.group())
        if any(folded.startswith(p) for p in prefixes):
            spans.append(match.span())
    return spans


def highlight(text: str | None, query: Query | None) -> Markup:
    """``text`` escaped, with the words the query matched in ``<mark>``."""
    text = text or ""
    if query is None:
        return escape(text)
    out, last = [], 0
    for start, end in _spans(text, query.prefixes):
        out += [escape(text[last:start]), Markup("<mark>"), escape(text[start:end]),
                Markup("</mark>")]
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)


def snippet(text: str | None, query: Query | None, width: int = 220) -> Markup | None:
    """A short piece of a long text around its first match, highlighted; None when
    the query does not match the text."""
    text = " ".join((text or "").split())
    if query is None or not text:
        return None
    spans = _spans(text, query.prefixes)
    if not spans:
        return None
    start = max(0, spans[0][0] - width // 3)
    end = min(len(text), start + width)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < spans[0][0] else start
    piece = text[start:end]
    return Markup("").join([Markup("… ") if start > 0 else Markup(""),
                            highlight(piece, query),
                            Markup(" …") if end < len(text) else Markup("")])

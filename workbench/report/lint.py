"""Typesetting checks of a built report: overfull boxes in the LaTeX log, ASCII maths in the text.

* :func:`overfull_boxes` reads ``Overfull \\hbox (12.3pt too wide) ... at lines 10--12`` from a
  latexmk/pdflatex log;
* :func:`prose_text` is the text of a ``.tex`` body outside maths, code (``\\texttt``, listings),
  figures, labels and links; :func:`ascii_maths` finds in it what a reader would take for ASCII
  maths: ``**``, ``->``, ``^``, ``_``, ``<=``/``>=``, the words ``None`` and ``nan``.

The report tests fail on either (``tests/report/test_build.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["AsciiMaths", "Overfull", "ascii_maths", "overfull_boxes", "prose_text"]

_OVERFULL = re.compile(r"Overfull \\hbox \((?P<pt>[0-9.]+)pt too wide\) in (?P<where>[a-z]+) at lines (?P<lines>\d+)")


@dataclass(frozen=True)
class Overfull:
    """One overfull ``\\hbox``: how much too wide (pt), where (paragraph/alignment) and the first .tex line."""

    pt: float
    where: str
    line: int


def overfull_boxes(log: str, min_pt: float = 0.0) -> list[Overfull]:
    """Overfull ``\\hbox`` messages of a LaTeX log wider than ``min_pt``."""
    out = [Overfull(float(m["pt"]), m["where"], int(m["lines"])) for m in _OVERFULL.finditer(log)]
    return [o for o in out if o.pt > min_pt]


_MATH = (
    r"\\begin\{(equation|align|gather|multline|displaymath)\*?\}.*?\\end\{\1\*?\}",
    r"\\\[.*?\\\]",
    r"(?<!\\)\$.*?(?<!\\)\$",
)
_DROPPED = ("ensuremath", "texttt", "path", "lstinputlisting", "includegraphics", "label", "ref", "href", "url")


def _drop_command(text: str, cmd: str) -> str:
    """Remove ``\\cmd[...]{...}`` (balanced braces) with its arguments."""
    out, i = [], 0
    head = re.compile(r"\\" + cmd + r"(\[[^\]]*\])?\{")
    while (m := head.search(text, i)) is not None:
        out.append(text[i : m.start()])
        k, depth = m.end(), 1
        while k < len(text) and depth:
            if text[k] == "\\":
                k += 2
                continue
            depth += {"{": 1, "}": -1}.get(text[k], 0)
            k += 1
        out.append(" ")
        i = k
    out.append(text[i:])
    return "".join(out)


def prose_text(tex: str) -> str:
    """The body of ``tex`` without comments, maths, listings, ``\\texttt``, figures, labels and links."""
    body = tex.split(r"\begin{document}", 1)[-1]
    body = re.sub(r"(?<!\\)%.*", "", body)
    body = re.sub(r"\\begin\{lstlisting\}.*?\\end\{lstlisting\}", " ", body, flags=re.S)
    for rx in _MATH:
        body = re.sub(rx, " ", body, flags=re.S)
    for cmd in _DROPPED:
        body = _drop_command(body, cmd)
    return body


_ASCII = {
    "**": re.compile(r"\*\*"),
    "->": re.compile(r"-\\textgreater\{\}|->"),
    "^": re.compile(r"\\textasciicircum\{\}|(?<!\\)\^"),
    "_": re.compile(r"\\_"),
    "<=/>=": re.compile(r"\\text(less|greater)\{\}="),
    "None": re.compile(r"\bNone\b"),
    "nan": re.compile(r"\b(nan|NaN)\b"),
}


@dataclass(frozen=True)
class AsciiMaths:
    """One piece of ASCII maths in the text: its kind and the surrounding text."""

    kind: str
    context: str


def ascii_maths(tex: str) -> list[AsciiMaths]:
    """ASCII maths in the prose of a ``.tex`` document (see :func:`prose_text`)."""
    out = []
    for line in prose_text(tex).splitlines():
        for kind, rx in _ASCII.items():
            out.extend(AsciiMaths(kind, line[max(0, m.start() - 40) : m.end() + 40]) for m in rx.finditer(line))
    return out

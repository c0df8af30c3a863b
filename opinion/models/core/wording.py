"""Plain-language pieces for headlines, and the rules a headline must follow.

Headlines are read by people who never see the code: no subgroup tokens such as
``party:dem``, no ``P(...)`` notation, no ``(all)``, no snake_case names, and every
percentage with its interval. :func:`headline_problems` lists what breaks those rules; the
test suite runs it over every bundled report's headlines and the results' ``headline()``.
"""

from __future__ import annotations

import re

from opinion.formatting import format_probability

__all__ = ["group_label", "group_phrase", "headline_problems", "probability_phrase",
           "probability_words"]

_PARTY_WORDS = {"dem": "Democratic", "democrat": "Democratic", "d": "Democratic",
                "rep": "Republican", "republican": "Republican", "r": "Republican",
                "gop": "Republican"}
_INDEPENDENT = {"ind", "independent", "i", "other"}


def group_phrase(group: str, population: str = "voters") -> str:
    """``"all"`` -> ``"among all voters"``, ``"party:dem"`` -> ``"among Democratic
    identifiers"``, ``"age:18-29"`` -> ``"among voters with age 18-29"``."""
    token = str(group).strip()
    if token.lower() in {"all", "", "total"}:
        return f"among all {population}"
    key, _, value = token.partition(":")
    key, value = key.strip().lower(), value.strip()
    if key in {"party", "pid", "party_id"}:
        if value.lower() in _PARTY_WORDS:
            return f"among {_PARTY_WORDS[value.lower()]} identifiers"
        if value.lower() in _INDEPENDENT:
            return "among independents"
        return f"among {value.replace('_', ' ')} identifiers"
    if not value:
        return f"among {token.replace('_', ' ')}"
    return f"among {population} with {key.replace('_', ' ')} {value.replace('_', ' ')}"


def group_label(group: str, population: str = "voters") -> str:
    """``"all"`` -> ``"all voters"``, ``"party:dem"`` -> ``"Democratic identifiers"`` (for
    legends and labels)."""
    return group_phrase(group, population).removeprefix("among ")


def probability_words(p: float) -> str:
    """``above 0.99``, ``below 0.01`` or two decimals (a probability, never a percentage):
    :func:`opinion.formatting.format_probability` in words."""
    return format_probability(p).replace("> ", "above ").replace("< ", "below ")


def probability_phrase(p: float, event: str) -> str:
    """``"the probability that <event> is above 0.99"``."""
    return f"the probability that {event} is {probability_words(p)}"


# ------------------------------------------------------------------------------- checking
_TOKEN = re.compile(r"\(\s*[A-Za-z_]+:[\w-]+\s*\)|\b(?:party|pid|age|sex|race|region|educ)"
                    r":[\w-]+")
_P_NOTATION = re.compile(r"(?<![\w])P\(")
_ALL = re.compile(r"\(\s*all\s*\)", re.I)
_SNAKE = re.compile(r"(?<![\w./:-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w./-])")
_NUM = r"[-+−]?\d[\d,]*(?:\.\d+)?"
_PCT = re.compile(rf"(?<![\w.]){_NUM}\s?%")
# 62%–70%, 27-52%, 62% to 69%, -28 to -1, +0.28 to +0.71
_RANGE = re.compile(rf"{_NUM}\s?%?\s*(?:–|—|-|to)\s*{_NUM}\s?%?")
# 90% interval, 95% confidence interval, 90% posterior predictive intervals, 90% band
_LEVEL = re.compile(rf"{_NUM}%\s+(?:[\w-]+\s+){{0,3}}?(?:intervals?|bands?)\b", re.I)
# 29 of 30 groups (97%): a count and its share, exact by construction
_COUNT = re.compile(rf"\b\d[\d,]* of (?:the )?\d[\d,]*\b[^()%]{{0,80}}\(\s*{_NUM}%\s*\)")
# thresholds and exact counts are not estimates: "at least 35%", "45.3% in the official count"
_THRESHOLD = re.compile(rf"(?:at least|at most|more than|less than|over|under|above|below)"
                        rf"\s+{_NUM}%", re.I)
_EXACT = re.compile(rf"{_NUM}%[^,;()%]{{0,25}}(?:official count|counted)", re.I)
_WINDOW = 60


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


def headline_problems(text: str) -> list[str]:
    """What a reader would stumble on in a headline (empty when it is plain and complete).

    - internal tokens: a subgroup code (``party:dem``), ``P(`` notation, ``(all)``, a
      snake_case identifier;
    - a percentage without its interval: every percentage must be part of an interval
      (``62%–70%``, ``90% interval``), be followed within the same clause by one
      (``66% (62%–70%, 90% interval)``), be the share of an exact count (``29 of 30 groups
      (97%)``), a threshold (``at least 35%``) or an official count.
    """
    problems = []
    for pattern, what in ((_TOKEN, "a subgroup code"), (_P_NOTATION, "P(...) notation"),
                          (_ALL, "'(all)'"), (_SNAKE, "a snake_case identifier")):
        for m in pattern.finditer(text):
            problems.append(f"{what} {m.group(0)!r} (say it in words)")
    covered = [s for p in (_RANGE, _LEVEL, _COUNT, _THRESHOLD, _EXACT) for s in _spans(p, text)]
    ranges = _spans(_RANGE, text)
    free = [m for m in _PCT.finditer(text)
            if not any(a <= m.start() and m.end() <= b for a, b in covered)]
    for k, m in enumerate(free):
        nxt = free[k + 1].start() if k + 1 < len(free) else len(text)
        if not any(m.end() <= a <= min(m.end() + _WINDOW, nxt) for a, _ in ranges):
            problems.append(f"percentage {m.group(0)!r} without its interval "
                            f"(…{text[max(0, m.start() - 30):m.end() + 30]}…)")
    return problems

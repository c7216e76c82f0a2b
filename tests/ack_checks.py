"""Test-side readers that check an acknowledgement is well formed, read with its own
delimiters: X12 (TA1 / 997 / 999 interchanges) and EDIFACT CONTRL. Each raises
AssertionError naming what is wrong; written from the standards' segment layouts, not from
the gateway's writers."""

from __future__ import annotations

import re

CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_BLANK = " \t\r\n\v\f\x85\xa0"
_BREAKS = ("\r\n", "\n", "\r", "")


def _delimiter(c: str, terminator: bool = False) -> None:
    assert len(c) == 1, c
    assert not c.isalnum() and (c not in _BLANK or (terminator and c in "\r\n")), repr(c)


def _data(value: str, delimiters: set[str]) -> None:
    """No control character in data (a control character that is a delimiter is fine)."""
    assert not CONTROL.search("".join(c for c in value if c not in delimiters)), repr(value)


def _n(value: str, low: int, high: int) -> None:
    assert value.isascii() and value.isdigit() and low <= len(value) <= high, repr(value)


def _an(value: str, low: int, high: int) -> None:
    assert low <= len(value) <= high, repr(value)


def _segments(body: str, term: str) -> tuple[list[str], str]:
    """Segments split at `term`, and the one line break that follows every terminator."""
    parts = body.split(term)
    assert parts[-1] in _BREAKS, f"text after the last segment: {parts[-1]!r}"
    parts = parts[:-1]
    brk = next((b for b in _BREAKS if all(p.startswith(b) for p in parts[1:])), "")
    segments = [p[len(brk) :] if i else p for i, p in enumerate(parts)]
    for s in segments:
        assert not s[:1].isspace() or s[:1] in term, f"white space before {s[:10]!r}"
    return segments, brk


def check_x12_ack(text: str) -> list[list[str]]:
    """Checks one ISA..IEA ack interchange; returns its segments (element lists)."""
    assert text.startswith("ISA"), text[:20]
    sep, component, term = text[3], text[104], text[105]
    _delimiter(sep)
    _delimiter(component)
    _delimiter(term, terminator=True)
    assert len({sep, component, term}) == 3
    isa = text[:105].split(sep)
    assert len(isa) == 17 and text[:106].count(term) == 1 and len(text[:106]) == 106
    repetition = isa[11] if isa[12] >= "00402" else None
    if repetition is not None:
        _delimiter(repetition)
        assert repetition not in (sep, component, term)
    delims = {sep, component, term, *([repetition] if repetition else [])}
    for n, width in enumerate((2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1), start=1):
        assert len(isa[n]) == width, (n, isa[n])
        _data(isa[n], delims)
    _n(isa[9], 6, 6)
    _n(isa[10], 4, 4)
    _n(isa[13], 9, 9)
    raw, _ = _segments(text[106:].lstrip("\r\n"), term)
    segments = [["ISA", *isa[1:]]] + [s.split(sep) for s in raw]
    for s in segments[1:]:
        assert re.fullmatch("[A-Z][A-Z0-9]{1,2}", s[0]), s
        for element in s[1:]:
            _data(element, delims)
            if s[0] not in ("AK4", "IK4"):
                assert component not in element, s
    assert segments[-1][0] == "IEA" and segments[-1][2] == isa[13], segments[-1]
    _check_x12_body(segments, component)
    return segments


def _check_x12_body(segments: list[list[str]], component: str) -> None:
    groups = 0
    start = 0
    for i, s in enumerate(segments):
        tag, e = s[0], s + [""] * 12
        if tag == "TA1":
            _n(e[1], 9, 9), _n(e[2], 6, 6), _n(e[3], 4, 4)
            assert e[4] in ("A", "E", "R"), s
            _n(e[5], 3, 3)
        elif tag == "GS":
            groups += 1
            _an(e[2], 2, 15), _an(e[3], 2, 15), _n(e[6], 1, 9)
        elif tag == "GE":
            _n(e[2], 1, 9)
        elif tag == "ST":
            start = i
            _an(e[1], 3, 3), _an(e[2], 4, 9)
        elif tag == "SE":
            assert int(e[1]) == i - start + 1, (s, i - start + 1)
            assert e[2] == segments[start][2]
        elif tag == "AK1":
            _an(e[1], 2, 2), _n(e[2], 1, 9)
        elif tag == "AK2" or tag == "IK2":
            _an(e[1], 3, 3), _an(e[2], 4, 9)
        elif tag in ("AK3", "IK3"):
            assert re.fullmatch("[A-Z0-9]{2,3}", e[1]), s
            _n(e[2], 1, 10)
        elif tag in ("AK4", "IK4"):
            for part in e[1].split(component):
                _n(part, 1, 4)
            if e[2]:
                _n(e[2], 1, 4)
            assert e[3], s
            if e[4]:
                _an(e[4], 1, 99)
        elif tag in ("AK5", "IK5", "AK9"):
            assert e[1] in ("A", "E", "R", "P", "M", "W", "X"), s
    assert int(segments[-1][1]) == groups


def check_contrl(text: str) -> list[list[list[str]]]:
    """Checks one CONTRL interchange read with its own delimiters; returns its segments as
    data elements of components (releases undone)."""
    component, element, release, term = ":", "+", "?", "'"
    body = text
    if text.startswith("UNA"):
        component, element, _, rel, _, term = text[3:9]
        release = None if rel == " " else rel
        for c in (component, element, *([release] if release else [])):
            _delimiter(c)
        _delimiter(term, terminator=True)
        body = text[9:]
        for brk in ("\r\n", "\n", "\r"):
            if body.startswith(brk):
                body = body[len(brk) :]
                break
    delims = {component, element, term, *([release] if release else [])}
    segments: list[list[list[str]]] = []
    pieces, current, escaped = [], "", False
    for c in body:  # split at unreleased terminators
        if escaped:
            current, escaped = current + c, False
        elif release and c == release:
            current, escaped = current + c, True
        elif c == term:
            pieces.append(current)
            current = ""
        else:
            current += c
    assert current in _BREAKS, f"text after the last segment: {current!r}"
    brk = next((b for b in _BREAKS if all(p.startswith(b) for p in pieces[1:])), "")
    for raw in pieces:
        raw = raw[len(brk) :] if raw is not pieces[0] and brk else raw
        elements: list[list[str]] = [[""]]
        esc = False
        for c in raw:
            if esc:
                elements[-1][-1] += c
                esc = False
            elif release and c == release:
                esc = True
            elif c == element:
                elements.append([""])
            elif c == component:
                elements[-1].append("")
            else:
                elements[-1][-1] += c
        for parts in elements:
            for part in parts:
                _data(part, delims)
        segments.append(elements)
    tags = [s[0][0] for s in segments]
    assert tags[0] == "UNB" and tags[1] == "UNH" and tags[-2] == "UNT" and tags[-1] == "UNZ"
    for tag in tags:
        assert re.fullmatch("[A-Z]{3}", tag), tag
    unb = segments[0] + [[""]] * 6
    assert re.fullmatch("UNO[A-Z]", unb[1][0]) and unb[1][1] in "1234", unb[1]
    _an(unb[2][0], 1, 35), _an(unb[3][0], 1, 35), _an(unb[5][0], 1, 14)
    assert int(segments[-2][1][0]) == len(segments) - 2
    assert segments[-1][2][0] == unb[5][0]
    for s in segments:
        e = s + [[""]] * 8
        if s[0][0] == "UCI":
            _an(e[1][0], 1, 14)
            assert e[4][0] in ("4", "7", "8"), s
            if e[5][0]:
                _n(e[5][0], 1, 3)
        elif s[0][0] == "UCM":
            _an(e[1][0], 1, 14)
            _an(e[2][0], 1, 6)
            assert e[3][0] in ("4", "7"), s
        elif s[0][0] == "UCS":
            _n(e[1][0], 1, 6)
        elif s[0][0] == "UCD":
            _n(e[1][0], 1, 3)
            for part in e[2]:
                _n(part, 1, 3)
    return segments

"""Give finished acks other interchange control numbers.

The service numbers a file's acks from the partner's next control number before it reads the
file (gateway.ledger.controls). When another ack of the same partner was recorded while the
file was read, those numbers are taken: the acks are numbered again from the new next number
instead of reading the file again. Only the interchange control number moves (X12 ISA13 and
IEA02; EDIFACT UNB 0020 and UNZ 0036); group and message numbers restart within each ack
interchange in the service (`AckContext.references_per_interchange`), so they stay.

The acks are our own output, written with their own (usable) delimiters: the ISA's element
separator is its 4th character and its segment terminator the character after ISA16; an
EDIFACT ack uses its UNA's characters or the defaults `:+.? '`.
"""

from __future__ import annotations

__all__ = ["shift_interchange_control"]

_EDIFACT_DEFAULT = ":+.? '"


def _shifted(value: str, by: int, width: int) -> str:
    stripped = value.strip()
    if not stripped.isdigit():
        return value
    return str(int(stripped) + by).zfill(width)


def _x12(content: str, by: int) -> str:
    element, terminator = content[3], content[105]
    segments = content.split(terminator)
    for index, segment in enumerate(segments):
        tag = segment.lstrip("\r\n")
        elements = tag.split(element)
        if elements[0] == "ISA" and len(elements) > 13:
            elements[13] = _shifted(elements[13], by, 9)
        elif elements[0] == "IEA" and len(elements) > 2:
            elements[2] = _shifted(elements[2], by, 9)
        else:
            continue
        segments[index] = segment[: len(segment) - len(tag)] + element.join(elements)
    return terminator.join(segments)


def _split(text: str, separator: str, release: str) -> list[str]:
    """`text` split on its unescaped `separator`s (escapes kept as they are; the UNA's
    release character, unless it is a space: none)."""
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == release and release != " ":
            escaped = True
        elif char == separator:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _edifact(content: str, by: int) -> str:
    chars = content[3:9] if content.startswith("UNA") else _EDIFACT_DEFAULT
    element, release, terminator = chars[1], chars[3], chars[5]
    out = [piece + terminator for piece in _split(content, terminator, release)]
    out[-1] = out[-1][:-1]  # no terminator after the last piece
    for index, text in enumerate(out):
        body = text.lstrip("\r\n")
        lead = text[: len(text) - len(body)]
        if body.startswith(("UNB" + element, "UNZ" + element)):
            end = body[-1] if body.endswith(terminator) else ""
            parts = _split(body[:-1] if end else body, element, release)
            position = 5 if parts[0] == "UNB" else 2
            if len(parts) > position:
                parts[position] = _shifted(parts[position], by, 1)
                out[index] = lead + element.join(parts) + end
    return "".join(out)


def shift_interchange_control(content: str, by: int) -> str:
    """`content` (one ack interchange: ISA..IEA or [UNA]UNB..UNZ, as the ack builders write
    it) with its interchange control number moved on by `by` (ISA13 / IEA02 kept at nine
    digits; UNB 0020 / UNZ 0036 as plain digits). Anything else is returned unchanged."""
    if by == 0:
        return content
    if content.startswith("ISA") and len(content) > 105:
        return _x12(content, by)
    if content.startswith(("UNA", "UNB")):
        return _edifact(content, by)
    return content

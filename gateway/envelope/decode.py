"""Bytes -> text for X12: UTF-8 where the bytes are UTF-8, byte-per-char Latin-1 elsewhere.

X12 declares no charset. Real files are ASCII, UTF-8 (a multi-byte segment terminator such
as U+2026 is legal: the ISA says which character it is) or a single-byte code page. The
reader decodes incrementally so a file is never held in memory whole.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import BinaryIO

__all__ = ["CHUNK_SIZE", "decoded_chunks"]

CHUNK_SIZE = 1 << 20
_HANDLER = "edigw-latin1-fallback"


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error(_HANDLER, _latin1_fallback)


def decoded_chunks(stream: BinaryIO, chunk_size: int = CHUNK_SIZE) -> Iterator[str]:
    """Decoded text of `stream`, chunk by chunk, a UTF-8 BOM dropped."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors=_HANDLER)
    first = True
    while True:
        raw = stream.read(chunk_size)
        if not raw:
            tail = decoder.decode(b"", final=True)
            if tail:
                yield tail
            return
        text = decoder.decode(raw)
        if first:
            text = text.removeprefix("\ufeff")
            first = False
        if text:
            yield text

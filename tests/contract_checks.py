"""Checks shared by the mapping tests: a body is valid for Amazon's model and every one of
its values has exactly one lineage entry."""

from __future__ import annotations

from collections.abc import Iterator

from gateway.contract import validate_body
from gateway.mapping.result import TranslatedRequest


def leaves(body: object, path: str = "") -> Iterator[str]:
    """JSON pointers of every leaf value of a body."""
    if isinstance(body, dict):
        for key, value in body.items():
            yield from leaves(value, f"{path}/{key}")
    elif isinstance(body, list):
        for index, value in enumerate(body):
            yield from leaves(value, f"{path}/{index}")
    else:
        yield path


def checked(request: TranslatedRequest) -> dict[str, object]:
    """The body, after checking it against Amazon's model and the lineage covering it."""
    body = request.body_json()
    assert validate_body(request.operation, body) == []
    paths = [entry.path for entry in request.lineage]
    assert sorted(paths) == sorted(leaves(body))
    return body

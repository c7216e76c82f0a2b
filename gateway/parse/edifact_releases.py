"""What an EDIFACT message's checks take from its directory release (UNH S009 0054): the
lengths that grew after a release (`RELEASE_LENGTHS`: 1004 and 1154 were 35 characters
before), and the dependency notes the release carries (`relations.dependency_notes`).
Positions count from UNH = 1. Nothing here raises on bad data.
"""

from __future__ import annotations

from collections.abc import Mapping

from gateway.parse.edifact_common import EdiSegment, element_problem
from gateway.parse.edifact_tables import RELEASE_LENGTHS, SEGMENT_CHECKS, Chk
from gateway.parse.relations import Note, dependency_notes
from gateway.problems import Problem, ProblemCode

__all__ = ["ANY_RELEASE", "narrowed_checks", "narrowed_problems", "release_dependencies"]

# tag -> (check, its smallest length in any release) where a release narrowed it
ANY_RELEASE = {
    tag: tuple((chk, RELEASE_LENGTHS[chk.ref][1]) for chk in checks if chk.ref in RELEASE_LENGTHS)
    for tag, (checks, _) in SEGMENT_CHECKS.items()
}


def narrowed_problems(
    seg: EdiSegment, position: int, narrowed: tuple[tuple[Chk, int], ...], release: str
) -> list[Problem]:
    """Values of `seg` longer than `release` allowed (`narrowed_checks`), as problems at
    `position`."""
    problems = []
    for chk, size in narrowed:
        value = seg.get(chk.element, chk.component or 1)
        if size < len(value) <= chk.max:
            why = (
                f"{seg.tag}{chk.element:02d}-{chk.component} {value!r} is longer than "
                f"{size} (data element {chk.ref} in release {release})"
            )
            code = ProblemCode.ELEMENT_TOO_LONG
            problems.append(element_problem(code, why, seg, position, chk, value))
    return problems


_DEPENDENCIES: dict[str, Mapping[str, tuple[Note, ...]]] = {}


def release_dependencies(release: str) -> Mapping[str, tuple[Note, ...]]:
    """`relations.dependency_notes(release)`, remembered per release."""
    found = _DEPENDENCIES.get(release)
    if found is None:
        found = dependency_notes(release)
        if len(_DEPENDENCIES) < 256:
            _DEPENDENCIES[release] = found
    return found


def _release_key(release: str) -> tuple[int, str] | None:
    """'01B' -> (2001, 'B'); None for a release that is no directory year and letter."""
    if len(release) != 3 or not release[:2].isdigit():
        return None
    year = int(release[:2])
    return (1900 + year if year >= 90 else 2000 + year), release[2:].upper()


_NARROWED: dict[str, dict[str, tuple[tuple[Chk, int], ...]]] = {}


def narrowed_checks(release: str) -> dict[str, tuple[tuple[Chk, int], ...]]:
    """tag -> (check, the release's smaller length) for the data elements whose length grew
    after `release` (`RELEASE_LENGTHS`); empty for later or unknown releases."""
    if release in _NARROWED:
        return _NARROWED[release]
    key = _release_key(release)
    found: dict[str, tuple[tuple[Chk, int], ...]] = {}
    if key is not None:
        for tag, (checks, _) in SEGMENT_CHECKS.items():
            narrow = []
            for chk in checks:
                grown = RELEASE_LENGTHS.get(chk.ref)
                if grown is not None and key < (_release_key(grown[0]) or key):
                    narrow.append((chk, grown[1]))
            if narrow:
                found[tag] = tuple(narrow)
    if len(_NARROWED) < 256:
        _NARROWED[release] = found
    return found

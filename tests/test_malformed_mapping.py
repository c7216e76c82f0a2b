"""Issue 8, kinds 6 and 8: the DESADV ship method (TDT C228, or the element a partner
picks), messages worded in the syntax of the input, and what `accepted` means (no problem
of severity error; `severity` on every error entry; the README's example runs as written)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.profile import FieldSources, PartnerProfile
from tests.malformed import PROFILE, translate

ROOT = Path(__file__).resolve().parents[1]
DESADV = (ROOT / "samples" / "13-edifact-desadv-d96a-latin1" / "input.edi").read_bytes()
ASN = (ROOT / "samples" / "08-x12-856-asn" / "input.edi").read_text(encoding="utf-8")


def _without(asn: str, tag: str) -> str:
    """The ASN without its `tag` segments, SE01 counted again."""
    kept = re.sub(rf"(?m)^{tag}\*[^~]*~\n", "", asn)
    removed = asn.count(f"\n{tag}*") - kept.count(f"\n{tag}*")
    return re.sub(r"SE\*(\d+)\*", lambda m: f"SE*{int(m[1]) - removed}*", kept)


def _methods(bodies: list[dict[str, object]]) -> set[str]:
    text = json.dumps(bodies)
    return set(re.findall(r'"shipMethod": "([^"]*)"', text))


def _scacs(bodies: list[dict[str, object]]) -> set[str]:
    return set(re.findall(r'"scacCode": "([^"]*)"', json.dumps(bodies)))


@pytest.mark.parametrize(
    ("tdt", "method", "scac"),
    [
        (b"TDT+20+V42+30+31:::FEDEX_GROUND+CARR7:172:182'", "FEDEX_GROUND", "CARR7"),
        (b"TDT+20++30+:::UPS_GR_RES+UPSN:172'", "UPS_GR_RES", "UPSN"),
        (b"TDT+20+V1++31::9:DHL_PARCEL'", "DHL_PARCEL", None),
    ],
)
def test_desadv_ship_method_comes_from_tdt_c228(tdt: bytes, method: str, scac: str | None) -> None:
    data = DESADV.replace(b"TDT+20++30+31+UPSN:172'", tdt)
    result = translate(data, PROFILE)  # the profile names no ship method
    assert result.error_codes == [], result.outcome.problems
    assert _methods(result.bodies) == {method}
    assert _scacs(result.bodies) == ({scac} if scac else set())


def test_a_partner_may_read_the_ship_method_from_another_tdt_element() -> None:
    data = DESADV.replace(b"TDT+20++30+31+UPSN:172'", b"TDT+20++30:ROAD_FREIGHT+31:::X+UPSN'")
    sources = FieldSources(edifact_ship_method=(3, 2))  # C220 8066 mode of transport
    profile = PROFILE.model_copy(update={"field_sources": sources})
    result = translate(data, profile)
    assert result.error_codes == [] and _methods(result.bodies) == {"ROAD_FREIGHT"}


def test_missing_ship_method_is_worded_in_edifact_for_a_desadv() -> None:
    result = translate(DESADV, PROFILE)  # TDT+20++30+31+UPSN:172: C228 without 8178
    problem = next(p for p in result.outcome.problems if "shipMethod" in p.message)
    assert "TDT C228 8178" in problem.message and "TD5" not in problem.message


def test_missing_ship_method_is_worded_in_x12_for_an_856() -> None:
    result = translate(_without(ASN, "TD5"), PROFILE)
    problem = next(p for p in result.outcome.problems if "shipMethod" in p.message)
    assert "TD5-05" in problem.message and "TDT" not in problem.message


def test_no_mapping_message_names_the_other_syntax() -> None:
    for data, other in ((DESADV, ("TD5", "SN1", "MAN", "X12")), (ASN, ("TDT", "QTY", "GIN"))):
        bare = PartnerProfile()  # no selling party, ship-from or ship method: many messages
        result = translate(data, bare)
        for p in result.outcome.problems:
            assert not any(word in p.message for word in other), p.message


def test_accepted_means_no_error_severity_problem_and_warnings_stay() -> None:
    """The 856 sample has a pack without weight (a warning): accepted, warning listed."""
    unweighed = _without(ASN, "TD1")
    result = translate(unweighed, PROFILE.model_copy(update={"ship_method": "UPS_GR_RES"}))
    severities = {p.severity.value for p in result.outcome.problems}
    assert severities == {"warning"} and result.outcome.accepted is True
    assert result.bodies


def test_every_error_entry_has_a_severity() -> None:
    from gateway.problems import Level, Problem, ProblemCode

    for severity in ("error", "warning"):
        report = Problem(
            code=ProblemCode.MISSING_FIELD, message="m", level=Level.MAPPING, severity=severity
        ).to_report()
        assert list(report)[:3] == ["code", "severity", "message"]
        assert report["severity"] == severity


def test_the_readme_translate_example_runs_as_written() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r"^\.venv/bin/edigw translate (samples/\S+.*)$", readme, re.M)
    assert examples, "the README shows a runnable translate example"
    for line in examples:
        args = shlex.split(line)
        done = subprocess.run(
            [sys.executable, "-m", "gateway", "translate", *args],
            capture_output=True, text=True, cwd=ROOT, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        (result,) = [json.loads(x) for x in done.stdout.splitlines()]
        assert result["accepted"] is True and result["requests"]
        assert all("severity" in e for e in result["errors"])

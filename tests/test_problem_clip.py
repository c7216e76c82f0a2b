"""A problem copies what it is about out of the file: the value, a control number, the value
quoted in its message. A partner's value may be a megabyte (an element is read up to the
segment size limit), and each problem about it carried it whole, some twice or more (ST02
in the transaction of every problem of its set): an 80 MB upload of such values was
answered with 160 MB of errors, and the ledger kept them. Now each text of a problem is
clipped (`MAX_VALUE`, the message `MAX_MESSAGE`), keeping its start and end and saying how
much was left out, however the problem was made (validated or `model_copy`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gateway.problems import MAX_MESSAGE, MAX_VALUE, Level, Problem, ProblemCode, clip
from tests.ops_support import PARTNER_KEY
from tests.test_broken_headers import translate

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
BIG = "X" * 1_000_000
NINES = "9" * 1_000_000
X12 = (SAMPLES / "01-x12-214-delivered" / "input.edi").read_text()
EDIFACT = (SAMPLES / "10-edifact-iftsta-d01b" / "input.edi").read_text()

# a megabyte where the file names things (control numbers, qualifiers), where a value is
# read (codes, locations, references), where a count is, where no segment should be
CASES = {
    "ISA13": X12.replace("000000101", "1" * 1_000_000),
    "GS02": X12.replace("GS*QM*DEMOCARRIER*", f"GS*QM*{BIG}*"),
    "GS06": X12.replace("*1830*1*X*", f"*1830*{NINES}*X*"),
    "ST02": X12.replace("ST*214*0001~", f"ST*214*{BIG}~"),
    "B10-01": X12.replace("B10*1Z4711*", f"B10*{BIG}*"),
    "AT7-01": X12.replace("AT7*OD*", f"AT7*{BIG}*"),
    "AT7-05": X12.replace("***20261124*0715", f"***{NINES}*0715"),
    "MS1-01": X12.replace("MS1*CHICAGO", f"MS1*{BIG}"),
    "L11-02": X12.replace("L11*PO4711*PO", f"L11*PO4711*{BIG}"),
    "SE01": X12.replace("SE*12*", f"SE*{NINES}*"),
    "GE01": X12.replace("GE*1*1~", f"GE*{NINES}*1~"),
    "x12 unknown segment": X12.replace("LX*1~", f"ZZZ*{BIG}~LX*1~"),
    "x12 unknown tag": X12.replace("LX*1~", f"{BIG}*1~LX*1~"),
    "UNB 0020": EDIFACT.replace("IC1001", BIG),
    "UNB 0004": EDIFACT.replace("DEMOCARRIER:ZZ", f"{BIG}:ZZ"),
    "UNH 0062": EDIFACT.replace("UNH+1+", f"UNH+{BIG}+").replace("UNT+15+1", f"UNT+15+{BIG}"),
    "UNT 0074": EDIFACT.replace("UNT+15+", f"UNT+{NINES}+"),
    "STS": EDIFACT.replace("STS+1+302::6", f"STS+1+{BIG}::6"),
    "DTM": EDIFACT.replace("202611240715-06", NINES),
    "LOC": EDIFACT.replace("USCHI::6:Chicago", f"USCHI::6:{BIG}"),
    "CNI": EDIFACT.replace("1Z4711A", BIG),
    "edifact unknown segment": EDIFACT.replace("CNI+1+", f"ZZZ+{BIG}'CNI+1+"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_no_problem_carries_a_megabyte(case: str) -> None:
    outcome, _ = translate(CASES[case].encode("latin-1"))
    problems = [*outcome.problems]
    assert problems, "the case is a fault"
    for p in problems:
        for name, value in p.model_dump(exclude_none=True).items():
            if isinstance(value, str):
                assert len(value) <= (MAX_MESSAGE if name == "message" else MAX_VALUE), name
    report = json.dumps([p.to_report() for p in problems])
    assert len(report) < 3_000 * len(problems), len(report)
    for run in ("X" * (MAX_MESSAGE + 1), "9" * (MAX_MESSAGE + 1)):
        assert run not in report
        if run[: MAX_VALUE + 1] in report:  # a problem quotes the value: it says it is cut
            assert "characters left out" in report
    for ack in outcome.acknowledgements:
        assert len(ack.content) < 2_000, ack.content[:300]


def test_clip_keeps_start_and_end() -> None:
    text = "ST02 '" + BIG + "' is longer than 9 characters"
    clipped = clip(text, MAX_MESSAGE)
    assert len(clipped) <= MAX_MESSAGE
    assert clipped.startswith("ST02 'XXX") and clipped.endswith("' is longer than 9 characters")
    left_out = len(text) - len(clipped) + len("[... 999,235 characters left out ...]")
    assert f"[... {left_out:,} characters left out ...]" in clipped
    assert clip("short", 10) == "short"
    assert clip("x" * MAX_VALUE, MAX_VALUE) == "x" * MAX_VALUE


def test_made_and_copied_problems_are_clipped() -> None:
    made = Problem(code=ProblemCode.ELEMENT_TOO_LONG, message="m" * 5000, level=Level.ELEMENT,
                   value=BIG, transaction=BIG)  # fmt: skip
    assert len(made.message) <= MAX_MESSAGE and len(made.value or "") <= MAX_VALUE
    assert len(made.transaction or "") <= MAX_VALUE
    copied = made.model_copy(update={"interchange": BIG, "segment": "AT7", "position": 3})
    assert len(copied.interchange or "") <= MAX_VALUE
    assert (copied.segment, copied.position) == ("AT7", 3)
    short = Problem(code=ProblemCode.ELEMENT_TOO_LONG, message="fine", level=Level.ELEMENT,
                    value="v" * MAX_VALUE)  # fmt: skip
    assert short.value == "v" * MAX_VALUE and short.message == "fine"


def test_the_upload_answer_does_not_carry_a_megabyte_control(app: Any) -> None:
    """Review 20: problems were clipped, but the interchange's control number went whole
    into the ledger and from there into the upload answer (interchanges[].control,
    acknowledgements[].acknowledges), the delivery log line and webhooks."""
    client, _ = app
    data = EDIFACT.replace("IC1001", "IC" + NINES).encode("latin-1")
    answer = client.post("/v1/partners/demo/interchanges", content=data,
                         headers={**PARTNER_KEY, "X-File-Name": "big.edi"})  # fmt: skip
    assert answer.status_code == 201, answer.text[:300]
    assert len(answer.content) < 20_000, {k: len(json.dumps(v)) for k, v in answer.json().items()}
    (interchange,) = answer.json()["interchanges"]
    assert interchange["control"].startswith("IC999") and interchange["control"].endswith("…")

"""Issue 8, kind 3 (leftover): an ack names us by something real. Its sender (ISA06 / UNB
S002) is the inbound interchange's recipient; when that cannot be read (a UNA whose segment
terminator is `+` or a letter, a blank ISA08), the partner profile's `ack.own_id` /
`ack.own_qualifier` stand in for the standard's placeholder `0`."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.profile import AckPreferences, PartnerProfile
from tests.malformed import (
    PROFILE,
    STATUS_214,
    STATUS_IFTSTA,
    X12_ISA,
    edifact_iftsta,
    translate,
    x12_214,
)

OWN = PROFILE.model_copy(update={"ack": AckPreferences(own_id="OURGATEWAY", own_qualifier="14")})


def _contrl(head: str, profile: PartnerProfile) -> str:
    return translate(edifact_iftsta(*STATUS_IFTSTA, head=head), profile).ack("CONTRL")


def _segment(contrl: str, tag: str) -> list[str]:
    """The elements of the CONTRL's first `tag` segment (its own delimiters: `+` `'`)."""
    return next(s.strip() for s in contrl.split("'") if s.strip().startswith(tag + "+")).split("+")


@pytest.mark.parametrize("una", ["UNA:+.? +", "UNA:+.? A", "UNA:+.? :"])
def test_contrl_behind_an_unusable_terminator_names_us_by_the_profile(una: str) -> None:
    contrl = _contrl(una, OWN)
    assert _segment(contrl, "UNB")[2] == "OURGATEWAY:14"  # S002: us
    assert _segment(contrl, "UCI")[3] == "OURGATEWAY:14"  # S003 of the interchange: us


def test_without_an_own_id_the_placeholder_stays() -> None:
    assert _segment(_contrl("UNA:+.? +", PROFILE), "UNB")[2] == "0"


def test_a_readable_recipient_wins_over_the_profile() -> None:
    contrl = _contrl("UNA:+.? '", OWN)
    assert _segment(contrl, "UNB")[2] == "AMAZONDF:ZZ"
    ack = translate(x12_214(*STATUS_214), OWN).ack("997")
    assert ack.split("~")[0].split("*")[6] == "AMAZONDF       "


def test_x12_ack_for_a_blank_isa08_names_us_by_the_profile() -> None:
    isa = X12_ISA.replace("*ZZ*AMAZONDF       *", "*ZZ*" + " " * 15 + "*")
    ack = translate(x12_214(*STATUS_214, isa=isa), OWN).ack("997")
    isa_fields = ack.split("~")[0].split("*")
    assert isa_fields[5:7] == ["14", "OURGATEWAY     "]
    plain = translate(x12_214(*STATUS_214, isa=isa)).ack("997").split("~")[0].split("*")
    assert plain[6] == "0" + " " * 14


@pytest.mark.parametrize("own_id", ["AMAZON*DF", "X" * 36, "A'B", "A\nB"])
def test_an_own_id_an_ack_could_not_carry_is_refused(own_id: str) -> None:
    with pytest.raises(ValidationError):
        AckPreferences(own_id=own_id)

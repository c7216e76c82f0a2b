"""824 / APERAK application advices built from hand-made AdviceItems: exact text per case,
and every advice read back by the gateway's own envelope readers."""

from __future__ import annotations

import io
import textwrap
from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.ack.advice import AdviceItem, application_advices, error_condition
from gateway.ack.advice_edifact import syntax_for
from gateway.ack.advice_x12 import advice_isa_version
from gateway.ack.context import AckContext
from gateway.ack.model import Acknowledgement
from gateway.envelope.edifact import read_edifact
from gateway.envelope.outcome import InterchangeOutcome
from gateway.envelope.x12 import read_x12
from gateway.origin import Origin
from gateway.parse.records import Document
from gateway.problems import Problem
from gateway.profile import PartnerProfile
from gateway.spapi import ApiError

NOW = datetime(2024, 3, 4, 5, 6, tzinfo=UTC)
X12 = Origin("x12", "CARRIER", "AMAZONDF", "000000123", "45", "0001", "214", "004010", False)
EDI = Origin("edifact", "CARRIER", "5450534000000", "IC42", None, "M1", "IFTSTA", "D:01B", False)
UNCONFIRMED = ApiError("InvalidInput", "Tracking number was never confirmed")


def _item(origin: Origin, po: str, tracking: str, *errors: ApiError) -> AdviceItem:
    return AdviceItem(origin, (po,), (tracking,), not errors, errors, "tx-" + po)


def _advices(items: list[AdviceItem], positive: bool) -> list[Acknowledgement]:
    acks = application_advices(items, positive, AckContext(NOW, 7))
    for ack in acks:
        _read_back(ack)
    return acks


def _lines(*segments: str, terminator: str = "~") -> str:
    return "".join(s + terminator + "\n" for s in segments)


ISA = "ISA*00*          *00*          *ZZ*AMAZONDF       *ZZ*CARRIER        *240304*0506*U"
GS = "GS*AG*AMAZONDF*CARRIER*20240304*0506*8*X*004010"
BGN = "BGN*00*0000000070001*20240304*0506"
OTI_END = "*****45*0001*214*004010"  # OTI04..OTI11: GS06, ST02, ST01, GS08 of the original


def test_x12_rejected_item_only_without_positive_advice() -> None:
    items = [_item(X12, "PO1", "1Z1", UNCONFIRMED), _item(X12, "PO2", "1Z2")]
    assert _advices(items, positive=False) == [
        Acknowledgement(
            "824",
            _lines(
                f"{ISA}*00401*000000007*0*P*>",
                GS,
                "ST*824*0001",
                BGN,
                f"OTI*TE*TN*0001{OTI_END}",
                "REF*PO*PO1",
                "REF*2I*1Z1",
                "TED*024*PO1/1Z1: InvalidInput: Tracking number was never confirmed",
                "SE*7*0001",
                "GE*1*8",
                "IEA*1*000000007",
            ),
            acknowledges="000000123",
        )
    ]


def test_x12_positive_advice_lists_accepted_items_and_test_flag() -> None:
    test = X12._replace(test=True)
    other = test._replace(transaction_control="0002")
    items = [
        _item(test, "PO1", "1Z1", UNCONFIRMED),
        _item(test, "PO2", "1Z2"),
        _item(other, "PO3", "1Z3"),
    ]
    [ack] = _advices(items, positive=True)
    assert ack.content == _lines(
        f"{ISA}*00401*000000007*0*T*>",
        GS,
        "ST*824*0001",
        BGN,
        f"OTI*TE*TN*0001{OTI_END}",
        "REF*PO*PO1",
        "REF*PO*PO2",
        "REF*2I*1Z1",
        "REF*2I*1Z2",
        "TED*024*PO1/1Z1: InvalidInput: Tracking number was never confirmed",
        "OTI*TA*TN*0002*****45*0002*214*004010",
        "REF*PO*PO3",
        "REF*2I*1Z3",
        "SE*12*0001",
        "GE*1*8",
        "IEA*1*000000007",
    )


def test_nothing_to_say_gives_no_advice() -> None:
    items = [_item(X12, "PO1", "1Z1"), _item(EDI, "PO2", "T2")]
    assert application_advices(items, False, AckContext(NOW, 7)) == []
    assert application_advices([], True, AckContext(NOW, 7)) == []


def test_x12_long_message_delimiters_and_5010() -> None:
    five = X12._replace(version="005010")
    long = ApiError(
        "DuplicateRequest",
        "The shipment status update for*tracking~number 1Z1 was already "
        "received>earlier and has been ignored by Amazon",
        details="see the transactions API",
    )
    [ack] = _advices([_item(five, "PO1", "1Z1", long)], positive=False)
    text = (  # the event it is about first, then Amazon's error
        "PO1/1Z1: DuplicateRequest: The shipment status update fortrackingnumber 1Z1 was already "
        "receivedearlier and has been ignored by Amazon (see the transactions API)"
    )
    assert ack.content == _lines(
        f"{ISA.replace('*U', '*^')}*00501*000000007*0*P*>",
        GS.replace("004010", "005010"),
        "ST*824*0001",
        BGN,
        "OTI*TR*TN*0001*****45*0001*214*005010",
        "REF*PO*PO1",
        "REF*2I*1Z1",
        f"TED*006*{text[:60]}",
        *(f"NTE**{line}" for line in textwrap.wrap(text, 80)),  # whole, wrapped at 80
        f"SE*{7 + len(textwrap.wrap(text, 80))}*0001",
        "GE*1*8",
        "IEA*1*000000007",
    )


def test_x12_rejected_call_without_errors_and_groups_per_original_group() -> None:
    second = X12._replace(group_control="46", version="004030", transaction_control="0009")
    rejected = AdviceItem(X12, ("PO1",), (), False)
    [ack] = _advices([rejected, _item(second, "PO2", "1Z2", UNCONFIRMED)], positive=False)
    lines = ack.content.splitlines()
    assert [line for line in lines if line.startswith(("GS", "ST", "BGN", "GE"))] == [
        f"{GS}~",
        "ST*824*0001~",
        f"{BGN}~",
        "GE*1*8~",
        "GS*AG*AMAZONDF*CARRIER*20240304*0506*9*X*004030~",
        "ST*824*0002~",
        "BGN*00*0000000070002*20240304*0506~",
        "GE*1*9~",
    ]
    assert "TED*024*PO1: NotAccepted: not accepted by Amazon, no error details~" in lines
    assert "OTI*TR*TN*0009*****46*0009*214*004030~" in lines
    assert lines[-1] == "IEA*2*000000007~"


def test_edifact_accepted_and_rejected_messages_with_escaping() -> None:
    test = EDI._replace(test=True)
    tricky = ApiError("InvalidInput", "Can't update 'TRK+1': status?code:X1 unknown")
    items = [
        _item(test._replace(transaction_control="M2"), "PO2", "TRK2"),
        _item(test, "PO1", "TRK+1", tricky),
    ]
    [ack] = _advices(items, positive=True)
    assert ack.acknowledges == "IC42" and ack.type == "APERAK"
    assert ack.content == _lines(
        "UNB+UNOB:3+5450534000000+CARRIER+240304:0506+7++++++1",
        "UNH+8+APERAK:D:96A:UN",
        "BGM+305+8+29+AP",
        "DTM+137:202403040506:203",
        "RFF+ACW:M2",
        "RFF+ON:PO2",
        "RFF+CN:TRK2",
        "UNT+7+8",
        "UNH+9+APERAK:D:96A:UN",
        "BGM+305+9+27+RE",
        "DTM+137:202403040506:203",
        "RFF+ACW:M1",
        "RFF+ON:PO1",
        "RFF+CN:TRK?+1",
        "ERC+024",
        "FTX+AAO+++InvalidInput?: Can?'t update ?'TRK?+1?'?: status??code?:X1 unknown",
        "RFF+CN:TRK?+1",
        "UNT+10+9",
        "UNZ+2+7",
        terminator="'",
    )


def test_edifact_partial_message_long_text_and_uppercase_only() -> None:
    items = [
        _item(EDI, "PO1", "TRK1", ApiError("NOTFOUND", "PO " + "X" * 80)),
        _item(EDI, "PO2", "TRK2"),
    ]
    [ack] = _advices(items, positive=False)
    assert ack.content == _lines(
        "UNB+UNOA:3+5450534000000+CARRIER+240304:0506+7",
        "UNH+8+APERAK:D:96A:UN",
        "BGM+305+8+27",
        "DTM+137:202403040506:203",
        "RFF+ACW:M1",
        "RFF+ON:PO1",
        "RFF+CN:TRK1",
        "ERC+011",
        f"FTX+AAO+++NOTFOUND?: PO {'X' * 57}:{'X' * 23}",
        "RFF+CN:TRK1",
        "UNT+10+8",
        "UNZ+1+7",
        terminator="'",
    )


def test_edifact_beyond_latin1_uses_unow_syntax_4() -> None:
    item = _item(EDI, "PO1", "TRK*1", ApiError("InvalidInput", "Adresse ungültig → prüfen"))
    [ack] = _advices([item], positive=False)
    assert ack.content.startswith("UNB+UNOW:4+5450534000000+CARRIER+20240304:0506+7'\n")
    assert "RFF+CN:TRK?*1'" in ack.content  # syntax 4: the repetition separator is escaped


def test_several_interchanges_give_several_advices_in_order() -> None:
    second_x12 = X12._replace(interchange_control="000000124")
    items = [
        _item(X12, "PO1", "1Z1", UNCONFIRMED),
        _item(EDI, "PO2", "T2", UNCONFIRMED),
        _item(second_x12, "PO3", "1Z3", UNCONFIRMED),
        _item(X12, "PO4", "1Z4", UNCONFIRMED),
    ]
    acks = _advices(items, positive=False)
    assert [(a.type, a.acknowledges) for a in acks] == [
        ("824", "000000123"),
        ("APERAK", "IC42"),
        ("824", "000000124"),
    ]
    assert "*000000007*0*P*>~" in acks[0].content and "REF*PO*PO4~" in acks[0].content
    # control numbers run on across advices: ISA 7 / GS 8, UNB 9 / UNH 10, ISA 11 / GS 12
    assert acks[1].content.startswith("UNB+UNOB:3+5450534000000+CARRIER+240304:0506+9'")
    assert "UNH+10+APERAK" in acks[1].content
    assert "*000000011*0*P*>~" in acks[2].content and "*12*X*004010~" in acks[2].content


@pytest.mark.parametrize(
    ("code", "condition"),
    [
        ("DuplicateRequest", "006"),
        ("MissingTrackingNumber", "007"),
        ("FieldRequired", "007"),
        ("NOT_FOUND", "011"),
        ("TrackingNumberNotConfirmed", "011"),
        ("InvalidInput", "024"),
        ("InternalFailure", "024"),
    ],
)
def test_error_condition(code: str, condition: str) -> None:
    assert error_condition(code) == condition


@pytest.mark.parametrize(
    ("values", "syntax"),
    [
        (["ABC 123", "PO+1:X?'"], ("UNOA", "3")),
        (["abc"], ("UNOB", "3")),
        (["Müller"], ("UNOC", "3")),
        (["東京"], ("UNOW", "4")),
    ],
)
def test_syntax_for(values: list[str], syntax: tuple[str, str]) -> None:
    assert syntax_for(values) == syntax


def test_isa_version_from_gs08() -> None:
    assert advice_isa_version("004010") == "00401"
    assert advice_isa_version("005010X231A1") == "00501"
    assert advice_isa_version("D:96A") == "00401"


class _NullSink:
    def document(self, origin: Origin, document: Document) -> list[Problem]:
        return []

    def end_interchange(self, outcome: InterchangeOutcome[Any]) -> None:
        pass


def _read_back(ack: Acknowledgement) -> None:
    """The advice passes the gateway's own envelope checks; the 824 / APERAK is simply not
    a set the gateway translates."""
    data = io.BytesIO(ack.content.encode("utf-8"))
    if ack.type == "824":
        x12 = read_x12(data, _NullSink(), PartnerProfile())
        assert not x12.problems and x12.interchanges
        for ic in x12.interchanges:
            assert not ic.problems
            for group in ic.groups:
                assert not group.problems and group.functional_id == "AG"
                for s in group.sets:
                    assert s.type_code == "824" and not s.problems and not s.supported
        return
    edifact = read_edifact(data, _NullSink(), PartnerProfile())
    assert not edifact.problems and edifact.interchanges
    for eic in edifact.interchanges:
        assert not eic.problems
        for group in eic.groups:
            assert not group.problems
            for s in group.sets:
                assert s.type_code == "APERAK" and not s.problems

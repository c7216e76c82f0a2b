"""Recording partner values cut to their columns (`column_text`, review 21): what the cut
must not break. A set refused for its overlong control is still found by its values; the
ops search takes a purchase order as long as the ledger accepts; distinct long controls are
no duplicates; a long group control leaves no event without its set; an SFTP name that is
no UTF-8 is recorded (it was refused at every try); the partner search finds a long control
as it finds a long purchase order. The tests are the reviewer's."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from gateway.ledger import FileState, Ledger
from gateway.ledger.tables import OpsSearchTerm
from gateway.mapping.codes import load_code_tables
from gateway.ops.models import SearchQuery
from gateway.profile import PartnerProfile
from gateway.service.config import ServiceSettings
from gateway.service.metrics import Metrics
from gateway.service.runtime import Runtime
from gateway.service.storage import FileStore
from gateway.service.translating import translate_received
from gateway.service.worker import Gateway

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
EDIFACT = (SAMPLES / "10-edifact-iftsta-d01b" / "input.edi").read_text()


@pytest.fixture
def rt(tmp_path: Path) -> Iterator[Runtime]:
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    ledger.migrate()
    profile = PartnerProfile(id="demo", x12_sender_ids=("DEMOCARRIER",), selling_party="999US",
                             ship_from="ABCD", seller="demo")  # fmt: skip
    yield Runtime(settings=ServiceSettings(data_dir=tmp_path), ledger=ledger,
                  store=FileStore(tmp_path), partners={"demo": profile},
                  tables=load_code_tables(), metrics=Metrics(), default_seller="demo")  # fmt: skip
    ledger.close()


def _translate(rt: Runtime, name: str, text: str) -> Any:
    received = asyncio.run(Gateway(rt).receive("demo", "http", name, text.encode()))
    record = rt.ledger.get_file(received.id)
    assert record is not None
    translate_received(rt, record)
    return rt.ledger.get_file(received.id)


def _terms(rt: Runtime, file_id: str) -> list[str]:
    with rt.ledger._read() as session:
        return list(session.scalars(select(OpsSearchTerm.value)
                                    .where(OpsSearchTerm.file_id == file_id)))  # fmt: skip


@pytest.mark.parametrize("width", [20, 40])
def test_refused_set_terms_are_indexed_whatever_its_control_length(rt: Runtime, width: int) -> None:
    """A set refused for its overlong UNH 0062 (an..14): ops must still find its file by the
    PO in it (gateway/ops/hooks.py). At 20 characters it is; at 40 the ledger holds the
    control cut ("…") and hooks._index_rejected_sets compares that with the file's text."""
    control = "M" * width
    text = (EDIFACT.replace("UNH+1+", f"UNH+{control}+").replace("UNT+15+1", f"UNT+15+{control}")
            .replace("PO4711", "POFINDME4711"))  # fmt: skip
    record = _translate(rt, f"w{width}.edi", text)
    assert record.accepted is False
    assert "POFINDME4711" in _terms(rt, record.id)


def test_ops_search_takes_a_purchase_order_the_ledger_accepts() -> None:
    """An accepted EDIFACT purchase order may have 70 characters (RFF 1154 an..70); the
    partner API's /v1/search finds it (store.search cuts it), the ops search refuses it."""
    long_po = "PO" + "4" * 68
    try:
        SearchQuery(po=long_po)
    except ValidationError as error:
        pytest.fail(f"ops search refuses the whole purchase order: {error.errors()[0]['msg']}")


def test_distinct_long_controls_are_not_duplicates(rt: Runtime) -> None:
    """Two interchanges whose 40-character controls differ only at the end are recorded with
    the same cut control: the second is taken for a duplicate of the first."""
    first = "1" * 39 + "A"
    second = "1" * 39 + "B"
    a = _translate(rt, "a.edi", EDIFACT.replace("IC1001", first))
    b = _translate(rt, "b.edi", EDIFACT.replace("IC1001", second))
    assert a.state is FileState.TRANSLATED
    codes = [e.get("code") for e in b.errors]
    assert b.state is not FileState.DUPLICATE, codes
    assert "DUPLICATE_INTERCHANGE" not in str(codes)


def test_events_of_a_long_group_control_find_their_set(rt: Runtime) -> None:
    """Held: a group control over 32 characters (GS06 N1..9) refuses the group: no events
    whose set SetIds.find could miss."""
    x12 = (SAMPLES / "01-x12-214-delivered" / "input.edi").read_text()
    big = "7" * 40
    text = x12.replace("*1830*1*X*", f"*1830*{big}*X*").replace("GE*1*1~", f"GE*1*{big}~")
    record = _translate(rt, "g.edi", text)
    events = rt.ledger.events_for_file(record.id)
    assert all(e.transaction_id is not None for e in events), (record.accepted, len(events))


def test_an_sftp_name_that_is_not_utf8_is_recorded(rt: Runtime, tmp_path: Path) -> None:
    """An SFTP upload named b"\\xff.edi" reaches Gateway.receive_path as os.fsdecode's
    "\\udcff.edi" (sftp_upload.hand_over): the ledger cannot encode the lone surrogate, the
    upload is refused "send it again", and the partner's client retries it forever."""
    import os

    path = tmp_path / os.fsdecode(b"\xff.edi")
    path.write_text(EDIFACT)
    received = asyncio.run(Gateway(rt).receive_path("demo", "sftp", path.name, path))
    assert rt.ledger.get_file(received.id) is not None


def test_partner_search_finds_a_long_control_as_it_finds_a_long_po(rt: Runtime) -> None:
    """store.search cuts a purchase order / tracking number to its column, not a control
    number: a file whose UNB 0020 has 40 characters is not found by it."""
    control = "C" * 40
    record = _translate(rt, "c.edi", EDIFACT.replace("IC1001", control))
    assert [f.id for f in rt.ledger.search(control=control)] == [record.id]


def test_the_widths_values_are_cut_to_are_the_migrated_columns_lengths(tmp_path: Path) -> None:
    """Each width `column_text` cuts to is the length of the columns it guards as the
    migrations made them (tables.py reads the widths from `gateway.ledger.records`): a width
    wider than its column would be refused by PostgreSQL again."""
    from sqlalchemy import inspect

    from gateway.ledger import records

    ledger = Ledger(f"sqlite:///{tmp_path / 'widths.db'}")
    ledger.migrate()
    guarded = [
        (records.NAME_WIDTH, "received_files.name"),
        (records.PARTY_WIDTH, "interchanges.sender interchanges.receiver"),
        (records.CONTROL_WIDTH, "interchanges.control transactions.group_control "
                                "transactions.control acks.acknowledges"),
        (records.CODE_WIDTH, "transactions.type_code"),
        (records.VERSION_WIDTH, "transactions.version"),
        (records.KEY_WIDTH, "events.purchase_order events.tracking_number ops_search_terms.value"),
        (records.AMAZON_ID_WIDTH, "events.amazon_transaction_id api_calls.transaction_id"),
    ]  # fmt: skip
    widths = {tuple(column.split(".")): width for width, columns in guarded
              for column in columns.split()}  # fmt: skip
    try:
        inspector = inspect(ledger.engine)
        lengths = {(table, c["name"]): getattr(c["type"], "length", None)
                   for table in {t for t, _ in widths}
                   for c in inspector.get_columns(table)}  # fmt: skip
    finally:
        ledger.close()
    assert {key: lengths[key] for key in widths} == widths

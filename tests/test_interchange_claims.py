"""Interchange claims on SQLite (tests/claim_checks.py): of two translations of the same
interchange at once, in one process or two, exactly one processes it; a claim survives its
translation's crash and is given up by a quarantine."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.ledger import Ledger
from tests.claim_checks import CLAIM_CHECKS, ClaimCheck


@pytest.mark.parametrize("check", CLAIM_CHECKS.values(), ids=CLAIM_CHECKS.keys())
def test_claims(tmp_path: Path, check: ClaimCheck) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    ledger = Ledger(url)
    ledger.migrate()
    ledger.close()
    check(url, tmp_path / "data")

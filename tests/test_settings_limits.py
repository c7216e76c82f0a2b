"""Settings that are refused at start rather than misread (review 21): `http_trusted_proxies`
takes IP addresses and networks, never "*" (every client could then name any address in
X-Forwarded-For); operator names have 1 to 64 printable characters (the ledger records who
did what in a column of 64: PostgreSQL refused a longer one at the operator's first action)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from gateway.auth.operators import OperatorAccount
from gateway.service.config import ServiceSettings


@pytest.mark.parametrize("value", ["*", "10.0.0.1 10.0.0.2", "proxy.local", "10.0.0.1,*"])
def test_trusted_proxies_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="http_trusted_proxies"):
        ServiceSettings(data_dir=Path("/tmp"), http_trusted_proxies=value)


def test_trusted_proxies_taken() -> None:
    settings = ServiceSettings(data_dir=Path("/tmp"),
                               http_trusted_proxies=" 10.0.0.1, 2001:db8::/64 ,")  # fmt: skip
    assert settings.http_trusted_proxies == "10.0.0.1,2001:db8::/64"


@pytest.mark.parametrize("name", ["", "o" * 65, "ops\nroot"])
def test_operator_names_refused(name: str) -> None:
    account = OperatorAccount(role="viewer")
    with pytest.raises(ValidationError, match="operator name"):
        ServiceSettings(data_dir=Path("/tmp"), operators={name: account})


def test_operator_name_of_64_taken() -> None:
    settings = ServiceSettings(data_dir=Path("/tmp"),
                               operators={"o" * 64: OperatorAccount(role="viewer")})  # fmt: skip
    assert list(settings.operators) == ["o" * 64]

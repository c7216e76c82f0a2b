"""The README lists every setting of `edigw serve` (nested ones as `parent.name`)."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from gateway.service.config import ServiceSettings
from gateway.settings import SellerAccount

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
_NESTED_LISTED_INLINE = {SellerAccount}  # the `sellers` row names its fields


def _settings(model: type[BaseModel], prefix: str = "") -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            names += _settings(kind, f"{prefix}{name}.")
        else:
            names.append(prefix + name)
    return names


def test_every_setting_is_in_the_readme_table() -> None:
    table = "\n".join(line for line in README.splitlines() if line.startswith("| `"))
    listed = set(re.findall(r"`([a-z_.]+)`", table))
    missing = [name for name in _settings(ServiceSettings) if name not in listed]
    assert missing == []
    sellers = next(line for line in table.splitlines() if line.startswith("| `sellers`"))
    for model in _NESTED_LISTED_INLINE:
        assert all(name in sellers for name in model.model_fields)

"""Partner profiles: who a partner is and how its files are read, mapped and acknowledged.

Profiles are data (`mappings/partners/<id>.yaml`), loaded and validated at start-up. The
built-in `default` profile is what `edigw translate` uses when no --partner is given.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from gateway.parse.records import Syntax

__all__ = [
    "AckPreferences",
    "AddressDefaults",
    "FieldSources",
    "HttpCredentials",
    "PartnerProfile",
    "SftpCredentials",
    "StatusOverride",
    "Transports",
    "load_partners",
    "load_profile",
    "mappings_dir",
]


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StatusOverride(_Data):
    """A carrier's own status/reason pair, translated onto one of Amazon's events."""

    syntax: Syntax
    status: str
    reason: str | None = None  # None: any reason (or none)
    event: str  # an `event` of mappings/status_codes.yaml


class AckPreferences(_Data):
    x12: Literal["997", "999"] = "997"
    # TA1: only when ISA14 = 1 or the interchange envelope is bad / always / never
    ta1: Literal["on_request", "always", "never"] = "on_request"
    contrl: bool = True
    positive_advice: bool = False


class AddressDefaults(_Data):
    """Required SP-API address fields that carrier EDI does not carry (marked defaulted)."""

    name: str = "Carrier scan location"
    address_line1: str = "Not provided by carrier"
    country_code: str = "US"


class FieldSources(_Data):
    """Which qualifiers carry which value. Defaults follow the gateway's documented mapping."""

    po_reference_qualifiers: tuple[str, ...] = ("PO",)  # X12 L11-02
    tracking_reference_qualifiers: tuple[str, ...] = ("2I",)  # X12 L11-02 in the LX loop
    po_from_b10: bool = True  # 214: B10-02 when no L11*PO
    tracking_from_b10: bool = True  # 214: B10-01 when no L11*2I
    buyer_product_qualifiers: tuple[str, ...] = ("BP",)  # X12 LIN / EDIFACT PIA 7143
    vendor_product_qualifiers: tuple[str, ...] = ("VN", "VP", "SK", "UP", "EN")
    tracking_pack_qualifiers: tuple[str, ...] = ("CP",)  # X12 MAN-01
    container_pack_qualifiers: tuple[str, ...] = ("GM",)  # X12 MAN-01
    edifact_po_qualifiers: tuple[str, ...] = ("ON",)  # EDIFACT RFF C506 1153
    edifact_tracking_gin_qualifiers: tuple[str, ...] = ("BN", "AW")  # EDIFACT GIN 7405
    edifact_container_gin_qualifiers: tuple[str, ...] = ("BJ",)  # SSCC


class SftpCredentials(_Data):
    """The partner's hosted SFTP account: password (scrypt hash) and/or public keys."""

    username: str
    password_hash: str | None = None  # gateway.inbound.credentials.hash_password
    public_keys: tuple[str, ...] = ()  # OpenSSH public key lines


class HttpCredentials(_Data):
    """HTTP upload: the SHA-256 (hex) of the partner's API key, never the key itself."""

    api_key_sha256: str


class Transports(_Data):
    sftp: SftpCredentials | None = None
    http: HttpCredentials | None = None


class PartnerProfile(_Data):
    id: str = "default"
    name: str = "Default partner"
    x12_sender_ids: tuple[str, ...] = ()
    edifact_sender_ids: tuple[str, ...] = ()
    seller: str | None = None  # seller account in the submit configuration
    selling_party: str | None = None
    ship_from: str | None = None
    timezone: str = "UTC"
    ship_method: str | None = None  # Container.shipMethod when the file names none
    container_type: Literal["carton", "pallet"] = "carton"
    codes_as: Literal["input", "x12", "edifact"] = "input"
    status_overrides: tuple[StatusOverride, ...] = ()
    address_defaults: AddressDefaults = Field(default_factory=AddressDefaults)
    field_sources: FieldSources = Field(default_factory=FieldSources)
    ack: AckPreferences = Field(default_factory=AckPreferences)
    transports: Transports = Field(default_factory=Transports)
    max_file_mb: float | None = None  # biggest upload accepted; None: the service's setting

    def owns_sender(self, syntax: Syntax, sender: str) -> bool:
        """Whether an interchange sender ID belongs to this partner (no IDs listed: any)."""
        ids = self.x12_sender_ids if syntax == "x12" else self.edifact_sender_ids
        return not ids or sender.strip() in ids


def load_partners(directory: Path | None = None) -> dict[str, PartnerProfile]:
    """Every profile of `mappings/partners/`, validated (a bad one stops start-up)."""
    base = (directory or mappings_dir()) / "partners"
    return {path.stem: load_profile(path.stem, directory) for path in sorted(base.glob("*.yaml"))}


def mappings_dir() -> Path:
    """`mappings/` of the checkout, or $EDIGW_MAPPINGS."""
    env = os.environ.get("EDIGW_MAPPINGS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "mappings"


def load_profile(partner_id: str | None, directory: Path | None = None) -> PartnerProfile:
    """The partner's profile from `mappings/partners/<id>.yaml` (built-in default for None).

    Raises FileNotFoundError for an unknown partner and pydantic.ValidationError for a
    profile that does not validate: both are configuration faults, reported at start-up.
    """
    if partner_id is None:
        return PartnerProfile()
    base = (directory or mappings_dir()) / "partners"
    path = base / f"{partner_id}.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"no partner profile {partner_id!r} in {base}")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return PartnerProfile.model_validate({"id": partner_id, **data})

"""Partner profiles: who a partner is and how its files are read, mapped and acknowledged.

Profiles are data (`mappings/partners/<id>.yaml`), loaded and validated at start-up. The
built-in `default` profile is what `edigw translate` uses when no --partner is given.
The demo and example partners (`mappings/demo/partners/`) are served only by
`edigw serve --demo`; `edigw translate --partner demo` may still use their mapping rules.
"""

from __future__ import annotations

import os
import site
import sys
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from gateway.origin import Syntax

__all__ = [
    "AckPreferences",
    "AddressDefaults",
    "FieldSources",
    "HttpCredentials",
    "PartnerProfile",
    "ProfileError",
    "SftpCredentials",
    "StatusOverride",
    "Transports",
    "demo_partners_dir",
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
    # Our own interchange id (and its qualifier) as the sender of acks when the inbound
    # interchange's recipient (ISA08 / UNB S003) cannot be read, e.g. behind a UNA whose
    # segment terminator is unusable; empty: the standard's placeholder "0"
    own_id: str = Field("", max_length=35, pattern=r"^[A-Za-z0-9 ._/-]*$")
    own_qualifier: str = Field("ZZ", max_length=4, pattern=r"^[A-Za-z0-9]*$")


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
    # DESADV ship method: TDT (data element, component); default C228 8178, the transport
    # means description (TDT+20+V42+30+31:::FEDEX_GROUND)
    edifact_ship_method: tuple[int, int] = (4, 4)


class SftpCredentials(_Data):
    """The partner's hosted SFTP account: password (scrypt hash) and/or public keys."""

    username: str
    password_hash: str | None = None  # gateway.inbound.credentials.hash_password
    public_keys: tuple[str, ...] = ()  # OpenSSH public key lines


class HttpCredentials(_Data):
    """HTTP upload: the SHA-256 (hex) of the partner's API key, never the key itself."""

    api_key_sha256: str
    # optional: acks and advices are also POSTed here (JSON, retried with backoff, each
    # delivery recorded in the ledger); the mailbox keeps them until collected either way
    webhook_url: str | None = Field(default=None, pattern=r"^https?://")


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
    # CR/LF that is not a delimiter is dropped before tokenizing (files hard-wrapped at a
    # fixed width); False keeps it, and it is then rejected as an invalid character
    drop_line_breaks: bool = True
    # strict: a segment out of its place in the segment table is rejected; tolerant: one
    # that the standard places elsewhere in the same segment group is read where it is and
    # reported as a warning (anything ambiguous is still an error)
    structure: Literal["strict", "tolerant"] = "strict"
    status_overrides: tuple[StatusOverride, ...] = ()
    address_defaults: AddressDefaults = Field(default_factory=AddressDefaults)
    field_sources: FieldSources = Field(default_factory=FieldSources)
    ack: AckPreferences = Field(default_factory=AckPreferences)
    transports: Transports = Field(default_factory=Transports)
    max_file_mb: float | None = None  # biggest upload accepted; None: the service's setting
    # the most segments one transaction set / message may have (ST..SE, UNH..UNT: SE01 /
    # UNT 0074). A set is held whole until its trailer: about 0.8-1 KB a segment at the
    # peak (a 100 MB upload of one 214 set took 4 GB), and 1.5 KB more for each event the
    # mapping refuses (a 214 of 10,000 refused events, 40,004 segments, peaked at 119 MB).
    # A longer one is counted, not held, and rejected (SET_TOO_LARGE on its first segment
    # past it). 20,000 (a 214 of 5,000 status events, an IFTSTA of 4,000 consignments)
    # keeps a translation under 100 MB; raise it for a partner whose sets are longer, at
    # that cost
    max_set_segments: int = Field(default=20_000, ge=10)
    # the most items one set / message may hold (X12: segment tags and data elements;
    # EDIFACT: tags and the components of data elements, a simple element counting one),
    # counted as it is read: each is held as an object until the trailer (a 5 MB X12 set
    # of a few hundred segments of 10,000 elements each peaked at 169 MB, 10 MB at 296 MB;
    # an IFTSTA of RFF segments of 10,000 components, 5 MB at 153 MB, 20 MB at 501 MB).
    # 150,000 keeps such a set under 100 MB; a 214 of 20,000 segments holds about 90,000,
    # an IFTSTA of 20,000 segments about 100,000. Past it the set is rejected
    # (SET_TOO_LARGE on the segment that went past, or on the one past max_set_segments
    # when that comes first)
    max_set_elements: int = Field(default=150_000, ge=10)
    # the most characters one set / message may hold (its segments' text, delimiters
    # included), counted as it is read: a few segments of elements of a megabyte each
    # hold few items (an X12 214 of 90 segments of one 1 MB element each peaked at 297 MB,
    # an IFTSTA of them at 130 MB). 4,000,000 is 20,000 segments of 200 characters; past
    # it the set is rejected as max_set_elements says
    max_set_characters: int = Field(default=4_000_000, ge=1_000)
    # the same for a ship notice (X12 856, EDIFACT DESADV), whose parse and mapping hold
    # about 2 KB a segment, more with long LIN segments and refused items (measured: an
    # 856 of 50,000 HL / LIN / SN1 segments peaked at 142 MB, of 10,000 segments of
    # 31-element LINs with every item refused at 105 MB). 5,000 (about 1,600 items in one
    # ship notice; a DF order has a few) keeps one under 100 MB
    max_ship_notice_segments: int = Field(default=5_000, ge=10)
    # the most functional groups (GS..GE, UNG..UNE; an X12 set outside any GS, and each run
    # of EDIFACT messages outside any UNG, counts as one) one interchange may hold, each
    # problem of a group's own header / trailer counting as one more. Its group outcomes
    # are held until its trailer (the 997 / CONTRL names each): about 0.6 KB a group and
    # 1 KB a problem, and its ack about 0.35 KB a group (one interchange of 100,000 groups
    # of one 214 set each, a 21 MB file, peaked at 146 MB; of IFTSTA, 171 MB; 20,000
    # groups faulty in every GS / GE element, 360 MB). Past it the interchange is rejected
    # whole (INTERCHANGE_TOO_LARGE, TA1 024 / UCI 0085 35), its further groups counted, not
    # held or translated. Senders put a group per functional ID, some one per set: 10,000
    # keeps a translation under 70 MB; raise it for a partner that sends more, at that cost
    max_interchange_groups: int = Field(default=10_000, ge=1)
    # the most transaction sets / messages one interchange may hold: its 997 / CONTRL,
    # built whole before it is sent, answers each (AK2 .. AK5, about 25 bytes a set): 20 MB
    # of 909,091 minimal faulty sets made a 23 MB 997 and peaked at 115 MB. Past it the
    # interchange is rejected whole (INTERCHANGE_TOO_LARGE, a TA1 / UCI answers it), its
    # further sets counted, not read. 250,000 holds 100 MB of the benchmark's 214 sets
    # (229,337)
    max_interchange_sets: int = Field(default=250_000, ge=1)

    def owns_sender(self, syntax: Syntax, sender: str) -> bool:
        """Whether an interchange sender ID belongs to this partner (no IDs listed: any)."""
        ids = self.x12_sender_ids if syntax == "x12" else self.edifact_sender_ids
        return not ids or sender.strip() in ids


def load_partners(
    directory: Path | None = None, *, partners_dir: Path | None = None, demo: bool = False
) -> dict[str, PartnerProfile]:
    """Every profile of `partners_dir` (default: `partners/` of the mappings `directory`),
    validated; with `demo`, the demo partners too. ProfileError (a ValueError naming the
    file) for a profile that is not YAML or does not validate: it stops start-up."""
    folders = [partners_dir or (directory or mappings_dir()) / "partners"]
    if demo:
        folders.append(demo_partners_dir(directory))
    partners: dict[str, PartnerProfile] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.yaml")):
            try:
                partners.setdefault(path.stem, _read_profile(path))
            except (ValueError, yaml.YAMLError) as exc:  # ValidationError is a ValueError
                raise ProfileError(f"{path}: {' '.join(str(exc).split())}") from exc
    return partners


class ProfileError(ValueError):
    """A partner profile that is not YAML or does not validate (the message names the file)."""


def demo_partners_dir(directory: Path | None = None) -> Path:
    """The demo and example partner profiles (`mappings/demo/partners/`)."""
    return (directory or mappings_dir()) / "demo" / "partners"


def mappings_dir() -> Path:
    """The code tables and profiles: $EDIGW_MAPPINGS, else `mappings/` of the checkout, else
    the copy installed with the package (`<prefix>/share/edigw/mappings`, pyproject's
    data-files; `pip install --user`: under the user base)."""
    env = os.environ.get("EDIGW_MAPPINGS")
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parent.parent / "mappings"
    if checkout.is_dir():
        return checkout
    installed = [Path(base) / "share" / "edigw" / "mappings"
                 for base in (sys.prefix, site.getuserbase())]  # fmt: skip
    return next((path for path in installed if path.is_dir()), installed[0])


def _read_profile(path: Path) -> PartnerProfile:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return PartnerProfile.model_validate({"id": path.stem, **data})


def load_profile(partner_id: str | None, directory: Path | None = None) -> PartnerProfile:
    """The partner's profile from `mappings/partners/<id>.yaml`, else from the demo profiles
    (built-in default for None).

    Raises FileNotFoundError for an unknown partner and pydantic.ValidationError for a
    profile that does not validate: both are configuration faults, reported at start-up.
    """
    if partner_id is None:
        return PartnerProfile()
    base = (directory or mappings_dir()) / "partners"
    for folder in (base, demo_partners_dir(directory)):
        path = folder / f"{partner_id}.yaml"
        if path.is_file():
            return _read_profile(path)
    raise FileNotFoundError(f"no partner profile {partner_id!r} in {base}")

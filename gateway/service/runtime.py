"""What every step of the running gateway shares: settings, ledger, storage, partners, code
tables, the SP-API submitter and the metrics. Built once in `serve` (or a test)."""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass, field
from pathlib import Path

from gateway.auth.operators import Operators
from gateway.auth.throttle import LoginThrottle
from gateway.ledger.store import Ledger
from gateway.mapping.codes import CodeTables
from gateway.profile import PartnerProfile
from gateway.service.config import ServiceSettings
from gateway.service.metrics import Metrics
from gateway.service.shutdown import CallGate
from gateway.service.storage import FileStore
from gateway.submit.submitter import Submitter

__all__ = ["Runtime", "UnknownPartner"]

log = logging.getLogger("edigw.service")


class UnknownPartner(LookupError):
    pass


@dataclass
class Runtime:
    settings: ServiceSettings
    ledger: Ledger
    store: FileStore
    partners: dict[str, PartnerProfile]
    tables: CodeTables
    metrics: Metrics
    submitter: Submitter | None = None  # None: nothing is submitted (translation only)
    default_seller: str | None = None
    settings_file: Path | None = None  # reloaded for changed seller credentials
    operators: Operators = field(default_factory=lambda: Operators({}))
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    calls: CallGate = field(default_factory=CallGate)  # SP-API calls in flight (shutdown)

    @property
    def sftp_root(self) -> Path:
        return self.settings.data_dir / "sftp"

    def partner(self, partner_id: str) -> PartnerProfile:
        try:
            return self.partners[partner_id]
        except KeyError:
            raise UnknownPartner(partner_id) from None

    def seller_of(self, profile: PartnerProfile) -> str | None:
        return profile.seller or self.default_seller

    def api_key_ok(self, partner_id: str, key: str | None) -> bool:
        """Constant-time check of an X-API-Key against the partner's stored SHA-256."""
        profile = self.partners.get(partner_id)
        http = profile.transports.http if profile else None
        if http is None or not key:
            return False
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return hmac.compare_digest(digest, http.api_key_sha256)

    def max_file_bytes(self, partner_id: str) -> int:
        """The biggest upload `partner_id` may send (bytes): its profile's max_file_mb, else
        the service's."""
        profile = self.partners.get(partner_id)
        mb = profile.max_file_mb if profile and profile.max_file_mb else None
        return int((mb or self.settings.max_file_mb) * 1_000_000)

    def inbox_file(self, partner_id: str, name: str) -> Path:
        return self.sftp_root / partner_id / "inbox" / name

    def outbox(self, partner_id: str) -> Path:
        return self.sftp_root / partner_id / "outbox"

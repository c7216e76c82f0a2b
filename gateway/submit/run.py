"""`edigw submit`: translate files, submit what they mean, wait for Amazon's verdict, and
write the acks and application advices where the partner picks them up.

One `FileSubmission` per input file; the CLI prints it as one JSON line.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.ack.advice import AdviceItem, application_advices
from gateway.ack.context import AckContext
from gateway.ack.model import Acknowledgement
from gateway.ack.refusals import refusal_items
from gateway.mapping.codes import CodeTables
from gateway.mapping.result import TranslatedRequest
from gateway.origin import Origin
from gateway.pipeline import TranslationOutcome, translate_stream, unreadable
from gateway.profile import PartnerProfile
from gateway.spapi import SubmissionOutcome, TransactionStatus
from gateway.submit.attribution import CallErrors
from gateway.submit.submitter import Submitter

__all__ = ["FileSubmission", "submit_files"]


@dataclass
class FileSubmission:
    file: Path
    translation: TranslationOutcome
    requests: list[TranslatedRequest] = field(default_factory=list)
    outcomes: list[SubmissionOutcome] = field(default_factory=list)
    advices: list[Acknowledgement] = field(default_factory=list)
    written: dict[int, Path] = field(default_factory=dict)  # id(ack) -> file written

    waited: bool = True

    @property
    def succeeded(self) -> bool:
        """Translated without error and every submission ended well: Success or
        AssumedSuccess (or a canned sandbox answer); without --wait, accepted by the API."""
        if not self.translation.accepted:
            return False
        for outcome in self.outcomes:
            if not outcome.call.accepted:
                return False
            if self.waited and outcome.status not in _GOOD:
                return False
        return True

    def report(self) -> dict[str, Any]:
        acks = [*self.translation.acknowledgements, *self.advices]
        return {
            "file": str(self.file),
            "syntax": self.translation.syntax,
            "accepted": self.translation.accepted,
            "submissions": [_outcome_report(o) for o in self.outcomes],
            "acknowledgements": [
                {**a.to_report(), "path": str(self.written[id(a)])} if id(a) in self.written
                else a.to_report()
                for a in acks
            ],
            "errors": [p.to_report() for p in self.translation.problems] + _blocked(self),
            "succeeded": self.succeeded,
        }  # fmt: skip


_GOOD = frozenset({TransactionStatus.SUCCESS, TransactionStatus.ASSUMED_SUCCESS,
                   TransactionStatus.SANDBOX})  # fmt: skip
# what a partner is told as accepted: Amazon's Success, or the seller's policy said so
_ADVISED_ACCEPTED = _GOOD
# no verdict to tell yet: a person decides (Unconfirmed), nothing was sent (Blocked), or
# no answer at all (Unknown)
_NOT_ADVISED = frozenset({TransactionStatus.UNCONFIRMED, TransactionStatus.BLOCKED,
                          TransactionStatus.UNKNOWN})  # fmt: skip


def _blocked(result: FileSubmission) -> list[dict[str, Any]]:
    """The file-level error for a seller whose credentials LWA refused (once per code)."""
    seen: dict[str, dict[str, Any]] = {}
    for outcome in result.outcomes:
        for e in outcome.call.errors:
            if outcome.call.blocked and e.code.startswith("lwa_") and e.code not in seen:
                seen[e.code] = {"code": e.code, "message": f"{e.message}: seller "
                                f"{outcome.seller} needs reauthorization; nothing was sent",
                                "seller": outcome.seller}  # fmt: skip
    return list(seen.values())


def _outcome_report(outcome: SubmissionOutcome) -> dict[str, Any]:
    call, state = outcome.call, outcome.state
    errors = list(call.errors) + (list(state.errors) if state else [])
    return {
        "operation": outcome.operation,
        "events": outcome.events,
        "purchase_orders": list(outcome.purchase_orders),
        "tracking_numbers": list(outcome.tracking_numbers),
        "sandbox": outcome.sandbox,
        "url": call.url,
        "status_code": call.status_code,
        "attempts": call.attempts,
        "throttled": call.throttled,
        "request_ids": list(call.request_ids),
        "transaction_id": call.transaction_id,
        "status": outcome.status.value,
        "resubmits": outcome.resubmits,
        "errors": [{"code": e.code, "message": e.message, "details": e.details}
                   for e in errors],
    }  # fmt: skip


def _translate(
    path: Path, profile: PartnerProfile, tables: CodeTables, ctx: AckContext
) -> tuple[TranslationOutcome, list[TranslatedRequest]]:
    requests: list[TranslatedRequest] = []
    try:
        data = path.read_bytes()
    except OSError as exc:
        return unreadable(exc), requests
    outcome = translate_stream(
        io.BytesIO(data), profile, tables, ctx, requests.append, keep_interchanges=True
    )  # for refusal_items
    return outcome, requests


def _advice_items(
    requests: list[TranslatedRequest], outcomes: list[SubmissionOutcome]
) -> list[AdviceItem]:
    """One advice item per submitted batch, addressed to the interchange its data came from."""
    items: list[AdviceItem] = []
    for outcome in outcomes:
        state = outcome.state
        status = outcome.status
        if status in _NOT_ADVISED:
            continue
        accepted = status in _ADVISED_ACCEPTED
        # each of Amazon's errors goes to the interchanges whose items it names (or to all)
        errors = CallErrors(outcome.call.errors + (state.errors if state else ()),
                            outcome.purchase_orders, outcome.tracking_numbers)  # fmt: skip
        # a batch may hold requests of several interchanges: advise each of them
        by_origin: dict[Origin, list[TranslatedRequest]] = {}
        for index in outcome.requests:
            by_origin.setdefault(requests[index].origin, []).append(requests[index])
        for origin, members in by_origin.items():
            pos = {po for r in members for po in r.purchase_orders}
            tracking = {t for r in members for t in r.tracking_numbers}
            items.append(
                AdviceItem(
                    origin=origin,
                    purchase_orders=tuple(p for p in outcome.purchase_orders if p in pos),
                    tracking_numbers=tuple(t for t in outcome.tracking_numbers if t in tracking),
                    accepted=accepted,
                    errors=errors.about(pos, tracking),
                    transaction_id=outcome.call.transaction_id,
                )
            )
    return items


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def write_acks(result: FileSubmission, out_dir: Path) -> None:
    """Write every ack and advice of a file to `out_dir` (created if needed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    acks = [*result.translation.acknowledgements, *result.advices]
    for index, ack in enumerate(acks, start=1):
        stem = f"{_safe(result.file.stem)}.{_safe(ack.acknowledges or 'file')}.{index:02d}"
        path = out_dir / f"{stem}.{ack.type}.edi"
        copy = 0
        while path.exists():  # never overwrite an ack the partner may not have collected
            copy += 1
            path = out_dir / f"{stem}-{copy}.{ack.type}.edi"
        path.write_text(ack.content, encoding="utf-8")
        result.written[id(ack)] = path


async def submit_files(
    files: list[Path],
    profile: PartnerProfile,
    tables: CodeTables,
    ctx: AckContext,
    submitter: Submitter,
    seller: str,
    wait: float | None,
    out_dir: Path | None,
) -> list[FileSubmission]:
    """Translate, submit, optionally wait for final transaction states, produce advices."""
    results: list[FileSubmission] = []
    for path in files:
        translation, requests = _translate(path, profile, tables, ctx)
        result = FileSubmission(path, translation, requests, waited=wait is not None)
        items = refusal_items(
            translation.interchanges, translation.syntax
        )  # what the gateway refused itself
        if requests:
            result.outcomes = await submitter.submit(seller, requests)
            if wait is not None:
                await submitter.wait_final(result.outcomes, timeout=wait)
            items += _advice_items(requests, result.outcomes)
        if wait is None:  # no verdict yet: only refused events can be advised
            items = [i for i in items if not i.accepted and (i.errors or i.problems)]
        if items:
            result.advices = application_advices(items, profile.ack.positive_advice, ctx)
        if out_dir is not None:
            write_acks(result, out_dir)
        results.append(result)
    return results

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
from gateway.mapping.codes import CodeTables
from gateway.mapping.result import TranslatedRequest
from gateway.parse.records import Origin
from gateway.pipeline import TranslationOutcome, translate_stream, unreadable
from gateway.profile import PartnerProfile
from gateway.submit.model import SubmissionOutcome, TransactionStatus
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

    @property
    def succeeded(self) -> bool:
        """Translated without error and every submission ended well (Success, or accepted
        by the API when the caller did not wait)."""
        if not self.translation.accepted:
            return False
        for outcome in self.outcomes:
            if not outcome.call.accepted:
                return False
            state = outcome.state
            if state is not None and state.status not in (
                TransactionStatus.SUCCESS,
                TransactionStatus.PROCESSING,
            ):
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
            "errors": [p.to_report() for p in self.translation.problems],
            "succeeded": self.succeeded,
        }  # fmt: skip


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
        "status": state.status.value if state else (
            "Submitted" if call.accepted else TransactionStatus.NOT_SUBMITTED.value),
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
    outcome = translate_stream(io.BytesIO(data), profile, tables, ctx, requests.append)
    return outcome, requests


def _advice_items(
    requests: list[TranslatedRequest], outcomes: list[SubmissionOutcome]
) -> list[AdviceItem]:
    """One advice item per submitted batch, addressed to the interchange its data came from."""
    items: list[AdviceItem] = []
    for outcome in outcomes:
        state = outcome.state
        accepted = outcome.call.accepted and (
            state is None or state.status is TransactionStatus.SUCCESS
        )
        errors = outcome.call.errors + (state.errors if state else ())
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
                    errors=errors,
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
        result = FileSubmission(path, translation, requests)
        if requests:
            result.outcomes = await submitter.submit(seller, requests)
            if wait is not None:
                await submitter.wait_final(result.outcomes, timeout=wait)
            items = _advice_items(requests, result.outcomes)
            if wait is None:  # no verdict yet: only refused calls can be advised
                items = [i for i in items if not i.accepted and i.errors]
            result.advices = application_advices(items, profile.ack.positive_advice, ctx)
        if out_dir is not None:
            write_acks(result, out_dir)
        results.append(result)
    return results

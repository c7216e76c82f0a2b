"""`edigw demo`: translate the bundled samples with the demo partner and show the result."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from gateway.ack.context import AckContext
from gateway.mapping.codes import load_code_tables
from gateway.profile import PartnerProfile, load_profile

__all__ = ["run_demo", "summarize"]


def summarize(result: dict[str, Any]) -> str:
    """A few readable lines for one file's translation result."""
    verdict = "accepted" if result["accepted"] else "NOT accepted"
    lines = [f"== {result['file']} ({result['syntax'] or 'not EDI'}): {verdict}"]
    for request in result["requests"]:
        body = request["body"]
        items = body.get("shipmentStatusUpdates") or body.get("shipmentConfirmations") or []
        lines.append(f"   -> {request['operation']}: {len(items)} item(s)")
        lines.extend("      " + json.dumps(item, sort_keys=True) for item in items)
    for ack in result["acknowledgements"]:
        lines.append(f"   <- {ack['type']}: {ack['content'][:120]!r}")
    for error in result["errors"][:5]:
        where = f" at {error['segment']}" if error.get("segment") else ""
        if where and error.get("position") is not None:
            where += f" #{error['position']}"
        lines.append(f"   !! {error['code']}{where}: {error['message']}")
    if len(result["errors"]) > 5:
        lines.append(f"   !! ... and {len(result['errors']) - 5} more")
    return "\n".join(lines)


def sample_case(case: Path) -> tuple[Path, PartnerProfile, bool]:
    """A sample folder's input file, the profile its options.json asks for (partner, default
    `demo`; selling_party, ship_from, timezone overrides) and whether to add lineage."""
    options_file = case / "options.json"
    options = json.loads(options_file.read_text()) if options_file.exists() else {}
    profile = load_profile(options.get("partner", "demo"))
    update = {k: options[k] for k in ("selling_party", "ship_from", "timezone") if k in options}
    if update:
        profile = profile.model_copy(update=update)
    (source,) = [p for p in case.iterdir() if p.name.startswith("input.")]
    return source, profile, bool(options.get("lineage", False))


def run_demo(samples: Path) -> int:
    """Print, per sample, what the gateway would send and acknowledge; 0 when it ran."""
    from gateway.cli import translate_file

    cases = sorted(p for p in samples.iterdir() if p.is_dir()) if samples.is_dir() else []
    if not cases:
        print(f"no samples found under {samples}/")
        return 1
    tables = load_code_tables()
    context = AckContext()
    for case in cases:
        source, profile, _ = sample_case(case)
        out = io.StringIO()
        translate_file(source, profile, tables, context, out)
        print(summarize(json.loads(out.getvalue())))
    return 0

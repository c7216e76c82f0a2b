"""Golden samples: samples/<case>/input.* translated with the case's options.json.

`expected.json` holds the whole CLI result for the case (requests, acknowledgements, errors,
accepted) with a fixed clock and ack control numbers from 1, and `ack.edi` the first
acknowledgement's text for reading. Regenerate after an intended change with
`.venv/bin/python -m tests.golden` and review the diff like code.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.ack.context import AckContext
from gateway.cli import translate_file
from gateway.demo import sample_case
from gateway.mapping.codes import load_code_tables

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def cases() -> list[Path]:
    return sorted(p for p in SAMPLES.iterdir() if p.is_dir())


def run_case(case: Path) -> dict[str, Any]:
    source, profile, lineage = sample_case(case)
    out = io.StringIO()
    translate_file(source, profile, load_code_tables(), AckContext(now=NOW), out, lineage)
    result: dict[str, Any] = json.loads(out.getvalue())
    result["file"] = f"{case.name}/{source.name}"
    return result


def main() -> None:
    for case in cases():
        result = run_case(case)
        text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
        (case / "expected.json").write_text(text, encoding="utf-8")
        acks = result["acknowledgements"]
        ack_file = case / "ack.edi"
        if acks:
            ack_file.write_text("".join(a["content"] for a in acks), encoding="utf-8", newline="")
        elif ack_file.exists():
            ack_file.unlink()
        print(
            f"{case.name}: accepted={result['accepted']} requests={len(result['requests'])} "
            f"acks={[a['type'] for a in acks]} errors={[e['code'] for e in result['errors']]}"
        )


if __name__ == "__main__":
    main()

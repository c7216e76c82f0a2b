"""`edigw ops ...`: the ops console in a terminal, over the gateway's `/v1/ops` API.

    edigw ops search [--tracking T] [--po P] [--control C] [--partner P] [--state S]
                     [--event-state S] [--error CODE] [--transaction ID] [--since D]
                     [--until D] [--page N] [--json]
    edigw ops show FILE_ID [--json]
    edigw ops replay FILE_ID [--only-failed] [--yes] [--note WHY]

The gateway's URL comes from --url or EDIGW_URL (default http://127.0.0.1:8080), the
operator's API key from --key or EDIGW_OPS_KEY (a viewer's key reads; replay needs an
operator's). Exit 0 on success, 1 when the gateway refused (the reason is printed), 2 for
usage errors.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:  # httpx is imported by the commands that talk to a gateway: the CLI starts light
    import httpx

__all__ = ["ops_app"]

ops_app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


@ops_app.callback()
def connect(
    ctx: typer.Context,
    url: Annotated[str, typer.Option("--url", envvar="EDIGW_URL")] = "http://127.0.0.1:8080",
    key: Annotated[
        str | None, typer.Option("--key", envvar="EDIGW_OPS_KEY", help="operator API key")
    ] = None,
) -> None:
    """Talk to a running gateway (a test passes its own client as ctx.obj)."""
    if ctx.obj is None:
        import httpx

        headers = {"X-API-Key": key} if key else {}
        ctx.obj = httpx.Client(base_url=url, headers=headers, timeout=60.0)


def _call(ctx: typer.Context, method: str, path: str, **kwargs: Any) -> Any:
    import httpx

    client: httpx.Client = ctx.obj
    try:
        answer = client.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        typer.echo(f"cannot reach the gateway: {exc}", err=True)
        raise typer.Exit(1) from exc
    if answer.status_code >= 400:
        try:
            detail = answer.json().get("detail")
        except ValueError:
            detail = answer.text
        typer.echo(f"gateway answered {answer.status_code}: {detail}", err=True)
        raise typer.Exit(1)
    return answer.json()


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=False)]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


@ops_app.command()
def search(
    ctx: typer.Context,
    tracking: Annotated[str | None, typer.Option()] = None,
    po: Annotated[str | None, typer.Option()] = None,
    control: Annotated[str | None, typer.Option(help="ISA13, GS06, ST02, UNB/UNH ref")] = None,
    partner: Annotated[str | None, typer.Option()] = None,
    state: Annotated[str | None, typer.Option(help="file state")] = None,
    event_state: Annotated[str | None, typer.Option("--event-state")] = None,
    error: Annotated[str | None, typer.Option(help="error code")] = None,
    transaction: Annotated[str | None, typer.Option(help="Amazon transaction id")] = None,
    since: Annotated[str | None, typer.Option(help="received from (ISO date/time, UTC)")] = None,
    until: Annotated[str | None, typer.Option(help="received before")] = None,
    page: Annotated[int, typer.Option(min=1)] = 1,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Files matching every criterion given, newest first."""
    params = {
        "tracking": tracking,
        "po": po,
        "control": control,
        "partner": partner,
        "state": state,
        "event_state": event_state,
        "error": error,
        "transaction": transaction,
        "since": since,
        "until": until,
        "page": page,
    }
    found = _call(
        ctx, "GET", "/v1/ops/files", params={k: v for k, v in params.items() if v is not None}
    )
    if as_json:
        typer.echo(json.dumps(found, indent=2))
        return
    rows = [
        [
            f["received_at"][:19].replace("T", " "),
            f["file_id"],
            f["partner_id"],
            f["state"],
            {True: "accepted", False: "rejected", None: "-"}[f["accepted"]],
            " ".join(f"{k}:{v}" for k, v in f["events"].items()) or "-",
            ",".join(f["tracking_numbers"][:3]) or "-",
            ",".join(f["error_codes"]) or "-",
        ]
        for f in found["items"]
    ]
    header = [
        "received (UTC)",
        "file",
        "partner",
        "state",
        "verdict",
        "events",
        "tracking",
        "errors",
    ]
    typer.echo(_table(rows, header) if rows else "no files match")
    if found["has_more"]:
        typer.echo(f"more: --page {page + 1}")


def _show(detail: dict[str, Any]) -> str:
    f = detail["file"]
    out = [
        f"file {f['file_id']}  {f['name']}  partner {f['partner_id']}  {f['state']}  "
        f"{ {True: 'accepted', False: 'rejected', None: '-'}[f['accepted']] }",
        f"received {f['received_at']} over {f['transport']}, {f['syntax'] or 'not EDI'}",
    ]
    if detail["errors"]:
        out.append("\nerrors:")
        for e in detail["errors"]:
            place = f"line {e['line']} {e['segment'] or ''}" if e["line"] else "file"
            code = f" [{e['standard_code']}]" if e["standard_code"] else ""
            out.append(f"  {place} el {e['element'] or '-'}: {e['code']}{code} {e['message']}")
    paging = detail.get("paging") or {}
    left = paging.get("error_total", 0) - len(detail["errors"])
    if left > 0:  # past the page's cap, or counted only when the file was translated
        counted = paging.get("error_unlisted", 0)
        out.append(f"  ... and {left} more errors, not listed"
                   + (f" ({counted} of them counted only)" if counted else ""))  # fmt: skip
    bad = {s["number"] for s in detail["segments"] if s["errors"]}
    out.append("\nsegments:")
    for s in detail["segments"]:
        mark = ">>" if s["number"] in bad else "  "
        out.append(f"{mark}{s['number']:>5}  {s['tag']}*{'*'.join(s['elements'])}")
    if detail["events"]:
        out.append("\nevents:")
        rows = []
        for e in detail["events"]:
            call = e["call"] or {}
            rows.append(
                [
                    str(e["id"]),
                    e["purchase_order"] or "-",
                    e["tracking_number"] or "-",
                    f"{e['status'] or '-'}/{e['reason'] or '-'}",
                    e["state"],
                    str(call.get("status_code") or "-"),
                    call.get("transaction_id") or "-",
                    ",".join(x.get("code", "") for x in call.get("errors", [])) or "-",
                ]
            )
        out.append(
            _table(
                rows,
                ["id", "po", "tracking", "status", "state", "http", "transaction", "amazon errors"],
            )
        )
    if detail["acks"]:
        out.append("\nacks:")
        for a in detail["acks"]:
            out.append(
                f"  {a['type']} {a['state']} -> {a['delivered_to'] or '-'} "
                f"at {a['delivered_at'] or '-'}"
            )
    out.append("\ntimeline:")
    out.extend(f"  {t['at'][:19].replace('T', ' ')}  {t['what']}" for t in detail["timeline"])
    return "\n".join(out)


@ops_app.command()
def show(
    ctx: typer.Context,
    file_id: str,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A file: errors at their segments, raw segments (faulty ones marked >>), events with
    their API calls, acks and the timeline."""
    detail = _call(ctx, "GET", f"/v1/ops/files/{file_id}")
    typer.echo(json.dumps(detail, indent=2) if as_json else _show(detail))


def _diff(diff: dict[str, Any]) -> str:
    out = [f"replay of {diff['file_id']} with code-table overrides v{diff['override_version']}"]
    for o in diff["new_overrides"]:
        out.append(
            f"  new override v{o['version']}: {o['syntax']} {o['status']}/"
            f"{o['reason'] or 'any'} -> {o['event']} ({o['created_by']})"
        )
    out.extend(f"  still wrong: {e}" for e in diff["errors"])
    for item in diff["events"]:
        first = (
            f"event {item['original_event']} {item['original_state']}"
            if item["original_event"]
            else "new"
        )
        out.append(f"{item['change']:>8}  {item['key']}  ({first})")
        for field in item["fields"]:
            out.append(f"          {field['path']}: {field['before']!r} -> {field['after']!r}")
    out.append(f"{diff['failed_events']} event(s) of the first run did not succeed")
    return "\n".join(out)


@ops_app.command()
def replay(
    ctx: typer.Context,
    file_id: str,
    only_failed: Annotated[
        bool, typer.Option("--only-failed", help="resend only the events that did not succeed")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask")] = False,
    note: Annotated[str, typer.Option("--note", help="why (kept with the action)")] = "",
) -> None:
    """Show what a replay would send (field by field against the first run), then replay."""
    diff = _call(ctx, "GET", f"/v1/ops/files/{file_id}/replay-preview")
    typer.echo(_diff(diff))
    if not yes and not typer.confirm("replay now?", default=False):
        typer.echo("not replayed")
        raise typer.Exit(1)
    done = _call(
        ctx,
        "POST",
        f"/v1/ops/files/{file_id}/replay",
        json={"only_failed": only_failed, "note": note},
    )
    typer.echo(f"replayed as file {done['file_id']}")

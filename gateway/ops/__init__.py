"""Ops: what the console, /v1/ops and `edigw ops` show and do (views, actions, replay diffs)."""

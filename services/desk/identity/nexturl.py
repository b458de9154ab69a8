"""Where a login goes on to: a desk path, or a page under a known address; nothing else."""

from __future__ import annotations

from urllib.parse import urlsplit


def _under(target: str, base_url: str) -> bool:
    base, got = urlsplit(base_url.rstrip("/")), urlsplit(target)
    return bool(
        base.scheme
        and got.scheme == base.scheme
        and got.netloc == base.netloc
        and not got.username
        and not got.password
        and (got.path == base.path or got.path.startswith(base.path.rstrip("/") + "/"))
    )


def safe_next(target: str | None, *bases: str) -> str:
    """`target` if it is a local path or lies under one of `bases` (the desk's and intake's
    addresses); otherwise "/". A login link must never bounce a person to another site."""
    if not target or "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return "/"
    if target.startswith("/"):
        return "/" if target.startswith("//") else target
    return target if any(_under(target, b) for b in bases if b) else "/"

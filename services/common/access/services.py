"""Service-to-service credentials: each service its own bearer token, callees keep hashes."""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request

from services.common.access.principal import Kind, Principal
from services.common.settings import CommonSettings

ACTOR_HEADER = "X-Minhu-Actor"


class ServiceTokens:
    """Recognises `Authorization: Bearer <token>` of a known calling service."""

    def __init__(self, keys: dict[str, str]) -> None:
        self.keys = {name: bytes.fromhex(digest) for name, digest in keys.items()}

    @classmethod
    def from_settings(cls, common: CommonSettings) -> ServiceTokens:
        return cls(common.caller_keys())

    async def __call__(self, request: Request) -> Principal | None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        digest = hashlib.sha256(token.encode()).digest()
        for name, known in self.keys.items():
            if hmac.compare_digest(digest, known):
                actor = request.headers.get(ACTOR_HEADER, "")[:64]
                return Principal(Kind.SERVICE, name=name, acting_for=actor)
        return None

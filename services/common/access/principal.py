"""Who is making a request: a person, a calling service, an API client, or nobody."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    PERSON = "person"
    SERVICE = "service"
    CLIENT = "client"
    ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Principal:
    """The caller of one request, as the authenticators established it.

    `name` is the login (person), the service name (service) or the client id (client);
    `csrf` is the token a person's session expects on state-changing requests.
    """

    kind: Kind
    name: str = ""
    role: str = ""
    unit_id: str = ""
    display_name: str = ""
    scopes: frozenset[str] = field(default_factory=frozenset)
    csrf: str = ""
    session_id: str = ""
    # A service calling on behalf of a person names them (X-Minhu-Actor); sla checks it.
    acting_for: str = ""

    @property
    def is_person(self) -> bool:
        return self.kind is Kind.PERSON


ANONYMOUS = Principal(Kind.ANONYMOUS)

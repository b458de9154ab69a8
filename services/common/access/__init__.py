"""Who may see and do what: roles, principals, route rules and their guard."""

from services.common.access.guard import (
    CSRF_FIELD,
    CSRF_HEADER,
    Guard,
    NeedsLogin,
    allow,
    principal_of,
    public,
    rule_of,
)
from services.common.access.principal import ANONYMOUS, Kind, Principal
from services.common.access.roles import PHONE_ROLES, ROLE_LABELS, ROLES
from services.common.access.rules import Rule

__all__ = [
    "ANONYMOUS",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "PHONE_ROLES",
    "ROLES",
    "ROLE_LABELS",
    "Guard",
    "Kind",
    "NeedsLogin",
    "Principal",
    "Rule",
    "allow",
    "principal_of",
    "public",
    "rule_of",
]

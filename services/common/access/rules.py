"""A rule for every route: who may call it. Pure data, checked by `guard.Guard`.

Routes declare their rule with `Depends(allow(...))` (or `public()`); the access-matrix test
reads the rules back from each app's routes, so a route without one is caught.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.common.access.principal import Kind, Principal
from services.common.access.roles import ROLE_LABELS


@dataclass(frozen=True)
class Rule:
    """People by role, services by name, API clients by scope; or anyone (public)."""

    roles: frozenset[str] = frozenset()
    callers: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    public: bool = False
    # Pages answer an anonymous visitor with a redirect to the login page, not a 401.
    page: bool = False

    def admits(self, who: Principal) -> bool:
        """Whether this principal may call the route."""
        if self.public:
            return True
        if who.kind is Kind.PERSON:
            return who.role in self.roles
        if who.kind is Kind.SERVICE:
            return who.name in self.callers
        if who.kind is Kind.CLIENT:
            return bool(self.scopes & who.scopes)
        return False

    def refusal(self, who: Principal) -> str:
        """The Chinese reason this principal is refused (call only when not admitted)."""
        if who.kind is Kind.PERSON:
            label = ROLE_LABELS.get(who.role, who.role)
            return f"您的角色（{label}）无权使用此功能。"
        if who.kind is Kind.SERVICE:
            return f"服务 {who.name} 无权调用此接口。"
        if who.kind is Kind.CLIENT:
            need = "、".join(sorted(self.scopes)) or "（仅限内部）"
            return f"该 API 密钥没有此接口所需的权限：{need}。"
        return "请先登录，或提供有效的凭证。"

"""Every route of the desk declares who may call it, and the people's parts go to the roles
the desk names (pages by role; the services' API by calling service)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi.routing import APIRoute

from services.common.access import Guard, Rule, rule_of
from services.common.settings import CommonSettings
from services.desk.app import create_app
from services.desk.settings import DeskSettings


def rules(routes: list[Any], inherited: Rule | None = None) -> Iterator[tuple[str, Rule | None]]:
    """(path, rule) of every API route, through included routers and their dependencies."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route.path, rule_of(route) or inherited
        elif hasattr(route, "original_router"):  # an included router (FastAPI >= 0.120)
            context = route.include_context
            guards = [d.dependency for d in context.dependencies]
            found = next((g.rule for g in guards if isinstance(g, Guard)), inherited)
            for path, rule in rules(route.original_router.routes, found):
                yield context.prefix + path, rule


def desk_rules() -> dict[str, Rule | None]:
    app = create_app(CommonSettings(), DeskSettings())
    return dict(rules(app.routes))


def test_every_desk_route_carries_a_guard() -> None:
    missing = sorted(path for path, rule in desk_rules().items() if rule is None)
    assert missing == []


def test_people_and_services_reach_only_their_parts() -> None:
    found = desk_rules()
    for path in ("/login", "/logout", "/", "/healthz"):
        assert found[path] is not None and found[path].public, path
    assert found["/v1/sessions/current"] == Rule(callers=frozenset({"intake"}))
    assert found["/v1/users/{username}"] == Rule(callers=frozenset({"sla"}))
    assert (
        found["/v1/cases/{case_no}/record"].callers
        and not found["/v1/cases/{case_no}/record"].roles
    )
    admin = found["/admin/users"]
    assert admin.roles == {"admin"} and admin.page
    for path in ("/search", "/cases/{case_no}"):
        assert "operator" in found[path].roles and "auditor" not in found[path].roles
    for path in ("/queue", "/ui/cases/{case_no}/act/{action:path}", "/map", "/reports"):
        assert not {"operator", "auditor"} & found[path].roles, path

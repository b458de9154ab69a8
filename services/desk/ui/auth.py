"""The signed-in person of a request, and which roles use which parts of the desk.

Every route carries a Guard (services.common.access); the session cookie is recognised by
services/desk/identity/web.py. Pages and the UI's API read the person from the principal
the Guard established.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from services.common.access import Principal, principal_of
from services.common.access.roles import (
    ADMIN,
    AUDITOR,
    DISPATCHER,
    GRID_WORKER,
    HANDLER,
    OPERATOR,
    SUPERVISOR,
)
from services.desk.ui.users import User

# Who uses which part of the desk (cases are then limited by unit and jurisdiction).
STAFF = (OPERATOR, DISPATCHER, HANDLER, SUPERVISOR, ADMIN, GRID_WORKER)  # search, case pages
WORKERS = (DISPATCHER, HANDLER, SUPERVISOR, ADMIN, GRID_WORKER)  # the queue, actions on cases
PATROLLERS = (GRID_WORKER,)  # patrol reports (巡查上报) and visits (走访)
OVERSEERS = (SUPERVISOR, DISPATCHER, ADMIN)  # the situation map, reports
DISPATCHERS = (DISPATCHER, ADMIN)  # manual dispatch
SUPERVISORS = (SUPERVISOR, ADMIN)  # bounce arbitration
ADMINS = (ADMIN,)  # accounts
EVERYONE = (*STAFF, AUDITOR)


def user_of(who: Principal) -> User:
    """The person of a principal as pages use them."""
    return User(who.name, who.display_name or who.name, who.unit_id, who.role)


def viewer(request: Request) -> User:
    """The signed-in person of a request whose Guard has admitted a person."""
    who: Principal | None = getattr(request.state, "principal", None)
    if who is None or not who.is_person:
        raise HTTPException(401, {"code": "login_required", "message": "请先登录"})
    return user_of(who)


async def signed_in(request: Request) -> User:
    """The person of an API call; 401 with a Chinese message if nobody is signed in."""
    await principal_of(request)
    return viewer(request)


def csrf_of(request: Request) -> str:
    """The CSRF token of the request's session ("" for nobody)."""
    who: Principal | None = getattr(request.state, "principal", None)
    return who.csrf if who is not None else ""


Viewer = Annotated[User, Depends(signed_in)]

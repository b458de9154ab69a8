"""Grid workers (网格员) may hold accounts; their visits (走访): an append-only log.

Revision ID: desk_0007_grid
Revises: desk_0006_files
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "desk_0007_grid"
down_revision: str | None = "desk_0006_files"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = (
    """CREATE FUNCTION grid_visits_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'grid_visits is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$""",
    """CREATE TRIGGER grid_visits_no_update BEFORE UPDATE OR DELETE ON grid_visits
  FOR EACH ROW EXECUTE FUNCTION grid_visits_append_only()""",
)


ROLES = ("operator", "dispatcher", "handler", "supervisor", "admin", "auditor")


def _role_check(roles: tuple[str, ...]) -> None:
    op.drop_constraint("ck_users_role", "users", type_="check")
    listed = ", ".join(f"'{r}'" for r in roles)
    op.create_check_constraint("ck_users_role", "users", f"role IN ({listed})")


def upgrade() -> None:
    _role_check((*ROLES, "grid_worker"))
    op.create_table(
        "grid_visits",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("grid_code", sa.String(64), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_grid_visits_user_at", "grid_visits", ["username", "at"])
    op.create_index("ix_grid_visits_at", "grid_visits", ["at"])
    for statement in APPEND_ONLY:
        op.execute(statement)


def downgrade() -> None:
    op.execute("UPDATE users SET active = false, role = 'handler' WHERE role = 'grid_worker'")
    _role_check(ROLES)
    op.drop_table("grid_visits")
    op.execute("DROP FUNCTION IF EXISTS grid_visits_append_only()")

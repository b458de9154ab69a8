"""Callers sealed at rest (name and number in one token, the number's blind index beside it),
their pseudonymisation mark, and the access audit (append-only, enforced by a trigger).

Existing plain names and numbers are sealed under MINHU_PII_KEYS (the local key when unset)
and the plain columns dropped.

Revision ID: desk_0003
Revises: desk_0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.common.pii import Caller, Sealer
from services.common.settings import CommonSettings

revision: str = "desk_0003"
down_revision: str | None = "desk_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
# Raised for any change to a written audit row, whoever asks: the audit is kept as written.
APPEND_ONLY = (
    """CREATE FUNCTION access_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'access_audit is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$""",
    """CREATE TRIGGER access_audit_no_update BEFORE UPDATE OR DELETE ON access_audit
  FOR EACH ROW EXECUTE FUNCTION access_audit_append_only()""",
    """CREATE TRIGGER access_audit_no_truncate BEFORE TRUNCATE ON access_audit
  FOR EACH STATEMENT EXECUTE FUNCTION access_audit_append_only()""",
)


def _seal_existing(sealer: Sealer) -> None:
    bind = op.get_bind()
    plain = sa.text(
        "SELECT case_no, caller_name, caller_phone FROM record_callers"
        " WHERE case_no > :last AND (caller_name <> '' OR caller_phone <> '')"
        " ORDER BY case_no LIMIT :n"
    )
    update = sa.text(
        "UPDATE record_callers SET caller_sealed = :sealed, caller_ref = :ref"
        " WHERE case_no = :case_no"
    )
    last = ""
    while True:
        rows = bind.execute(plain, {"last": last, "n": BATCH}).all()
        if not rows:
            return
        bind.execute(
            update,
            [
                {
                    "case_no": r.case_no,
                    "sealed": sealer.seal(Caller(r.caller_name, r.caller_phone)),
                    "ref": sealer.index(r.caller_phone),
                }
                for r in rows
            ],
        )
        last = rows[-1].case_no


def upgrade() -> None:
    op.add_column(
        "record_callers", sa.Column("caller_sealed", sa.Text, nullable=False, server_default="")
    )
    op.add_column(
        "record_callers",
        sa.Column("caller_ref", sa.String(80), nullable=False, server_default=""),
    )
    op.add_column(
        "record_callers",
        sa.Column("pseudonymised_at", sa.DateTime(timezone=True), nullable=True),
    )
    _seal_existing(Sealer.from_settings(CommonSettings()))
    op.drop_index("ix_record_callers_phone", table_name="record_callers")
    op.drop_column("record_callers", "caller_name")
    op.drop_column("record_callers", "caller_phone")
    op.create_index("ix_record_callers_ref", "record_callers", ["caller_ref"])

    op.create_table(
        "access_audit",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False, server_default=""),
        sa.Column("case_no", sa.String(20), nullable=False),
        sa.Column("what", sa.String(32), nullable=False),
        sa.Column("route", sa.String(32), nullable=False),
        sa.Column("client", sa.String(64), nullable=False, server_default=""),
        sa.Column("user_agent", sa.String(256), nullable=False, server_default=""),
    )
    op.create_index("ix_access_audit_at", "access_audit", ["at"])
    op.create_index("ix_access_audit_user", "access_audit", ["username", "at"])
    op.create_index("ix_access_audit_case", "access_audit", ["case_no", "at"])
    for statement in APPEND_ONLY:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE access_audit")
    op.execute("DROP FUNCTION access_audit_append_only()")
    op.add_column(
        "record_callers",
        sa.Column("caller_name", sa.String(64), nullable=False, server_default=""),
    )
    op.add_column(
        "record_callers",
        sa.Column("caller_phone", sa.String(32), nullable=False, server_default=""),
    )
    sealer = Sealer.from_settings(CommonSettings())
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT case_no, caller_sealed FROM record_callers"
            " WHERE caller_sealed <> '' AND pseudonymised_at IS NULL"
        )
    ).all()
    for r in rows:
        caller = sealer.open(r.caller_sealed)
        bind.execute(
            sa.text(
                "UPDATE record_callers SET caller_name = :name, caller_phone = :phone"
                " WHERE case_no = :case_no"
            ),
            {"name": caller.name, "phone": caller.phone, "case_no": r.case_no},
        )
    op.drop_index("ix_record_callers_ref", table_name="record_callers")
    op.drop_column("record_callers", "pseudonymised_at")
    op.drop_column("record_callers", "caller_ref")
    op.drop_column("record_callers", "caller_sealed")
    op.create_index("ix_record_callers_phone", "record_callers", ["caller_phone"])

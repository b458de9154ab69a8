"""The tables of people's accounts, sessions and failed logins (migration desk_0002)."""

from __future__ import annotations

import sqlalchemy as sa

from services.desk.tables import metadata

# One row per person who may sign in; never deleted (records name them), only disabled.
users = sa.Table(
    "users",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("unit_id", sa.String(64), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    # argon2id (pwdlib); empty for an account that signs in only through single sign-on.
    sa.Column("password_hash", sa.Text, nullable=False, server_default=""),
    sa.Column("active", sa.Boolean, nullable=False, server_default="true"),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column(
        "password_changed_at",
        sa.DateTime(timezone=True),
        nullable=False,
        server_default=sa.func.now(),
    ),
    # Added by desk_0010_people: the head of a unit assigns its cases to its people (承办人);
    # each person may name a backup (AB岗) of their unit, who takes their cases while away.
    sa.Column("unit_head", sa.Boolean, nullable=False, server_default="false"),
    sa.Column("backup", sa.String(64), nullable=False, server_default=""),
    sa.Column("away", sa.Boolean, nullable=False, server_default="false"),
)

# A signed-in browser. `id` is the SHA-256 (hex) of the cookie's random token: the database
# never holds a token that would open a session.
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(64), sa.ForeignKey("users.username"), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.Column("address", sa.String(64), nullable=False, server_default=""),
    sa.Index("ix_sessions_username", "username"),
)

# Failed logins, by the username tried (known or not) and by the client address; the
# throttle counts the recent ones. `kind` is "user" or "address".
login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("key", sa.String(128), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_login_failures_key", "kind", "key", "at"),
)

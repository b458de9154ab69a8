"""Manage the desk's accounts from a shell (the first admin, before anyone can sign in).

    python -m services.desk.identity create-admin --username admin --name 管理员 --unit U-D01-DBZX
    python -m services.desk.identity add-user --username liuan --name 王网格员 \
        --unit U-D01-T01-V01 --role handler
    python -m services.desk.identity set-password liuan
    python -m services.desk.identity disable liuan      (enable liuan)
    python -m services.desk.identity list

Passwords are read from a prompt, or from standard input when it is not a terminal (one
line); never from the command line, where they would stay in the shell's history.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import Any

from services.common.access.roles import ADMIN, ROLE_LABELS, ROLES
from services.common.db import command_sessions, migrate
from services.common.jurisdiction import Directory
from services.common.runtime import SERVICES_DIR
from services.common.settings import CommonSettings
from services.desk.identity.passwords import weakness
from services.desk.identity.service import Identity
from services.desk.identity.tables import users as _users  # noqa: F401  (registers the tables)
from services.desk.settings import DeskSettings
from services.desk.tables import metadata
from services.desk.ui.users import User


def read_password(prompt: str = "新密码: ") -> str:
    """A new password from the terminal (asked twice) or one line of standard input."""
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(prompt)
        if getpass.getpass("再输入一次: ") != password:
            raise SystemExit("两次输入的密码不一致")
    problem = weakness(password)
    if problem:
        raise SystemExit(problem)
    return password


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m services.desk.identity", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)
    for name, helptext in (
        ("create-admin", "the first admin account (refused once an admin exists)"),
        ("add-user", "a new account"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--username", required=True)
        p.add_argument("--name", required=True)
        p.add_argument("--unit", required=True, help="unit id from the jurisdiction directory")
        if name == "add-user":
            p.add_argument("--role", required=True, choices=ROLES)
    for name in ("set-password", "disable", "enable"):
        sub.add_parser(name).add_argument("username")
    sub.add_parser("list", help="every account")
    return top


async def run(args: argparse.Namespace, identity: Identity, directory: Directory) -> int:
    units = {u.id for u in directory.units}
    if args.command in ("create-admin", "add-user"):
        role = ADMIN if args.command == "create-admin" else args.role
        if args.unit not in units:
            print(f"未知单位：{args.unit}", file=sys.stderr)
            return 2
        if args.command == "create-admin" and any(
            a.user.role == ADMIN for a in await identity.accounts()
        ):
            print("已有管理员账号；请用 add-user --role admin 添加更多管理员", file=sys.stderr)
            return 1
        user = User(args.username.strip().lower(), args.name.strip(), args.unit, role)
        if not await identity.add(user, read_password()):
            print(f"账号已存在：{user.username}", file=sys.stderr)
            return 1
        print(f"已创建 {user.username}（{ROLE_LABELS[role]}）")
        return 0
    if args.command == "set-password":
        if not await identity.set_password(args.username, read_password()):
            print(f"未找到账号：{args.username}", file=sys.stderr)
            return 1
        print(f"已更新 {args.username} 的密码，其登录会话已全部失效")
        return 0
    if args.command in ("disable", "enable"):
        if not await identity.set_active(args.username, args.command == "enable"):
            print(f"未找到账号：{args.username}", file=sys.stderr)
            return 1
        print(f"已{'启用' if args.command == 'enable' else '停用'} {args.username}")
        return 0
    for a in await identity.accounts():
        u = a.user
        state = "启用" if a.active else "停用"
        print(f"{u.username}\t{u.name}\t{u.unit_id}\t{ROLE_LABELS.get(u.role, u.role)}\t{state}")
    return 0


async def main_async(args: argparse.Namespace, common: CommonSettings, own: DeskSettings) -> int:
    async with command_sessions(common.database_url(own.database)) as sessions:
        identity: Any = Identity(sessions, own.policy(common.env))
        return await run(args, identity, Directory.from_file(own.directory_file))


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    common, own = CommonSettings(), DeskSettings()
    url = common.database_url(own.database)
    migrate(url, SERVICES_DIR / "desk" / "migrations" / "versions", metadata)
    return asyncio.run(main_async(args, common, own))


if __name__ == "__main__":
    raise SystemExit(main())

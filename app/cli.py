"""Operator commands: `python -m app.cli users create NAME --admin`, `models pull ID`, `kb eval ...`, `migrate`.

`models` and `kb` run worker code (torch) in a child process (`WORKER_COMMANDS`).
"""

import argparse
import getpass
import os
import subprocess
import sys

from pydantic import ValidationError


def _create_user(args: argparse.Namespace) -> int:
    from app.core.security import hash_password
    from app.kernel.db import sync_session_factory
    from app.kernel.models import User
    from app.kernel.schemas.user import UserCreate
    from app.kernel.settings import get_settings

    password = args.password or os.environ.get("LOCALMIND_PASSWORD") or getpass.getpass("Password: ")
    try:
        data = UserCreate(username=args.username, email=args.email, password=password)
    except ValidationError as exc:
        for error in exc.errors():
            print(f"error: {'.'.join(map(str, error['loc']))}: {error['msg']}", file=sys.stderr)
        return 2
    with sync_session_factory(get_settings().database_url)() as session:
        taken = session.query(User).filter((User.username == data.username) | (User.email == data.email)).first()
        if taken is not None:
            print(f"error: username or email already registered ({taken.username})", file=sys.stderr)
            return 1
        session.add(
            User(
                username=data.username,
                email=data.email.lower(),
                password_hash=hash_password(data.password),
                role="admin" if args.admin else "user",
            )
        )
        session.commit()
    print(f"created {'admin' if args.admin else 'user'} {data.username}")
    return 0


def _migrate(_args: argparse.Namespace) -> int:
    from app.core.migrations import upgrade_head
    from app.kernel.settings import get_settings

    upgrade_head(get_settings().database_url)
    print("database is at the newest migration")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app.cli", description="LocalMind operator commands")
    groups = parser.add_subparsers(dest="group", required=True)

    users = groups.add_parser("users", help="manage accounts").add_subparsers(dest="command", required=True)
    create = users.add_parser("create", help="create an account (the password is asked for unless given)")
    create.add_argument("username")
    create.add_argument("--email", required=True)
    create.add_argument("--password", help="or set LOCALMIND_PASSWORD; prompted when neither is given")
    create.add_argument("--admin", action="store_true", help="make the account an administrator")
    create.set_defaults(func=_create_user)

    groups.add_parser("migrate", help="alembic upgrade head").set_defaults(func=_migrate)
    groups.add_parser("models", help="list, pull and convert models (see `models --help`)", add_help=False)
    groups.add_parser("kb", help="knowledge-base tools: `kb eval --kb ID --golden FILE`", add_help=False)
    return parser


WORKER_COMMANDS = {"models": ("worker.engine.cli", 0), "kb": ("worker.jobs.knowledge.eval_cli", 2)}
"""Commands that run worker code (torch): each runs as `python -m <module>` in a process of its own, so `app`
never imports `worker` (import-linter enforces it). The number is how many leading words the module drops."""


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in WORKER_COMMANDS and (argv[0] != "kb" or argv[1:2] == ["eval"]):
        module, drop = WORKER_COMMANDS[argv[0]]
        return subprocess.run([sys.executable, "-m", module, *argv[drop:]], check=False).returncode
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

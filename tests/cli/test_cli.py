"""The operator CLI creates admins and runs migrations against the configured database."""

import subprocess
import sys

from sqlalchemy import create_engine, text

from app.kernel.settings import PROJECT_ROOT


def run_cli(env: dict, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=PROJECT_ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_migrate_then_create_admin(tmp_path):
    import os

    db = tmp_path / "cli.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "MODEL_STORE_DIR": str(tmp_path)}
    assert run_cli(env, "migrate").returncode == 0
    created = run_cli(env, "users", "create", "boss", "--email", "boss@x.io", "--admin", "--password", "s3cret-pass")
    assert created.returncode == 0, created.stderr
    again = run_cli(env, "users", "create", "boss", "--email", "b2@x.io", "--password", "s3cret-pass")
    assert again.returncode == 1 and "already registered" in again.stderr
    weak = run_cli(env, "users", "create", "weak", "--email", "w@x.io", "--password", "short")
    assert weak.returncode == 2 and "password" in weak.stderr
    with create_engine(f"sqlite:///{db}").connect() as connection:
        rows = connection.execute(text("SELECT username, role FROM users")).all()
    assert rows == [("boss", "admin")]

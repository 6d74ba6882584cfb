"""A real PostgreSQL server for the tests: Debian's ``postgresql`` package, started in a
temporary folder on a free loopback port and stopped at the end of the session.

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user
that the package creates (``runuser``). ``make test`` installs the package when it is
missing and it may (root); without it the PostgreSQL half of the tests skips, saying why.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def postgres_bin() -> Path | None:
    """The folder of initdb and pg_ctl: Debian's newest installed version, else PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _version(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    def add_role(self, name: str, password: str, database: str) -> None:
        """A role that must log in with ``password`` (SCRAM over TCP, where every other
        role is trusted), and a database ``database`` it owns."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(name), sql.Literal(password)
                )
            )
            connection.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(database), sql.Identifier(name)
                )
            )
            (hba_file,) = connection.execute("SHOW hba_file").fetchone() or ("",)
            rules = Path(hba_file).read_text("utf-8")
            # First match wins: this line before the initdb's "trust" for everyone.
            rule = f"host all {name} 127.0.0.1/32 scram-sha-256\n"
            Path(hba_file).write_text(rule + rules, "utf-8")
            connection.execute("SELECT pg_reload_conf()")
        # The postmaster rereads the file after the call returns: wait until it asks.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                psycopg.connect(f"postgresql://{name}@{self.host}:{self.port}/{database}").close()
            except psycopg.OperationalError:
                return
            time.sleep(0.05)
        raise AssertionError(f"PostgreSQL still lets {name} in without a password")

    def create_database(self, name: str) -> str:
        """A new, empty database; its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise FileNotFoundError("initdb")
    as_user: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="polbot-pg-"))
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(base, account.pw_uid, account.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data = base / "data"
    try:
        subprocess.run(
            [*as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
             "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"],
            check=True, capture_output=True,
        )  # fmt: skip
        port = _free_port()
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={base} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        subprocess.run(
            [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(base / "log"),
             "-o", options, "-w", "-t", "60", "start"],
            check=True, capture_output=True,
        )  # fmt: skip
        try:
            yield PostgresServer("127.0.0.1", port, "postgres")
        finally:
            subprocess.run(
                [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                check=False, capture_output=True,
            )  # fmt: skip
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])

"""A throwaway PostgreSQL cluster for tests and benchmarks: initdb and pg_ctl in a temporary
folder, listening on 127.0.0.1 on a free port (and a Unix socket in that folder), removed by
``close``.

PostgreSQL refuses to run as root (CI runs as root), so under root every server command runs
as the unprivileged ``nobody`` through ``setpriv``, in a folder that user owns.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

NOBODY = 65534
SEARCH = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin")
USER = "talks"


class ClusterError(Exception):
    pass


def find_bin() -> Path | None:
    """The folder holding initdb and pg_ctl, or None where PostgreSQL is not installed."""
    for folder in SEARCH:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"]


class Cluster:
    """``start()`` makes and starts it; ``stop()``/``start()`` restart it on the same port;
    ``close()`` stops it and deletes its folder. Every server command is bounded."""

    def __init__(self, *, fast: bool = True) -> None:
        bin_dir = find_bin()
        if bin_dir is None:
            raise ClusterError("PostgreSQL is not installed (no initdb/pg_ctl)")
        self.bin = bin_dir
        self.fast = fast  # fsync off: a test cluster need not survive a power cut
        self.folder = Path(tempfile.mkdtemp(prefix="talks-pg-"))
        os.chmod(self.folder, 0o755)
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = _free_port()
        self.password = secrets.token_urlsafe(12)
        self._made = False
        if os.geteuid() == 0:
            os.chown(self.folder, NOBODY, NOBODY)

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        result = subprocess.run(
            [*_as_server_user(), *args], capture_output=True, text=True, timeout=timeout,
            env=env, cwd=self.folder,
        )  # fmt: skip
        if result.returncode != 0:
            raise ClusterError(f"{Path(args[0]).name} failed: {result.stderr or result.stdout}")
        return result

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def start(self) -> Cluster:
        if not self._made:
            pwfile = self.folder / "pw"
            pwfile.write_text(self.password + "\n")
            if os.geteuid() == 0:
                os.chown(pwfile, NOBODY, NOBODY)
            self._run(
                str(self.bin / "initdb"), "-D", str(self.data), "-U", USER, "--pwfile", str(pwfile),
                "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--locale=C",
                "--no-sync",
            )  # fmt: skip
            pwfile.unlink()
            self._made = True
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder}"
        if self.fast:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
            "-w", "-t", "60", "start",
        )  # fmt: skip
        return self

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: disconnects clients, as an operator's restart does)."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60",
                  "stop")  # fmt: skip

    def running(self) -> bool:
        result = subprocess.run(
            [*_as_server_user(), str(self.bin / "pg_ctl"), "-D", str(self.data), "status"],
            capture_output=True, timeout=30,
        )  # fmt: skip
        return result.returncode == 0

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL as the cluster's superuser over the Unix socket; returns the output."""
        psql = shutil.which("psql") or str(self.bin / "psql")
        return self._run(
            psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", str(self.folder),
            "-p", str(self.port), "-U", USER, "-d", database, "-c", sql, timeout=120,
        ).stdout  # fmt: skip

    def close(self) -> None:
        try:
            if self._made and self.running():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

"""A private CUPS scheduler for tests: Debian's cupsd with its own configuration.

Not the system's cupsd: its own configuration, spool, cache, state and log folders in a
temporary folder, listening on a free port of 127.0.0.1 only, run in the foreground (-f) as
a child process and stopped (then its folder removed) by ``stop()``. Queues are added with
the real ``lpadmin`` against that port. Clients reach it through ``CUPS_SERVER``
(``env``), which libcups, and so pycups and python-escpos's CupsPrinter, read.

Run as root, cupsd starts its backends (socket://) as the user ``lp``: the folder is made
world-searchable, since pytest's own temporary folders are private to root.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from .live import free_port
from .ports import listens_on

CUPSD = "/usr/sbin/cupsd"
LPADMIN = "/usr/sbin/lpadmin"
LPSTAT = "/usr/bin/lpstat"

CUPSD_CONF = """\
Listen 127.0.0.1:{port}
LogLevel info
Browsing No
WebInterface No
DefaultAuthType None
JobRetryInterval 1
<Location />
  Order allow,deny
  Allow from 127.0.0.1
</Location>
<Location /admin>
  Order allow,deny
  Allow from 127.0.0.1
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""

CUPS_FILES_CONF = """\
ServerRoot {root}
RequestRoot {root}/spool
TempDir {root}/spool/tmp
CacheDir {root}/cache
StateDir {root}/state
ErrorLog {root}/log/error_log
AccessLog {root}/log/access_log
PageLog {root}/log/page_log
{user}
"""


def missing() -> str | None:
    """Why a private cupsd cannot run here, or None."""
    for path in (CUPSD, LPADMIN, LPSTAT):
        if not os.access(path, os.X_OK):
            return f"{path} is missing (Debian package cups; scripts/system-deps.sh)"
    return None


class PrivateCups:
    """``cupsd -f`` on a free loopback port with everything under one temporary folder."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="mpp-cups-"))
        self.root.chmod(0o755)
        for sub in ("spool/tmp", "cache", "state", "log"):
            (self.root / sub).mkdir(parents=True)
        self.port = free_port()
        self.server = f"127.0.0.1:{self.port}"
        if os.geteuid() == 0:
            user = ""  # cupsd's defaults: backends run as lp
        else:
            # an unprivileged cupsd runs everything as its own user
            user = (f"User {pwd.getpwuid(os.geteuid()).pw_name}\n"
                    f"Group {grp.getgrgid(os.getegid()).gr_name}")
        (self.root / "cupsd.conf").write_text(CUPSD_CONF.format(port=self.port))
        (self.root / "cups-files.conf").write_text(
            CUPS_FILES_CONF.format(root=self.root, user=user))
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        """The environment that sends libcups clients (lpadmin, pycups) to this cupsd."""
        return {"CUPS_SERVER": self.server}

    @property
    def error_log(self) -> str:
        path = self.root / "log" / "error_log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self, timeout: float = 20) -> PrivateCups:
        self.proc = subprocess.Popen(
            [CUPSD, "-f", "-c", str(self.root / "cupsd.conf"),
             "-s", str(self.root / "cups-files.conf")],
            stdout=subprocess.DEVNULL, stderr=open(self.root / "cupsd.out", "wb"),  # noqa: SIM115
            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"cupsd exited with {self.proc.returncode}: "
                                   f"{(self.root / 'cupsd.out').read_text()}"
                                   f"{self.error_log[-2000:]}")
            r = subprocess.run([LPSTAT, "-h", self.server, "-r"], capture_output=True,
                               text=True, timeout=10)
            if r.returncode == 0 and "is running" in r.stdout:
                # the port was free when picked; the cupsd answering must be this one
                if not listens_on(self.proc.pid, self.port):
                    raise RuntimeError(f"another process answers on {self.server}")
                return self
            time.sleep(0.1)
        raise RuntimeError(f"cupsd did not answer on {self.server}: {self.error_log[-2000:]}")

    def lpadmin(self, *args: str) -> str:
        r = subprocess.run([LPADMIN, "-h", self.server, *args], capture_output=True,
                           text=True, timeout=30)
        if r.returncode != 0:
            raise RuntimeError(f"lpadmin {' '.join(args)}: {r.stderr}")
        return r.stderr

    def add_raw_queue(self, name: str, device_uri: str) -> None:
        """A raw queue (no model, no filter): the job's bytes go to the device unchanged."""
        self.lpadmin("-p", name, "-E", "-v", device_uri)

    def disable(self, queue: str, reason: str) -> None:
        """``cupsdisable``: the queue stops (jobs are kept, none is sent)."""
        subprocess.run(["/usr/sbin/cupsdisable", "-h", self.server, "-r", reason, queue],
                       check=True, timeout=30)

    def enable(self, queue: str) -> None:
        subprocess.run(["/usr/sbin/cupsenable", "-h", self.server, queue], check=True,
                       timeout=30)

    def lpstat(self, *args: str) -> str:
        return subprocess.run([LPSTAT, "-h", self.server, *args], capture_output=True,
                              text=True, timeout=30).stdout

    def stop(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
            self.proc = None
        shutil.rmtree(self.root, ignore_errors=True)

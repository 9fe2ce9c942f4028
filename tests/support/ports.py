"""Who listens on a loopback TCP port: for a server that cannot bind port 0 and name the port
itself (cupsd is given one in its configuration), the test checks that the process answering
there is the one it started, not another that took the port first."""

from __future__ import annotations

import os
from pathlib import Path


def listening_inodes(port: int) -> set[str]:
    """The socket inodes listening on 127.0.0.1:``port`` or on any IPv4 address."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        address, state, inode = fields[1], fields[3], fields[9]
        host, hex_port = address.split(":")
        if state == "0A" and int(hex_port, 16) == port and host in ("0100007F", "00000000"):
            found.add(inode)
    return found


def listens_on(pid: int, port: int) -> bool:
    """Whether process ``pid`` holds a socket listening on the loopback ``port``."""
    inodes = {f"socket:[{inode}]" for inode in listening_inodes(port)}
    fds = Path(f"/proc/{pid}/fd")
    for fd in fds.iterdir():
        try:
            if os.readlink(fd) in inodes:
                return True
        except OSError:  # closed meanwhile
            continue
    return False

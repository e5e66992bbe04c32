"""A throwaway OpenSSH server on loopback for the ``ssh://`` tests.

It listens on 127.0.0.1 only, accepts one generated key for root, and sets
DOCKER_HOST in the session environment so ``docker system dial-stdio`` on the
"remote" side reaches the private test daemon. The client side is the real
system ``ssh``: a wrapper first on PATH only adds ``-F`` with the test's
client config (known-hosts file, identity), exactly what a user's
~/.ssh/config would hold.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class SshServer:
    port: int
    bin_dir: Path
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"ssh://root@127.0.0.1:{self.port}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sshd(workdir: Path, docker_host: str) -> SshServer:
    sshd = shutil.which("sshd") or "/usr/sbin/sshd"
    if not Path(sshd).exists():
        raise RuntimeError("sshd not installed (Debian package openssh-server)")
    workdir.mkdir(parents=True, exist_ok=True)
    os.chmod(workdir, 0o700)
    host_key, user_key = workdir / "host_key", workdir / "user_key"
    for key in (host_key, user_key):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    authorized = workdir / "authorized_keys"
    authorized.write_text((workdir / "user_key.pub").read_text())
    os.chmod(authorized, 0o600)
    port = _free_port()
    config = workdir / "sshd_config"
    config.write_text(
        f"""ListenAddress 127.0.0.1
Port {port}
HostKey {host_key}
PidFile {workdir}/sshd.pid
AuthorizedKeysFile {authorized}
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
SetEnv DOCKER_HOST={docker_host}
"""
    )
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation directory
    process = subprocess.Popen([sshd, "-D", "-e", "-f", str(config)], stderr=open(workdir / "sshd.log", "wb"))
    host_pub = (workdir / "host_key.pub").read_text().split()
    (workdir / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_pub[0]} {host_pub[1]}\n")
    client_config = workdir / "ssh_config"
    client_config.write_text(
        f"""Host 127.0.0.1
    IdentityFile {user_key}
    IdentitiesOnly yes
    UserKnownHostsFile {workdir}/known_hosts
    StrictHostKeyChecking yes
    BatchMode yes
"""
    )
    bin_dir = workdir / "bin"
    bin_dir.mkdir(exist_ok=True)
    wrapper = bin_dir / "ssh"
    wrapper.write_text(f'#!/bin/sh\nexec {shutil.which("ssh")} -F {client_config} "$@"\n')
    wrapper.chmod(0o755)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError((workdir / "sshd.log").read_text()) from None
            time.sleep(0.05)
    return SshServer(port, bin_dir, process)

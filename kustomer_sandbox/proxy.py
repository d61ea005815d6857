"""Serve the sandbox to a client that only talks to ``https://api.kustomerapp.com``.

Some clients cannot be pointed at another host without changing their code: singer-io's
tap-kustomer 1.1.0, for one, hard-codes ``https://api.kustomerapp.com/v1``. What they can take
is what ``requests`` takes from the environment: an HTTPS proxy (``HTTPS_PROXY``) and the CA
bundle to trust (``REQUESTS_CA_BUNDLE``). :class:`TlsProxy` is such a proxy: it answers every
``CONNECT`` with a TLS server whose certificate names the host asked for, signed by a CA of its
own, and relays the decrypted HTTP to the sandbox. The client's code is unchanged; only its
environment points it here::

    with serve(seed=7, scale=40) as sb, TlsProxy(sb.base_url, workdir) as proxy:
        env = {**os.environ, **proxy.environment()}   # HTTPS_PROXY, REQUESTS_CA_BUNDLE
        subprocess.run(["tap-kustomer", ...], env=env)

The certificates are made with the ``openssl`` command (the sandbox keeps to the standard
library); :func:`make_certificates` raises ``RuntimeError`` when it is missing.
"""

from __future__ import annotations

import select
import shutil
import socket
import ssl
import subprocess
import threading
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

#: the host Kustomer's API answers on (the US pod; the EU pod is api.prod2.kustomerapp.com)
KUSTOMER_HOSTS = ("api.kustomerapp.com", "api.prod2.kustomerapp.com")


def make_certificates(
    directory: Path, hosts: tuple[str, ...] = KUSTOMER_HOSTS
) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for ``hosts`` signed by it, in ``directory``:
    ``(ca.pem, server.pem, server.key)``. Valid for two days."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("the openssl command is needed to make the proxy's certificates")
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca = directory / "ca.key", directory / "ca.pem"
    key, csr, cert = directory / "server.key", directory / "server.csr", directory / "server.pem"
    ext = directory / "server.ext"
    ext.write_text(
        "basicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid\n"
        f"subjectAltName={','.join(f'DNS:{h}' for h in hosts)}\n"
    )

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], check=True, capture_output=True, timeout=60)

    run(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
        "-keyout", str(ca_key), "-out", str(ca), "-subj", "/CN=kustomer-sandbox test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-addext", "subjectKeyIdentifier=hash",
    )  # fmt: skip
    run(
        "req", "-newkey", "rsa:2048", "-nodes", "-sha256", "-keyout", str(key),
        "-out", str(csr), "-subj", f"/CN={hosts[0]}",
    )  # fmt: skip
    run(
        "x509", "-req", "-sha256", "-days", "2", "-in", str(csr), "-CA", str(ca),
        "-CAkey", str(ca_key), "-CAcreateserial", "-out", str(cert), "-extfile", str(ext),
    )  # fmt: skip
    return ca, cert, key


class TlsProxy:
    """An HTTPS proxy on 127.0.0.1 that answers every ``CONNECT`` with the sandbox at
    ``target`` (its base URL), decrypting with a certificate made in ``workdir``."""

    def __init__(self, target: str, workdir: Path, hosts: tuple[str, ...] = KUSTOMER_HOSTS):
        url = urlsplit(target)
        self.target = (url.hostname or "127.0.0.1", url.port or 80)
        self.ca, cert, key = make_certificates(Path(workdir), hosts)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connects: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="sandbox-tls-proxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """The proxy's URL, for ``HTTPS_PROXY``."""
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        """The environment a ``requests`` client needs to reach the sandbox through the proxy:
        the proxy for HTTPS, the CA to trust, and no host exempted from the proxy."""
        return {
            "HTTPS_PROXY": self.url,
            "https_proxy": self.url,
            "REQUESTS_CA_BUNDLE": str(self.ca),
            "SSL_CERT_FILE": str(self.ca),
            "NO_PROXY": "",
            "no_proxy": "",
        }

    def close(self) -> None:
        """Stop accepting connections."""
        self._stop.set()
        try:
            self.listener.close()
        except OSError:
            pass
        self._thread.join(timeout=5)

    def __enter__(self) -> TlsProxy:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ serving

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        upstream: socket.socket | None = None
        try:
            conn.settimeout(30)
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
                if len(head) > 65536:
                    return
            method, _, rest = head.split(b"\r\n", 1)[0].decode("latin-1").partition(" ")
            if method != "CONNECT":
                conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                return
            self.connects.append(rest.split(" ", 1)[0])
            conn.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            tls = self.context.wrap_socket(conn, server_side=True)
            upstream = socket.create_connection(self.target, timeout=30)
            self._relay(tls, upstream)
        except (OSError, ssl.SSLError):
            return
        finally:
            for sock in (conn, upstream):
                if sock is not None:
                    try:
                        sock.close()
                    except OSError:
                        pass

    def _relay(self, tls: ssl.SSLSocket, upstream: socket.socket) -> None:
        """Copy bytes both ways until either side closes (one thread: an SSL socket is not
        read and written from two threads at once)."""
        tls.setblocking(True)
        while not self._stop.is_set():
            ready: list[socket.socket] = [tls] if tls.pending() else []
            if not ready:
                ready, _, _ = select.select([tls, upstream], [], [], 60)
                if not ready:
                    return
            for sock in ready:
                data = sock.recv(65536)
                if not data:
                    return
                (upstream if sock is tls else tls).sendall(data)

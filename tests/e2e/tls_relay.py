"""A TLS-terminating relay on loopback for the tests: ``https://localhost:PORT`` in front of a
plain-HTTP rolegate, as a load balancer or reverse proxy stands in front of it in production.

OpenID Connect issuers must be https (rolegate's own key fetch refuses anything else), so the
tests that register a rolegate issuer as a provider serve it through this relay, with the test
CA's ``localhost`` certificate (``oidc_issuer.IssuerCa``), and rolegate trusts that CA
(``--oidc-ca-bundle``). The relay copies bytes both ways and knows nothing of HTTP.
"""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import threading

from oidc_issuer import IssuerCa


class TlsRelay:
    """Listens at once (``port`` is known before the server behind it starts); relays to
    ``127.0.0.1:target_port`` once started."""

    def __init__(self, ca: IssuerCa) -> None:
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(ca.server_cert, ca.server_key)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self.target_port = 0
        self._closed = threading.Event()

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}"

    def start(self, target_port: int) -> TlsRelay:
        self.target_port = target_port
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        self._closed.set()
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            secure = self._context.wrap_socket(client, server_side=True)
        except (OSError, ssl.SSLError):
            client.close()
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=30)
        except OSError:
            secure.close()
            return
        _relay(secure, upstream)


def _relay(secure: ssl.SSLSocket, upstream: socket.socket) -> None:
    """Copy both ways on one thread (an SSL socket must not be read and written from two
    threads at once) until either side ends, then close both."""
    try:
        while True:
            readable: list[socket.socket] = [secure] if secure.pending() else []
            if not readable:
                readable, _, _ = select.select([secure, upstream], [], [], 60)
                if not readable:
                    return
            for source in readable:
                sink = upstream if source is secure else secure
                data = source.recv(65536)
                if not data:
                    return
                sink.sendall(data)
    except (OSError, ssl.SSLError):
        pass
    finally:
        for sock in (secure, upstream):
            with contextlib.suppress(OSError):
                sock.close()

"""An identity provider's JWKS endpoint on loopback, as Keycloak serves one (production mode's
token keys), for the tests that verify tokens the way production does."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from jwt.algorithms import RSAAlgorithm

from lmis_shared.auth.keys import _load_private_key


@contextmanager
def serving_jwks(private_key: Path, kid: str = "k1") -> Iterator[str]:
    """Serve the public half of `private_key` under `kid`; yields the JWKS URL."""
    public_jwk = json.loads(RSAAlgorithm.to_jwk(_load_private_key(private_key).public_key()))
    body = json.dumps({"keys": [public_jwk | {"kid": kid, "use": "sig", "alg": "RS256"}]})

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Jwks)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/realms/lmis/protocol/openid-connect/certs"
    finally:
        server.shutdown()
        server.server_close()

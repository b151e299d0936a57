"""A small OpenID Connect provider for the dashboard's sign-in tests: discovery, a key set, and
a token endpoint that checks the PKCE verifier against the challenge the authorisation request
carried (S256), as a real provider does. The test plays the officer at the provider: it reads
the authorisation request from the dashboard's redirect and hands back a code for it."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from lmis_shared.auth import issue_token

KID = "test-key"


@dataclass
class Provider:
    private_key: Path
    public_key: Path
    issuer: str = ""
    audience: str = "lmis"
    pending: dict[str, dict[str, str]] = field(default_factory=dict)
    """code -> the authorisation request it answers (challenge, nonce, client, redirect)."""
    verifiers_seen: list[str] = field(default_factory=list)

    def grant(self, request: dict[str, str]) -> str:
        """The officer signed in at the provider: a code for this authorisation request."""
        code = secrets.token_urlsafe(16)
        self.pending[code] = request
        return code

    def app(self, role: str, scope: str) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        def discovery() -> dict[str, Any]:
            return {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }

        @app.get("/jwks")
        def jwks() -> dict[str, Any]:
            public = serialization.load_pem_public_key(self.public_key.read_bytes())
            key = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public))
            return {"keys": [key | {"kid": KID, "use": "sig", "alg": "RS256"}]}

        @app.post("/token")
        async def token(http: Request) -> JSONResponse:
            form = {k: v[0] for k, v in parse_qs((await http.body()).decode()).items()}
            code, code_verifier = form.get("code", ""), form.get("code_verifier", "")
            redirect_uri = form.get("redirect_uri")
            request = self.pending.pop(code, None)
            if request is None or request["redirect_uri"] != redirect_uri:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            digest = hashlib.sha256(code_verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if challenge != request["code_challenge"]:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            self.verifiers_seen.append(code_verifier)
            return JSONResponse(self._tokens(request, role, scope))

        return app

    def _tokens(self, request: dict[str, str], role: str, scope: str) -> dict[str, Any]:
        access = issue_token(
            self.private_key,
            subject="officer-7",
            role=role,
            scope=scope,
            issuer=self.issuer,
            audience=self.audience,
            ttl=timedelta(minutes=5),
        )
        now = datetime.now(UTC)
        claims = {
            "iss": self.issuer,
            "aud": request["client_id"],
            "sub": "officer-7",
            "nonce": request["nonce"],
            "iat": now,
            "exp": now + timedelta(minutes=5),
        }
        private = serialization.load_pem_private_key(self.private_key.read_bytes(), None)
        id_token = jwt.encode(claims, private, algorithm="RS256", headers={"kid": KID})  # type: ignore[arg-type]
        return {
            "access_token": access,
            "id_token": id_token,
            "token_type": "Bearer",
            "expires_in": 300,
        }

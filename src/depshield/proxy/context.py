"""What every route needs: settings, the upstream client, the gate, the audit log; and the shared
answers (refusal, passthrough, the verified file)."""

from __future__ import annotations

import base64
import hmac
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response

from depshield.model import PackageRef
from depshield.proxy.audit import AuditLog, Entry
from depshield.proxy.gate import Gate, Judged, Ruling
from depshield.proxy.settings import ProxySettings
from depshield.proxy.upstream import Upstream


class Unauthorized(Exception):
    pass


@dataclass
class Proxy:
    settings: ProxySettings
    upstream: Upstream
    gate: Gate
    audit: AuditLog

    def client_auth(self, request: Request) -> str | None:
        """The Authorization to send upstream. Without a proxy token, the client's own header
        (private registries); with one, the header must carry the token and is not forwarded."""
        header = request.headers.get("authorization")
        token = self.settings.token
        if token is None:
            return header
        if header is None or not _carries_token(header, token):
            raise Unauthorized
        return None

    def answer(
        self, request: Request, ref: PackageRef, judged: Judged, ruling: Ruling, *, npm: bool
    ) -> Response:
        self.audit.record(
            Entry(
                client=request.client.host if request.client else "-",
                ecosystem=ref.ecosystem,
                name=ref.name,
                version=ref.version,
                digest=judged.digest,
                verdict=ruling.verdict,
                served=ruling.serve,
                reason=ruling.reason,
                alerts=tuple(
                    {"type": a.type, "action": a.action, "file": a.file, "line": a.line}
                    for a in (judged.result.alerts if judged.result else ())
                    if a.action in ("error", "warn")
                ),
            )
        )
        headers = {"X-Depshield-Verdict": ruling.verdict}
        if not ruling.serve or judged.path is None:
            return refused(ruling.reason, npm=npm, headers=headers)
        return FileResponse(judged.path, media_type="application/octet-stream", headers=headers)


def refused(
    reason: str, *, npm: bool, status: int = 403, headers: dict[str, str] | None = None
) -> Response:
    """npm shows a JSON body's `error`; pip and uv show the status and URL, so the reason also
    goes in a header and the plain body (and always into the audit log)."""
    headers = {**(headers or {}), "X-Depshield-Reason": reason.encode("ascii", "replace").decode()}
    if npm:
        return JSONResponse({"error": reason}, status_code=status, headers=headers)
    return PlainTextResponse(reason + "\n", status_code=status, headers=headers)


def unauthorized() -> Response:
    return PlainTextResponse(
        "depshield proxy: a token is required (docs/proxy.md)\n",
        status_code=401,
        headers={"WWW-Authenticate": 'Basic realm="depshield proxy"'},
    )


def _carries_token(header: str, token: str) -> bool:
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer":
        return hmac.compare_digest(value.encode(), token.encode())
    if scheme.lower() == "basic":
        try:
            _, _, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return hmac.compare_digest(password.encode(), token.encode())
    return False

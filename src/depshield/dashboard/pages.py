"""The dashboard's routes on the service's Starlette app: server-rendered pages (Jinja2, no
script at all) and, for `Accept: application/json`, the same data as JSON."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from depshield.dashboard import access, views
from depshield.dashboard.config import DashboardConfig
from depshield.dashboard.purls import ecosystems
from depshield.dashboard.render import environment
from depshield.dashboard.store import ResultsStore
from depshield.server.logs import log

if TYPE_CHECKING:
    from jinja2 import Environment
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import BaseRoute

HERE = Path(__file__).parent
# No script may run and nothing may load from elsewhere: the pages need neither.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",  # no referrer to other sites; Origin on our own forms
    "cache-control": "no-store",
    "x-frame-options": "DENY",
}
PAGE_BUDGET = 200_000  # bytes of HTML
STATIC = {"dashboard.css": "text/css", "favicon.svg": "image/svg+xml"}
Page = Callable[["Request"], Awaitable["Response"]]


class Dashboard:
    def __init__(self, config: DashboardConfig, store: ResultsStore) -> None:

        self.config, self.store = config, store
        self.env: Environment = environment(HERE / "templates")

    def routes(self) -> list[BaseRoute]:
        from starlette.routing import Route

        return [
            Route("/", self.guard(self.overview)),
            Route("/search", self.guard(self.search)),
            *(Route(f"/{eco}/{{rest:path}}", self.guard(self.package)) for eco in ecosystems()),
            Route("/pr/{rest:path}", self.guard(self.pull)),
            Route("/signin", self.signin_form, methods=["GET"]),
            Route("/signin", self.signin, methods=["POST"]),
            Route("/signout", self.signout, methods=["POST"]),
            Route("/static/{name}", self.static),
        ]

    # --- access -----------------------------------------------------------------------------

    def guard(self, page: Page) -> Page:
        async def guarded(request: Request) -> Response:
            client = request.client.host if request.client else None
            if not access.allowed(client, request.cookies.get(access.SESSION), self.config.token):
                return self.refused(request)
            try:
                return await page(request)
            except Exception as exc:  # noqa: BLE001 - the database, whatever its driver: one line
                return self.unavailable(request, exc)

        return guarded

    def refused(self, request: Request) -> Response:
        from urllib.parse import quote

        from starlette.responses import RedirectResponse

        if not self.config.token:
            message = (
                "the dashboard answers loopback clients only. Tip: set "
                "DEPSHIELD_DASHBOARD_TOKEN to sign in from other addresses"
            )
            return self.answer(request, "error.html", {"message": message}, 403)
        if _wants_json(request):
            return self.answer(request, "error.html", {"message": "sign in first"}, 401)
        target = quote(access.safe_next(request.url.path), safe="/@")
        return RedirectResponse(f"/signin?next={target}", 303, headers=HEADERS)

    async def signin_form(self, request: Request, problem: str = "", status: int = 200) -> Response:
        csrf = request.cookies.get(access.CSRF) or access.new_csrf()
        data = {
            "csrf": csrf,
            "next": access.safe_next(request.query_params.get("next")),
            "problem": problem,
            "configured": bool(self.config.token),
        }
        response = self.html("signin.html", data, status)
        _cookie(response, request, access.CSRF, csrf)
        return response

    async def signin(self, request: Request) -> Response:
        from starlette.responses import RedirectResponse

        fields = await _form(request)
        if not self._csrf(request, fields):
            return await self.signin_form(request, "the form expired: sign in again", 403)
        token = self.config.token
        if not token or not access.token_ok(fields.get("token", ""), token):
            return await self.signin_form(request, "that token is not the dashboard's", 403)
        response = RedirectResponse(access.safe_next(fields.get("next")), 303, headers=HEADERS)
        _cookie(response, request, access.SESSION, access.session_value(token))
        return response

    async def signout(self, request: Request) -> Response:
        from starlette.responses import RedirectResponse

        if not self._csrf(request, await _form(request)):
            return self.answer(request, "error.html", {"message": "the form expired"}, 403)
        response = RedirectResponse("/signin", 303, headers=HEADERS)
        response.delete_cookie(access.SESSION, path="/", httponly=True, samesite="strict")
        return response

    def _signout_csrf(self, request: Request) -> str | None:
        """The CSRF cookie when the browser is signed in with the token (else no sign-out)."""
        token, csrf = self.config.token, request.cookies.get(access.CSRF)
        if token and csrf and access.signed_in(request.cookies.get(access.SESSION), token):
            return csrf
        return None

    def _csrf(self, request: Request, fields: dict[str, str]) -> bool:
        return access.csrf_ok(
            request.cookies.get(access.CSRF),
            fields.get("csrf"),
            request.headers.get("origin"),
            request.headers.get("host", ""),
        )

    # --- pages ------------------------------------------------------------------------------

    async def overview(self, request: Request) -> Response:
        verdict = request.query_params.get("verdict", "")
        data = await _threaded(views.overview, self.store, verdict)
        return self.answer(request, "overview.html", data)

    async def search(self, request: Request) -> Response:
        data = await _threaded(views.search, self.store, request.query_params.get("q", ""))
        return self.answer(request, "search.html", data)

    async def package(self, request: Request) -> Response:
        ecosystem = request.url.path.split("/", 2)[1]
        name, _, version = str(request.path_params["rest"]).rstrip("/").rpartition("/")
        found = await self.fit(request, "package.html", views.package, ecosystem, name, version)
        return found or self.missing(request, f"{ecosystem}:{name} {version} has not been judged")

    async def pull(self, request: Request) -> Response:
        # OWNER/NAME/NUMBER, split from the right: a decoded `%2F` cannot move the number.
        repo, _, number_text = str(request.path_params["rest"]).rstrip("/").rpartition("/")
        if not number_text.isdigit() or "/" not in repo:
            return self.missing(request, "a pull request's address is /pr/OWNER/NAME/NUMBER")
        number = int(number_text)
        kind = request.query_params.get("kind", "")
        kind = kind if kind in ("added", "removed", "upgraded", "downgraded", "changed") else ""
        found = await self.fit(request, "pull.html", views.pull, repo, number, kind)
        return found or self.missing(request, f"{repo}#{number} has no recorded run")

    async def static(self, request: Request) -> Response:
        from starlette.responses import Response

        name = request.path_params["name"]
        if name not in STATIC:  # a fixed table: no path from the request reaches the disk
            return self.missing(request, "no such file")
        body = (HERE / "static" / name).read_bytes()
        headers = {**HEADERS, "cache-control": "max-age=3600"}
        return Response(body, media_type=STATIC[name], headers=headers)

    def unavailable(self, request: Request, exc: Exception) -> Response:

        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        log().warning("dashboard page failed", extra={"path": request.url.path, "error": first})
        message = (
            f"the dashboard cannot read its database: {type(exc).__name__}: {first}. Tip: check "
            "DEPSHIELD_DATABASE_URL and that the database is up"
        )
        return self.answer(request, "error.html", {"message": message}, 503)

    def missing(self, request: Request, message: str) -> Response:
        return self.answer(request, "error.html", {"message": message}, 404)

    # --- rendering --------------------------------------------------------------------------

    async def fit(
        self, request: Request, template: str, view: Callable[..., Any], *args: Any
    ) -> Response | None:
        """The page within PAGE_BUDGET: rendered again with shorter lists while it is over
        (thousands of alerts or changes); JSON gets the longest lists. None: nothing found."""
        for shrink in views.SHRINK:
            data = await _threaded(view, self.store, *args, shrink)
            if data is None:
                return None
            if _wants_json(request):
                return self.answer(request, template, data)
            response = self.html(template, data, csrf=self._signout_csrf(request))
            if len(response.body) <= PAGE_BUDGET:
                break
        return response

    def answer(
        self, request: Request, template: str, data: dict[str, Any], status: int = 200
    ) -> Response:
        from starlette.responses import JSONResponse

        if _wants_json(request):
            return JSONResponse(data, status_code=status, headers=HEADERS)
        return self.html(template, data, status, self._signout_csrf(request))

    def html(
        self, template: str, data: dict[str, Any], status: int = 200, csrf: str | None = None
    ) -> Response:
        """`csrf`: for the sign-out form, shown when it is given."""
        from starlette.responses import HTMLResponse

        page = self.env.get_template(template).render(data=data, csrf=csrf)
        return HTMLResponse(page, status_code=status, headers=HEADERS)


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _cookie(response: Response, request: Request, name: str, value: str) -> None:
    response.set_cookie(
        name, value, path="/", httponly=True, samesite="strict",
        secure=request.url.scheme == "https",
    )  # fmt: skip


async def _form(request: Request) -> dict[str, str]:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > access.MAX_FORM:
            return {}
    return access.form(body)


async def _threaded(function: Callable[..., Any], *args: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(function, *args)

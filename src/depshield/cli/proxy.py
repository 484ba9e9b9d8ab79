"""`depshield proxy`: the registry firewall (an npm registry and a PyPI index in one server)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from depshield.proxy.settings import WarnMode


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "proxy",
        help="run a registry proxy that serves only packages the policy allows",
        description="An npm registry at /npm/ and a PyPI index at /pypi/simple/ in front of the "
        "registries your npm and pip configuration name. Every tarball, wheel and sdist is "
        "verified and analysed before it is served; a block answers 403 with the reason. "
        "See docs/proxy.md for each client's set-up.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback)")
    parser.add_argument("--port", type=int, default=8790, help="port to listen on")
    parser.add_argument("--npm-upstream", metavar="URL", help="npm registry (default: npm config)")
    parser.add_argument("--pypi-upstream", metavar="URL", help="simple index (default: pip config)")
    parser.add_argument(
        "--warn",
        choices=("serve", "refuse"),
        help="what a warn verdict does (default: [proxy] warn in depshield.toml, else serve)",
    )
    parser.add_argument("--max-analyses", type=int, default=2, help="analyses at once, at most")
    parser.add_argument("--config", metavar="FILE", help="depshield.toml or pyproject.toml")
    parser.add_argument(
        "--status", action="store_true", help="print the decision counts from the audit log"
    )


def run(args: argparse.Namespace) -> int:
    import json

    from depshield.cli.serve import missing_server_modules
    from depshield.errors import UsageError
    from depshield.home import depshield_home
    from depshield.proxy.settings import ProxySettings

    if args.status:
        from depshield.proxy.audit import counts

        home = depshield_home()
        print(json.dumps(counts(home / "proxy" / "audit.sqlite"), indent=2))
        return 0
    missing = missing_server_modules()
    if missing:
        raise UsageError(
            f"'depshield proxy' needs {', '.join(missing)}, which are not installed",
            tip="install depshield[server] (pip install 'depshield[server]')",
        )
    from depshield.cli.output import load_policy
    from depshield.proxy.app import serve
    from depshield.proxy.settings import bind_token, upstreams

    cwd = Path.cwd()
    policy = load_policy(args, cwd)
    npm_url, pypi_url = upstreams(args.npm_upstream, args.pypi_upstream, cwd)
    settings = ProxySettings(
        npm_upstream=npm_url,
        pypi_upstream=pypi_url,
        home=depshield_home(),
        policy=policy,  # type: ignore[arg-type]
        warn=args.warn or _configured_warn(args, cwd),
        token=bind_token(args.host, None),
        max_analyses=args.max_analyses,
    )
    print(
        f"depshield proxy on http://{args.host}:{args.port}/ "
        f"(npm: /npm/, pip: /pypi/simple/; warn verdicts: {settings.warn})",
        flush=True,
    )
    serve(settings, args.host, args.port)
    return 0


def _configured_warn(args: argparse.Namespace, cwd: Path) -> WarnMode:
    import tomllib

    from depshield.config import find_config
    from depshield.errors import ConfigError

    path = Path(args.config) if args.config else find_config(cwd)
    if path is None or path.suffix != ".toml":
        return "serve"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return "serve"  # load_policy already reported a broken file
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("depshield", {})
    warn = data.get("proxy", {}).get("warn", "serve")
    if warn not in ("serve", "refuse"):
        raise ConfigError(f"{str(path)!r}: [proxy] warn must be 'serve' or 'refuse', not {warn!r}")
    return "refuse" if warn == "refuse" else "serve"

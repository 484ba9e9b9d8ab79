"""A registry that refuses (a closed port, a server answering 503) stops the scan after a few
refusals in a row: one error line, exit 3 (issue 12: it took 184 s and 2,573 lines)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from support.registry_server import RegistryServer, Reply, isolate_env, sri

from depshield.cli.main import main
from depshield.errors import RegistryUnreachable
from depshield.net import REFUSALS_TO_STOP, Breaker

PACKAGES = 60


class Refusing(RegistryServer):
    """Answers every request with 503, as a registry behind a failing load balancer does."""

    def _next(self, path: str) -> Reply:
        return Reply(503, b"service unavailable")


def _lock(root: Path, count: int) -> None:
    packages: dict[str, object] = {"": {"name": "app", "dependencies": {}}}
    for i in range(count):
        name = f"pkg-{i}"
        packages[f"node_modules/{name}"] = {
            "version": "1.0.0",
            "resolved": f"https://registry.example.invalid/{name}/-/{name}-1.0.0.tgz",
            "integrity": sri(name.encode()),
        }
    lock = {"name": "app", "lockfileVersion": 3, "packages": packages}
    (root / "package-lock.json").write_text(json.dumps(lock, indent=2))


def _closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"  # nothing listens there once the socket is closed


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate_env(monkeypatch, tmp_path)
    monkeypatch.delenv("CI", raising=False)
    root = tmp_path / "app"
    root.mkdir()
    _lock(root, PACKAGES)
    return root


def _scan(project: Path, registry: str, monkeypatch, capsys) -> tuple[int, str, str]:
    monkeypatch.setenv("npm_config_registry", registry)
    code = main(["scan", str(project)])
    out, err = capsys.readouterr()
    return code, out, err


def _one_error_line(err: str, host: str) -> None:
    errors = [line for line in err.splitlines() if line.startswith("depshield: error:")]
    assert len(errors) == 1, err
    assert f"the registry at {host} refused" in errors[0]
    assert "stopped asking it" in errors[0]
    # No traceback check here: the loopback 503 server's own thread may print a broken pipe
    # to this stderr; the closed-port test checks that depshield prints none.


def test_closed_port_stops_after_a_few_refusals(project, monkeypatch, capsys) -> None:
    url = _closed_port()
    code, out, err = _scan(project, url, monkeypatch, capsys)
    assert code == 3
    _one_error_line(err, url.removeprefix("http://").rstrip("/"))
    assert "ConnectError" in err and "Traceback" not in err
    assert f"{PACKAGES} packages not analysed" in out  # the report: one line, not 60 blocks
    assert "pkg-17" not in out


def test_503_server_is_asked_only_a_few_times(project, monkeypatch, capsys) -> None:
    server = Refusing()
    try:
        code, _, err = _scan(project, server.url, monkeypatch, capsys)
    finally:
        server.close()
    assert code == 3
    _one_error_line(err, server.url.removeprefix("http://").rstrip("/"))
    assert "http 503" in err
    # Without the breaker: 60 packages x 4 attempts. With it: the first few refusals, plus
    # the attempts already in flight in the download threads (8).
    assert len(server.seen) <= REFUSALS_TO_STOP + 8


def test_a_success_between_refusals_resets_the_count() -> None:
    breaker = Breaker(limit=3)
    for _ in range(2):
        breaker.refused("h", "http 503")
    breaker.answered("h")
    for _ in range(2):
        breaker.refused("h", "http 503")
    breaker.check("h")  # 2 in a row: still asking
    breaker.refused("h", "http 503")
    with pytest.raises(RegistryUnreachable, match="refused 3 attempts in a row"):
        breaker.check("h")
    breaker.check("other-host")  # per host

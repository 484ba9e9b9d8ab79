"""The JavaScript/TypeScript analyzer: each finding type fires on its fixture (type, file, line)
and stays quiet on a look-alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from depshield.analyzers.javascript import JavaScriptAnalyzer
from depshield.model import FileAnalysis, Finding

FIXTURES = Path(__file__).parents[2] / "fixtures" / "js"
ANALYZER = JavaScriptAnalyzer()


def analyze(name: str) -> FileAnalysis:
    return ANALYZER.analyze(name, (FIXTURES / name).read_bytes())


def lines(fa: FileAnalysis, type_: str, **props: Any) -> set[int]:
    """Lines of the findings of `type_` in `fa` whose props include `props`."""
    found = set()
    for f in fa.findings:
        if f.type == type_ and all(f.props.get(k) == v for k, v in props.items()):
            assert f.file == fa.path
            found.add(f.line)
    return found


# (fixture, type, props the finding must have, lines it must be reported on)
FIRES = [
    ("shell-via-destructuring.js", "shellAccess", {"module": "child_process"}, {1, 2}),
    ("shell-via-es-import.mjs", "shellAccess", {"module": "child_process"}, {1, 2, 4, 5}),
    ("typed-shell.ts", "shellAccess", {"module": "child_process"}, {1, 5}),
    ("jsx-component.jsx", "shellAccess", {"module": "child_process"}, {2, 3}),
    ("network-fetch-variants.js", "networkAccess", {"module": "https"}, {1, 5}),
    ("network-fetch-variants.js", "networkAccess", {"module": "fetch"}, {2}),
    ("network-fetch-variants.js", "networkAccess", {"module": "XMLHttpRequest"}, {3}),
    ("network-fetch-variants.js", "networkAccess", {"module": "WebSocket"}, {4}),
    ("component-fetch.tsx", "networkAccess", {"module": "fetch"}, {5}),
    ("fs-promises-import.mjs", "filesystemAccess", {"module": "fs/promises"}, {1, 5}),
    ("require-literal.js", "filesystemAccess", {"module": "fs"}, {2}),
    ("env-reads.js", "envVars", {"envVars": ["HOME"]}, {1}),
    ("env-reads.js", "envVars", {"envVars": ["API_URL"]}, {2}),
    ("env-reads.js", "envVars", {"envVars": ["NODE_ENV", "PORT"]}, {3}),
    ("env-reads.js", "envVars", {"envVars": ["LOG_LEVEL"]}, {5}),
    ("eval-variants.js", "usesEval", {"evalType": "eval"}, {2}),
    ("eval-variants.js", "usesEval", {"evalType": "Function"}, {3, 6, 7, 8}),
    ("eval-variants.js", "usesEval", {"evalType": "setTimeout"}, {4}),
    ("eval-variants.js", "usesEval", {"evalType": "vm.runInNewContext"}, {5}),
    ("require-dynamic.js", "dynamicRequire", {}, {2, 3, 4}),
    ("require-computed-benign.js", "dynamicRequire", {}, {1, 2}),
    ("require-obfuscated.js", "obfuscatedRequire", {"module": "child_process"}, {1}),
    ("require-obfuscated.js", "obfuscatedRequire", {"module": "net", "how": "decode"}, {2}),
    ("require-obfuscated.js", "obfuscatedRequire", {"module": "fs", "how": "decode"}, {3}),
    ("require-obfuscated.js", "obfuscatedRequire", {"how": "computed-require"}, {4}),
    ("require-obfuscated.js", "obfuscatedRequire", {"module": "dns"}, {5}),
    ("require-obfuscated.js", "obfuscatedRequire", {"module": "vm"}, {6}),
    ("require-obfuscated.js", "obfuscatedRequire", {"module": "os"}, {7}),
    ("require-obfuscated.js", "shellAccess", {"module": "child_process"}, {1}),
    ("require-obfuscated.js", "networkAccess", {"module": "http"}, {4}),
    ("module-internals.js", "debugAccess", {"module": "module"}, {1, 2}),
    ("module-internals.js", "debugAccess", {"module": "process"}, {3}),
    ("module-internals.js", "debugAccess", {"module": "v8"}, {4}),
    ("eval-base64-payload.js", "encodedPayloadExecution", {"exec": "eval"}, {2, 7}),
    ("eval-base64-payload.js", "encodedPayloadExecution", {"exec": "Function"}, {3}),
    ("eval-base64-payload.js", "encodedPayloadExecution", {"decode": "decipher"}, {5}),
    ("import-data-url.mjs", "encodedPayloadExecution", {"exec": "import"}, {1}),
    ("import-data-url.mjs", "usesEval", {"evalType": "import-data-url"}, {1, 2}),
    ("reverse-shell.js", "reverseShell", {"shell": "/bin/sh"}, {3}),
    ("remote-code.js", "remoteCodeDownload", {}, {2, 5}),
    ("troll-infinite-loop.js", "troll", {}, {3, 6}),
    ("troll-destructive-walk.js", "troll", {}, {15}),
    ("credential-store-templates.js", "signal:source", {"kind": "credential-store"}, {4, 5}),
    ("webhook-client.js", "signal:sink", {"kind": "webhook"}, {2}),
    ("form-skimmer.js", "signal:source", {"detail": "payment-form"}, {4}),
    ("form-skimmer.js", "signal:source", {"kind": "browser-token"}, {14}),
    ("spawn-concatenated.js", "signal:spawn", {"command": "node", "args": "$EXPR"}, {2}),
    ("spawn-concatenated.js", "signal:spawn", {"command": "curl"}, {4}),
    ("remote-commands.js", "reverseShell", {"how": "socket-command"}, {6}),
    ("remote-commands.js", "remoteCodeDownload", {"how": "download-then-spawn"}, {10}),
    ("remote-commands.js", "remoteCodeDownload", {"how": "eval-of-request"}, {13}),
    ("ssh-authorized-keys.js", "signal:write", {"target": "ssh-authorized-keys"}, {6}),
    ("packed-download-eval.js", "remoteCodeDownload", {"how": "download-then-eval"}, {2}),
    ("packed-download-eval.js", "networkAccess", {"module": "https"}, {2}),
]

# (fixture, type that must not appear at all)
QUIET = [
    ("own-exec-function.js", "shellAccess"),
    ("own-fetch-function.js", "networkAccess"),
    ("path-only.js", "filesystemAccess"),
    ("env-lookalike.js", "envVars"),
    ("eval-lookalike.js", "usesEval"),
    ("require-literal.js", "dynamicRequire"),
    ("require-literal.js", "obfuscatedRequire"),
    ("require-computed-benign.js", "obfuscatedRequire"),
    ("constructor-lookalike.js", "debugAccess"),
    ("eval-and-decode-apart.js", "encodedPayloadExecution"),
    ("socket-and-git.js", "reverseShell"),
    ("socket-and-shell-passthrough.js", "reverseShell"),
    ("fetch-json.js", "remoteCodeDownload"),
    ("loops-benign.js", "troll"),
    ("recursive-clean-lookalike.js", "troll"),
    ("import-data-url.mjs", "dynamicRequire"),
    ("minified-own-bundle.min.js", "obfuscatedFile"),
    ("template-paths-lookalike.js", "signal:source"),
    ("discord-bot-lookalike.js", "signal:sink"),
    ("payment-form-lookalike.js", "signal:source"),
    ("remote-commands-lookalike.js", "reverseShell"),
    ("remote-commands-lookalike.js", "remoteCodeDownload"),
    ("packed-greeting.js", "networkAccess"),
    ("packed-greeting.js", "remoteCodeDownload"),
]


@pytest.mark.parametrize(("name", "type_", "props", "expected"), FIRES)
def test_fires(name: str, type_: str, props: dict[str, Any], expected: set[int]) -> None:
    fa = analyze(name)
    assert fa.skipped is None
    assert lines(fa, type_, **props) == expected


@pytest.mark.parametrize(("name", "type_"), QUIET)
def test_quiet_on_lookalike(name: str, type_: str) -> None:
    fa = analyze(name)
    assert not lines(fa, type_), [f for f in fa.findings if f.type == type_]


def test_signal_sources() -> None:
    recon = analyze("host-recon.js")
    assert lines(recon, "signal:source", kind="hostname") == {2}
    assert lines(recon, "signal:source", kind="userinfo") == {3}
    assert lines(recon, "signal:source", kind="system-info") == {4}
    files = analyze("credential-files.js")
    assert lines(files, "signal:source", kind="sensitive-file") >= {4, 5}
    assert lines(files, "signal:source", kind="credential-store") == {7}
    assert 8 not in lines(files, "signal:source")  # README next to the code is not a secret
    secrets = analyze("secret-env.js")
    assert lines(secrets, "signal:source", kind="secret-env") == {1, 2, 3}
    assert not lines(analyze("benign-env-names.js"), "signal:source")


def test_whole_environment_sources() -> None:
    exfil = analyze("exfil-env-https.js")
    # stringified in an object, sent through a variable, keys listed, spread copy, for-in
    assert lines(exfil, "signal:source", kind="env-all") == {3, 5, 7, 8, 9}
    # child process environments, DEBUG_* selection, env helpers, module.exports = {env}
    assert not lines(analyze("spawn-env-option.js"), "signal:source", kind="env-all")


def test_sinks_and_downloads() -> None:
    fa = analyze("network-fetch-variants.js")
    assert lines(fa, "signal:sink", kind="network") == {2, 4, 5}
    assert lines(fa, "signal:download") == {2, 5}
    dns = analyze("dns-exfil.js")
    assert lines(dns, "signal:sink", kind="dns") == {4}  # a computed name; localhost is not
    assert lines(analyze("exfil-env-https.js"), "signal:sink", kind="network") == {4}
    clients = analyze("http-clients.js")
    assert lines(clients, "signal:sink", kind="network") == {5, 6, 7, 8, 9, 12, 13}
    assert lines(clients, "signal:download") == {5, 6, 7, 12}
    assert lines(clients, "signal:source", kind="env-all") == {5}  # the environment as data
    lookalike = analyze("http-client-lookalike.js")
    assert not lines(lookalike, "signal:sink") and not lines(lookalike, "networkAccess")


def test_decode_exec_spawn_write_signals() -> None:
    fa = analyze("signals-misc.js")
    assert lines(fa, "signal:decode", how="base64") == {4}
    assert lines(fa, "signal:decode", how="zlib") == {5}
    assert lines(fa, "signal:decode", how="decipher") == {6}
    assert lines(fa, "signal:write", detail="/tmp/out.bin") == {7}
    assert lines(fa, "signal:write", detail="fs.appendFile") == {9}
    assert 8 not in lines(fa, "signal:decode")  # utf8 is not a decode
    evals = analyze("eval-variants.js")
    assert lines(evals, "signal:exec") == {2, 3, 4, 5, 7}  # `return this` is not code
    shell = analyze("shell-via-destructuring.js")
    assert lines(shell, "signal:spawn", command="ls -la", detail="child_process.exec") == {2}


def test_top_level_follows_load_time() -> None:
    fa = analyze("typed-shell.ts")
    by_line = {f.line: f.top_level for f in fa.findings if f.type == "shellAccess"}
    assert by_line == {1: True, 5: False}
    remote = analyze("remote-code.js")
    assert all(f.top_level for f in remote.findings if f.type == "usesEval")  # load-time callbacks


def test_obfuscated_versus_minified() -> None:
    obfuscated = analyze("obfuscated-string-array.js")
    hits = [f for f in obfuscated.findings if f.type == "obfuscatedFile"]
    assert [f.line for f in hits] == [1] and hits[0].props["confidence"] >= 0.9
    assert not lines(obfuscated, "minifiedFile")
    minified = analyze("minified-own-bundle.min.js")
    assert lines(minified, "minifiedFile") == {1}
    plain = analyze("shell-via-destructuring.js")
    assert not lines(plain, "minifiedFile") and not lines(plain, "obfuscatedFile")


def test_imports_are_relative_specifiers() -> None:
    assert analyze("imports-relative.mjs").imports == (
        "./a.js",
        "../b",
        "./c.mjs",
        "./d",
        "./e.js",
        "./f.json",
    )
    assert analyze("typed-shell.ts").imports == ()  # `import type` is erased
    assert set(analyze("require-literal.js").imports) == {"./lib/helper", "./lazy.js"}


def test_lines_of_code() -> None:
    source = b"// header\n\n/* block\n   comment */\nconst a = 1; // trailing\n\nexport {a};\n"
    assert ANALYZER.analyze("x.js", source).lines_of_code == 2


def test_wants() -> None:
    for path in ("a.js", "b.cjs", "c.mjs", "d.jsx", "e.ts", "f.tsx", "g.mts", "h.cts", "I.JS"):
        assert ANALYZER.wants(path), path
    for path in ("types.d.ts", "x.d.mts", "a.js.map", "a.json", "a.py", "dts"):
        assert not ANALYZER.wants(path), path
    assert ANALYZER.analyze("c.tsx", b"const a = <b/>;").language == "typescript"


def test_literals_and_shell_text_go_to_the_shared_helpers(monkeypatch: pytest.MonkeyPatch) -> None:
    from depshield.analyzers import shell as shell_analyzer
    from depshield.analyzers import strings

    literals: list[tuple[str, int, bool]] = []
    shells: list[tuple[str, int, bool]] = []

    def scan(value: str, file: str, line: int, top: bool = False) -> list[Finding]:
        literals.append((value, line, top))
        return []

    def shell(text: str, file: str, offset: int = 0, top: bool = True) -> list[Finding]:
        shells.append((text, offset, top))
        return []

    monkeypatch.setattr(strings, "scan_literal", scan)
    # spawn.py loads the shell analyzer when a file hands it text: patch it at its home
    monkeypatch.setattr(shell_analyzer, "analyze_shell", shell)
    analyze("shell-strings.js")
    assert ("child_process", 1, True) in literals
    assert ("curl -s https://get.example.invalid/install.sh | sh", 2, True) in literals
    assert shells == [
        ("curl -s https://get.example.invalid/install.sh | sh", 1, True),
        ("rm -rf /tmp/cache", 2, True),
        ("wget $EXPR -O /tmp/x", 3, True),
        ("npm install", 4, True),
    ]
    literals.clear()
    ANALYZER.analyze("t.js", b"function f() {\n  return `tpl`;\n}\nconst g = `a${b}c`;\n")
    assert literals == [("tpl", 2, False)]  # templates with substitutions are not literals


def test_concatenated_command_with_a_computed_program_is_not_parsed() -> None:
    fa = analyze("spawn-concatenated.js")
    on_line_5 = [f for f in fa.findings if f.type == "signal:spawn" and f.line == 5]
    assert [f.props.get("command") for f in on_line_5] == [None]


def test_only_authorized_keys_writes_are_marked() -> None:
    fa = analyze("ssh-known-hosts-lookalike.js")
    writes = [f for f in fa.findings if f.type == "signal:write"]
    assert [w.line for w in writes] == [4, 5]
    assert all("target" not in w.props for w in writes)


def test_packed_code_is_reported_at_the_eval_that_runs_it() -> None:
    fa = analyze("packed-download-eval.js")
    unpacked = [f for f in fa.findings if f.type == "urlStrings"]
    assert [(f.line, f.evidence) for f in unpacked] == [(2, "https://cdn.example.invalid/stage2")]

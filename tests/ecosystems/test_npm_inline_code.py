"""`node -e CODE` in a lifecycle script: the inline code is analysed as install-time JavaScript."""

from __future__ import annotations

from depshield.ecosystems.npm.inline_code import inline_findings


def types_at(text: str, offset: int = 4) -> set[tuple[str, str, int]]:
    found = inline_findings(text, "package.json", offset)
    assert all(f.top_level and f.props["inline"].endswith("-e") for f in found)
    return {(f.type, f.file, f.line) for f in found}


def test_eval_of_decoded_json_payload_fires_on_the_script_line() -> None:
    text = "node -e \"eval(Buffer.from(require('./data.json').v,'hex').toString())\""
    assert ("encodedPayloadExecution", "package.json", 5) in types_at(text)


def test_every_inline_option_and_runner() -> None:
    for cmd in ("node --eval", "nodejs -e", "bun -e", "node -p"):
        text = f"echo ok && {cmd} \"require('child_process').exec('id')\""
        assert ("shellAccess", "package.json", 5) in types_at(text), cmd


def test_loading_its_own_file_and_printing_are_not_threats() -> None:
    text = (
        "node -e \"try{require('./postinstall')}catch(e){}\" && "
        "node -e \"console.log(Buffer.from('7468616e6b73','hex').toString())\""
    )
    found = {t for t, _, _ in types_at(text)}
    assert "encodedPayloadExecution" not in found and "usesEval" not in found


def test_a_file_run_by_node_is_not_inline_code() -> None:
    assert types_at("node install.js -e \"require('child_process')\"") == set()

"""What JavaScript modules and calls mean: capability modules, sources, sinks, decoders."""

from __future__ import annotations

import re

from depshield.analyzers.javascript.resolve import package_of
from depshield.lazyre import LazyPattern

NETWORK_MODULES = frozenset(
    {
        *("net", "dgram", "dns", "dns/promises", "http", "https", "http2", "tls"),
        *("undici", "axios", "node-fetch", "got", "request", "superagent", "needle", "ws"),
        *("cross-fetch", "isomorphic-fetch", "phin", "ky", "make-fetch-happen", "socket.io-client"),
        *("request-promise", "request-promise-native", "sync-request", "then-request", "urllib"),
        *("bent", "simple-get", "minipass-fetch"),
    }
)
SHELL_MODULES = frozenset({"child_process", "execa", "cross-spawn", "shelljs"})
FS_MODULES = frozenset({"fs", "fs/promises", "fs-extra", "graceful-fs"})
DEBUG_MODULES = frozenset({"vm", "inspector", "inspector/promises", "v8", "module"})

CAPABILITY_OF_MODULE = {
    **dict.fromkeys(NETWORK_MODULES, "networkAccess"),
    **dict.fromkeys(SHELL_MODULES, "shellAccess"),
    **dict.fromkeys(FS_MODULES, "filesystemAccess"),
    **dict.fromkeys(DEBUG_MODULES, "debugAccess"),
}
# Globals that are capabilities by themselves (browser and modern Node APIs).
NETWORK_GLOBALS = frozenset({"fetch", "XMLHttpRequest", "WebSocket", "EventSource"})


# Node's own modules (`node:` prefixes are stripped before the look-up): never a dependency.
NODE_BUILTINS = frozenset({
    "assert", "async_hooks", "buffer", "child_process", "cluster", "console", "constants",
    "crypto", "dgram", "diagnostics_channel", "dns", "domain", "events", "fs", "http", "http2",
    "https", "inspector", "module", "net", "os", "path", "perf_hooks", "process", "punycode",
    "querystring", "readline", "repl", "sea", "sqlite", "stream", "string_decoder", "sys", "test",
    "timers", "tls", "trace_events", "tty", "url", "util", "v8", "vm", "wasi", "worker_threads",
    "zlib",
})  # fmt: skip


def capability_of(module: str) -> str | None:
    """The capability finding type loading `module` implies, or None."""
    return CAPABILITY_OF_MODULE.get(module) or CAPABILITY_OF_MODULE.get(package_of(module))


SPAWN_FUNCTIONS = frozenset(
    {"exec", "execSync", "spawn", "spawnSync", "execFile", "execFileSync", "fork"}
)
SHELLS = frozenset(
    {"sh", "bash", "zsh", "dash", "ksh", "cmd", "cmd.exe", "powershell", "powershell.exe", "pwsh"}
)
SPAWN_OPTION_KEYS = frozenset(
    {
        *("env", "cwd", "stdio", "shell", "detached", "windowsHide", "uid", "gid", "argv0"),
        *("killSignal", "maxBuffer", "timeout", "encoding", "input", "execPath", "execArgv"),
        *("windowsVerbatimArguments", "signal", "serialization", "silent", "extendEnv"),
    }
)

# Calls that send data out: module -> method names (None: calling the module itself counts).
HTTP_CLIENTS: dict[str, set[str | None]] = {
    "http": {"request", "get"},
    "https": {"request", "get"},
    "axios": {None, "request", "get", "post", "put", "patch", "delete", "head", "options"},
    "got": {None, "get", "post", "put", "patch", "delete", "head", "stream"},
    "node-fetch": {None},
    "cross-fetch": {None},
    "isomorphic-fetch": {None},
    "make-fetch-happen": {None},
    "request": {None, "get", "post", "put", "patch", "del", "head"},
    "superagent": {None, "get", "post", "put", "patch", "del", "delete", "head"},
    "needle": {None, "get", "post", "put", "patch", "delete", "head", "request"},
    "phin": {None},
    "ky": {None, "get", "post", "put", "patch", "delete", "head"},
    "undici": {"request", "fetch", "stream"},
    "request-promise": {None, "get", "post", "put", "patch", "del", "head"},
    "request-promise-native": {None, "get", "post", "put", "patch", "del", "head"},
    "sync-request": {None},
    "then-request": {None},
    "urllib": {"request", "curl"},
    "bent": {None},
    "simple-get": {None, "concat"},
    "minipass-fetch": {None},
}
SOCKET_CALLS: dict[str, set[str | None]] = {
    "net": {"connect", "createConnection", "Socket"},
    "tls": {"connect"},
    "http2": {"connect"},
    "dgram": {"send"},
    "ws": {None, "WebSocket"},
    "socket.io-client": {None, "io", "connect"},
}
# Chat webhook clients: constructing one with an id and token is the send (discord.js'
# `new WebhookClient(id, token).send(...)`), and a webhook needs no server of the sender's own.
WEBHOOK_CLIENTS: dict[str, set[str | None]] = {
    "discord.js": {"WebhookClient"},
    "discord-webhook-node": {"Webhook"},
    "webhook-discord": {"Webhook"},
}
DNS_LOOKUPS = frozenset(
    {
        *("lookup", "resolve", "resolve4", "resolve6", "resolveAny", "resolveTxt", "resolveCname"),
        *("resolveMx", "resolveNs", "resolveSrv", "resolvePtr", "resolveSoa", "reverse"),
    }
)

FS_READS = frozenset(
    {
        *("readFile", "readFileSync", "createReadStream", "readdir", "readdirSync", "opendir"),
        *("opendirSync", "copyFile", "copyFileSync", "cp", "cpSync", "existsSync", "open"),
        *("openSync", "readJson", "readJsonSync", "readJSON", "readJSONSync", "statSync", "stat"),
        *("access", "accessSync", "lstat", "lstatSync"),
    }
)
FS_WRITES = frozenset(
    {
        *("writeFile", "writeFileSync", "appendFile", "appendFileSync", "createWriteStream"),
        *("outputFile", "outputFileSync", "writeJson", "writeJsonSync", "outputJson"),
        *("outputJsonSync", "writeJSON", "writeJSONSync"),
    }
)
FS_DESTROYS = frozenset(
    {*FS_WRITES, "unlink", "unlinkSync", "rm", "rmSync", "rmdir", "rmdirSync", "truncate"}
)
FS_LISTS = frozenset({"readdir", "readdirSync", "opendir", "opendirSync"})

OS_SOURCES = {
    ("os", "hostname"): "hostname",
    ("os", "userInfo"): "userinfo",
    ("os", "networkInterfaces"): "system-info",
    ("dns", "getServers"): "system-info",
}
ENV_ALL_CALLS = frozenset(
    {
        *("JSON.stringify", "Object.keys", "Object.values", "Object.entries"),
        *("Object.getOwnPropertyNames", "Object.assign", "Reflect.ownKeys"),
        *("util.inspect", "util.format"),
    }
)

SECRET_ENV = LazyPattern(r"TOKEN|SECRET|PASSWORD|API_KEY|AWS_|GITHUB_|NPM_", re.IGNORECASE)
# Token-looking names that are not secrets: npm's own lifecycle/config variables and CI flags.
NOT_SECRET_ENV = LazyPattern(
    r"^(npm_(package|lifecycle|config|node|execpath|command)\w*"
    r"|GITHUB_(ACTIONS|WORKSPACE|EVENT_NAME|EVENT_PATH|REF|REF_NAME|SHA|RUN_ID|RUN_NUMBER"
    r"|REPOSITORY|SERVER_URL|API_URL|GRAPHQL_URL|JOB|WORKFLOW|ACTION|ACTOR|HEAD_REF|BASE_REF"
    r"|OUTPUT|ENV|PATH|STEP_SUMMARY|STATE)"
    r"|AWS_(REGION|DEFAULT_REGION|EXECUTION_ENV|LAMBDA_\w+|PROFILE|SDK_LOAD_CONFIG))$",
    re.IGNORECASE,
)
_SECRET_NPM_CONFIG = LazyPattern(r"auth|token|password", re.IGNORECASE)


def is_secret_env(name: str) -> bool:
    """True for variable names that hold credentials (NPM_TOKEN, AWS_SECRET_ACCESS_KEY...)."""
    if not SECRET_ENV.search(name):
        return False
    if NOT_SECRET_ENV.match(name):
        return bool(name.lower().startswith("npm_config") and _SECRET_NPM_CONFIG.search(name))
    return True


SENSITIVE_FILES = LazyPattern(
    r"(^|/)\.npmrc\b|(^|/)\.ssh(/|$)|id_rsa|id_ed25519|id_ecdsa|/etc/passwd|/etc/shadow"
    r"|\.aws/credentials|(^|/)\.aws(/|$)|(^|/)\.env($|[./])|\.git-credentials|\.bash_history"
    r"|\.zsh_history|(^|/)\.netrc\b|\.docker/config\.json|\.kube/config|\.pypirc\b"
    r"|\.config/gcloud",
    re.IGNORECASE,
)
# Browser profile files keep their capitalised names; wallets and apps are path segments.
CREDENTIAL_STORES = LazyPattern(
    r"Local Storage/leveldb|Login Data|(^|/)Cookies($|/)|Web Data|Local State"
    r"|(?i:(^|/)(discord(canary|ptb)?|exodus|electrum|atomic|coinomi|guarda|jaxx"
    r"|\.ethereum|\.electrum)(/|$)|metamask|nkbihfbeogaeaoehlefnkodbefgpgknn|keystore/UTC"
    r"|solana/id\.json|wallet\.dat|exodus\.wallet)"
)


def path_source(parts: list[str]) -> tuple[str, str] | None:
    """(kind, matched text) when the string pieces of a path name a secret file or store."""
    joined = "/".join(p.replace("\\", "/") for p in parts)
    for kind, pattern in (
        ("credential-store", CREDENTIAL_STORES),
        ("sensitive-file", SENSITIVE_FILES),
    ):
        m = pattern.search(joined)
        if m:
            return kind, m.group(0).strip("/")
    return None

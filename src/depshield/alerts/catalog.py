"""The alert catalog as data: one entry per type (see docs/alerts.md, generated from this)."""

from __future__ import annotations

from dataclasses import dataclass

from depshield.model import Action, Severity

SUPPLY = "supplyChainRisk"
QUALITY = "quality"
MAINT = "maintenance"
VULN = "vulnerability"
LICENSE = "license"


@dataclass(frozen=True, slots=True)
class AlertType:
    type: str
    category: str
    severity: Severity
    action: Action
    title: str
    suggestion: str
    ours: bool = False  # not in the market leader's catalog


def _t(
    type_: str,
    category: str,
    severity: Severity,
    action: Action,
    title: str,
    suggestion: str,
    ours: bool = False,
) -> AlertType:
    return AlertType(type_, category, severity, action, title, suggestion, ours)


# fmt: off
_ENTRIES = [
    # Supply chain risk
    _t("malware", SUPPLY, "critical", "error", "Known malware",
       "Remove this package: a threat feed lists this version as malicious."),
    _t("didYouMean", SUPPLY, "critical", "warn", "Possible typosquat",
       "Check the name: it is very close to a much more popular package."),
    _t("installScripts", SUPPLY, "high", "warn", "Install-time scripts",
       "Read what runs at install; install with scripts disabled if it is not needed."),
    _t("obfuscatedFile", SUPPLY, "high", "warn", "Obfuscated code",
       "Obfuscation hides behaviour; do not use it unless the authors explain it."),
    _t("obfuscatedRequire", SUPPLY, "high", "warn", "Obfuscated module load",
       "A module name is computed or decoded at run time to hide what is loaded."),
    _t("troll", SUPPLY, "high", "warn", "Protestware or hidden behaviour",
       "The package does something unrelated to its purpose; pin an earlier version."),
    _t("telemetry", SUPPLY, "high", "monitor", "Telemetry",
       "The package sends usage data home; look for an opt-out."),
    _t("shellScriptOverride", SUPPLY, "high", "warn", "Binary named like a system command",
       "A bin entry shadows a well-known command; check what it runs."),
    _t("binScriptConfusion", SUPPLY, "high", "warn", "Confusing binary name",
       "The bin name is unrelated to the package or shared with another package."),
    _t("gitDependency", SUPPLY, "high", "warn", "Git dependency",
       "A dependency comes from a git URL, outside registry checks; pin a registry version."),
    _t("gitHubDependency", SUPPLY, "high", "warn", "GitHub dependency",
       "A dependency comes from GitHub, outside registry checks; pin a registry version."),
    _t("httpDependency", SUPPLY, "high", "warn", "HTTP dependency",
       "A dependency is a tarball URL, outside registry checks; pin a registry version."),
    _t("fileDependency", SUPPLY, "low", "monitor", "Local file dependency",
       "A dependency points at a local path."),
    _t("manifestConfusion", SUPPLY, "high", "warn", "Manifest confusion",
       "The registry manifest differs from the package.json in the tarball.", True),
    _t("shrinkwrap", SUPPLY, "high", "monitor", "Ships npm-shrinkwrap.json",
       "A shrinkwrap pins transitive versions for every consumer."),
    _t("unstableOwnership", SUPPLY, "high", "monitor", "Unstable ownership",
       "A new collaborator started publishing this package."),
    _t("newAuthor", SUPPLY, "low", "monitor", "New publisher",
       "This version was published by someone who never published the package before."),
    _t("missingAuthor", SUPPLY, "middle", "monitor", "Publisher account missing",
       "The account that published this version no longer exists."),
    _t("networkAccess", SUPPLY, "middle", "monitor", "Network access",
       "Check where the package connects and why."),
    _t("shellAccess", SUPPLY, "middle", "monitor", "Shell access",
       "Check which commands the package runs."),
    _t("usesEval", SUPPLY, "middle", "monitor", "Dynamic code execution",
       "Code built at run time can hide behaviour."),
    _t("hasNativeCode", SUPPLY, "middle", "monitor", "Native code",
       "Compiled code cannot be reviewed like source."),
    _t("trivialPackage", SUPPLY, "middle", "ignore", "Trivial package",
       "A package of a few lines is often better inlined."),
    _t("filesystemAccess", SUPPLY, "low", "ignore", "Filesystem access",
       "Check which files the package reads or writes."),
    _t("envVars", SUPPLY, "low", "ignore", "Environment variable access",
       "Check which environment variables the package reads."),
    _t("debugAccess", SUPPLY, "low", "ignore", "Debug or introspection access",
       "Access to interpreter internals is unusual for most packages."),
    _t("dynamicRequire", SUPPLY, "low", "ignore", "Dynamic module load",
       "A module is loaded by a name known only at run time."),
    _t("highEntropyStrings", SUPPLY, "low", "ignore", "High-entropy strings",
       "Random-looking literals can be encrypted payloads or secrets.", True),
    _t("longStrings", SUPPLY, "low", "ignore", "Very long strings",
       "Very long literals can hold packed code.", True),
    _t("urlStrings", SUPPLY, "low", "ignore", "URLs in code",
       "Check the hosts the package names.", True),
    _t("suspiciousString", SUPPLY, "middle", "monitor", "Suspicious string",
       "The code names an exfiltration endpoint, a paste site or a credential path.", True),
    _t("bidi", SUPPLY, "middle", "monitor", "Bidirectional control characters",
       "Trojan-Source characters make code read differently from how it runs.", True),
    _t("zeroWidth", SUPPLY, "middle", "monitor", "Zero-width characters",
       "Invisible characters can hide identifiers or payloads.", True),
    _t("invisibleChars", SUPPLY, "middle", "monitor", "Invisible characters",
       "Invisible characters can hide identifiers or payloads.", True),
    _t("homoglyphs", SUPPLY, "middle", "monitor", "Confusable characters",
       "Identifiers mixing scripts can impersonate others.", True),
    _t("badEncoding", SUPPLY, "low", "ignore", "Unusual encoding",
       "Source is not in a standard text encoding.", True),
    _t("chronoAnomaly", SUPPLY, "low", "monitor", "Versions published out of order",
       "Versions were published out of semver order.", True),
    _t("semverAnomaly", SUPPLY, "middle", "monitor", "Version jump",
       "A big jump in version numbers is a dependency-confusion sign.", True),
    _t("recentlyPublished", SUPPLY, "low", "monitor", "Recently published",
       "Wait for the cool-down period before adopting a brand-new version.", True),
    # Quality
    _t("invalidPackageJSON", QUALITY, "critical", "warn", "Invalid package metadata",
       "The package metadata does not parse; package managers may read it differently."),
    _t("unresolvedRequire", QUALITY, "critical", "warn", "Unresolved import",
       "The code loads a relative file that is not in the package. Monitor (`optional`) when "
       "the load sits in a `try` with a `catch` or in a branch an environment variable picks: "
       "the file handles the absence itself. Not judged in compiled declarations (`x.d.js`)."),
    _t("unanalyzedFile", SUPPLY, "low", "monitor", "File not analysed",
       "A file was too large or too deep to analyse in full; read it before trusting the "
       "package, above all when it runs at install or is the entry point.", True),
    _t("emptyPackage", QUALITY, "low", "monitor", "Empty package",
       "The package contains no code.", True),
    _t("minifiedFile", QUALITY, "low", "ignore", "Minified code",
       "Minified code is hard to review; prefer packages that ship sources.", True),
    _t("noREADME", QUALITY, "low", "ignore", "No README", "The package has no README.", True),
    _t("noTests", QUALITY, "low", "ignore", "No tests", "The package has no tests.", True),
    _t("noRepository", QUALITY, "low", "ignore", "No repository",
       "The package names no source repository.", True),
    _t("noWebsite", QUALITY, "low", "ignore", "No website",
       "The package names no website.", True),
    _t("noBugTracker", QUALITY, "low", "ignore", "No bug tracker",
       "The package names no bug tracker.", True),
    _t("noAuthorData", QUALITY, "low", "ignore", "No author data",
       "The package names no author.", True),
    _t("badSemver", QUALITY, "low", "ignore", "Invalid version",
       "The version is not valid for its ecosystem.", True),
    _t("badSemverDependency", QUALITY, "low", "ignore", "Invalid dependency range",
       "A dependency range does not parse.", True),
    _t("floatingDependency", QUALITY, "low", "ignore", "Floating dependency",
       "A dependency accepts any version (`*`, `latest`).", True),
    _t("missingDependency", QUALITY, "low", "ignore", "Missing dependency",
       "The code imports a package it does not declare.", True),
    _t("unusedDependency", QUALITY, "low", "ignore", "Unused dependency",
       "A declared dependency is never imported.", True),
    _t("unpopularPackage", QUALITY, "middle", "monitor", "Unpopular package",
       "Few people use this package."),
    # Maintenance
    _t("deprecated", MAINT, "middle", "monitor", "Deprecated",
       "The maintainers deprecated this version; follow their advice."),
    _t("unmaintained", MAINT, "low", "monitor", "Unmaintained",
       "No release in over five years."),
    _t("unpublished", MAINT, "middle", "warn", "Unpublished",
       "This version is no longer available from the registry.", True),
    _t("majorRefactor", MAINT, "low", "monitor", "Major refactor",
       "A large share of the code changed in one version.", True),
    # Vulnerabilities
    _t("criticalCVE", VULN, "critical", "warn", "Critical vulnerability",
       "Upgrade to a fixed version."),
    _t("cve", VULN, "high", "warn", "High vulnerability", "Upgrade to a fixed version."),
    _t("mediumCVE", VULN, "middle", "monitor", "Medium vulnerability",
       "Upgrade to a fixed version."),
    _t("mildCVE", VULN, "low", "monitor", "Low vulnerability", "Upgrade to a fixed version."),
    # License
    _t("noLicenseFound", LICENSE, "low", "monitor", "No license",
       "No license is declared or shipped."),
    _t("unidentifiedLicense", LICENSE, "low", "monitor", "Unidentified license",
       "The license is not a recognised SPDX identifier."),
    _t("explicitlyUnlicensedItem", LICENSE, "low", "monitor", "Unlicensed",
       "The package is marked UNLICENSED or proprietary."),
    _t("copyleftLicense", LICENSE, "low", "monitor", "Copyleft license",
       "Copyleft terms may apply to your distribution."),
    _t("nonpermissiveLicense", LICENSE, "low", "monitor", "Non-permissive license",
       "The license restricts use."),
    _t("ambiguousClassifier", LICENSE, "low", "ignore", "Ambiguous license classifier",
       "The PyPI classifier maps to no exact license."),
    _t("licenseChange", LICENSE, "middle", "monitor", "License changed",
       "The license differs from the previous version.", True),
    _t("licenseSpdxDisj", LICENSE, "middle", "warn", "License not allowed",
       "The license is outside the project's allowed-license policy."),
    # Threats (correlation)
    _t("dataExfiltration", SUPPLY, "critical", "error", "Data exfiltration",
       "Code sends secrets or host data to the network; do not install.", True),
    _t("remoteCodeDownload", SUPPLY, "critical", "error", "Downloads and runs code",
       "Code fetches code from the network and runs it; do not install.", True),
    _t("encodedPayloadExecution", SUPPLY, "critical", "error", "Runs an encoded payload",
       "A decoded or decrypted blob is executed; do not install.", True),
    _t("credentialHarvesting", SUPPLY, "high", "warn", "Credential harvesting",
       "Code reads credential stores (browsers, tokens, wallets, cloud keys).", True),
    _t("reverseShell", SUPPLY, "critical", "error", "Reverse shell",
       "A socket is wired to a shell; do not install.", True),
    _t("binaryDropper", SUPPLY, "critical", "error", "Starts a bundled executable",
       "Install- or import-time code runs a binary shipped in the package; do not install.",
       True),
    _t("newCapabilityInPatch", SUPPLY, "high", "warn", "New capability in a patch release",
       "A minor or patch release gained a risky capability; review the change.", True),
]
# fmt: on

CATALOG: dict[str, AlertType] = {e.type: e for e in _ENTRIES}


class UnknownAlertType(LookupError):
    """An analyzer emitted a type the catalog does not know: a programming error, never input."""


def catalog_entry(alert_type: str) -> AlertType:
    """The catalog line of `alert_type`; an uncatalogued type fails loudly instead of vanishing."""
    try:
        return CATALOG[alert_type]
    except KeyError:
        raise UnknownAlertType(
            f"{alert_type!r} is emitted but missing from src/depshield/alerts/catalog.py"
        ) from None

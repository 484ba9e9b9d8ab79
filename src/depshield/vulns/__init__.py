"""Known vulnerabilities and the malware threat feed, from imported OSV records."""

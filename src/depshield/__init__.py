"""depshield: static supply-chain attack detection for npm and PyPI packages."""

__version__ = "0.1.0"

"""Registry intelligence: signals about a package's name and license rather than its code."""

"""The install guard: find out what a package manager would install, check it, then let it run."""

"""Reading package artifacts (tgz, sdist, wheel, zip, directories) in place, with limits."""

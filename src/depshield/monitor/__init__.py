"""`depshield monitor` and `depshield worker`: follow new publishes on the configured registries,
analyse each new version on any number of workers (procrastinate on PostgreSQL), and publish what
blocks as OSV `MAL-` records."""

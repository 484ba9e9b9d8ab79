"""The resident analyser: a warm process that forks one child per command, so that a short
`depshield package` run does not pay for interpreter start-up, imports and grammar set-up.

Opt-in (`depshield daemon start`), one per DEPSHIELD_HOME, reachable only by its owner through a
Unix socket; the client passes its own stdin, stdout and stderr, working directory, environment
and umask, so a command behaves exactly as it would in a fresh process.
"""

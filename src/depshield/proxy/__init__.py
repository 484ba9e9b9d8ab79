"""`depshield proxy`: an npm registry and a PyPI index in one server, in front of the configured
upstreams, serving an artifact only once it is verified, analysed and allowed by the policy."""

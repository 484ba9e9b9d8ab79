"""The project scan: find lockfiles, build the graph, fetch and analyse every package once."""

"""Pull-request integration: the project diff of two trees, its report, GitHub access."""

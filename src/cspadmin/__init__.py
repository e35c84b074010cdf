"""cspadmin: a local CSP control plane that speaks Azure, and the tooling for admin privileges."""

__version__ = "0.1.0"

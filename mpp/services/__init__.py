"""Use cases: each opens a transaction, applies the domain, commits, then publishes."""

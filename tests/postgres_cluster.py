"""Kept for ``benchmarks/log_backends.py`` until issue 27 moves its import: the cluster is
``tests/support/postgres_cluster.py``."""

from support.postgres_cluster import Cluster, ClusterError, find_bin

__all__ = ["Cluster", "ClusterError", "find_bin"]

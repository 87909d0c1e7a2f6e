"""Load benchmarks: run against a real server on PostgreSQL, never inside the test suite."""

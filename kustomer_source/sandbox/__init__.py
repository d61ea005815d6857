"""A local, faithful Kustomer API for tests, the demo and benchmarks."""

"""Checks of the benchmark harness itself (`python -m bench`, the page, `mkmw bench`).

They live with bench/ because they import it; the product's tests in tests/ import nothing
from bench/. `make test` runs them as a step of their own (`pytest bench/tests`).
"""

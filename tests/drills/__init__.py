"""Verification drivers the tests run: the fault soak and the crash-recovery drill.

They drive the product's sync functions against the emulators, so they import `mkmw_flows`
and cannot live beside the emulators (which must not depend on the product). They are test
tools, not benchmarks: `tests/resilience` runs short versions, and each has a command line
for a long run from the checkout's root (`python -m tests.drills.soak`,
`python -m tests.drills.crash`).
"""

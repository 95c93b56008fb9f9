"""What both API clients share: call counters (`callstats`) and secret scrubbing (`redact`).

Neither knows Prefect or either API; `redact` is also used by `blocks.py` for the
credentials' repr.
"""

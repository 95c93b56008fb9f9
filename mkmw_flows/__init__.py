"""mkmw-flows: MplusKASSA <-> MijnWebwinkel synchronisation on Prefect 3."""

__version__ = "0.1.0"

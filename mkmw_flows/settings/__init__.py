"""Settings blocks of the flows, one module per flow (re-exported by mkmw_flows.blocks)."""

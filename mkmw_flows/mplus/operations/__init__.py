"""MplusKASSA operations per entity, each a mixin over the SOAP session.

:class:`~mkmw_flows.mplus.client.MplusClient` composes them into one client.
"""

"""MijnWebwinkel endpoints per entity, each a mixin over the HTTP session.

:class:`~mkmw_flows.mijnwebwinkel.client.MijnWebwinkelClient` composes them into one client.
"""

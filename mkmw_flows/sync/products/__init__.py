"""The products wing: MplusKASSA products and article groups <-> shop articles and categories.

``source`` (the MplusKASSA product as the datamapper reads it), ``defaults`` (the default
field maps), ``plan`` / ``images`` / ``lists`` (what to write, per product and per page),
``steps`` and ``run`` (the forward sync on the step template), ``categories`` (groups ->
categories), ``reverse`` and ``reverse_variants`` (shop -> MplusKASSA).
"""

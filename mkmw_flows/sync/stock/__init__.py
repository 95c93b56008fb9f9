"""The stock wing: MplusKASSA stock levels -> MijnWebwinkel article and variant stock.

``feed`` (what changed, the stock cursor), ``calc`` (the figure the shop shows), ``targets``
(where stock goes in the shop), ``record`` (one shop article's articles and their results),
``writes`` (the shop's stock writes), ``steps`` (the step template's steps), ``run`` (pages
and a whole run without Prefect) and ``reconcile`` (compare both systems, heal on request).
"""

"""The orders wing: shop orders into MplusKASSA, MplusKASSA orders into the shop, customers.

Modules, in the order a shop order meets them: :mod:`.feed` (pages, cursors, held orders, the
page's lookups), :mod:`.record` (the flat records and the default maps over them),
:mod:`.check` (which orders are taken, the checks that need no call), :mod:`.articles` (line
products), :mod:`.lines` (the MplusKASSA lines, VAT, rounding, delivery), :mod:`.customers`,
:mod:`.build` (the order itself), :mod:`.status` (status both ways); :mod:`.steps` runs them
in the template's order, :mod:`.run` runs a whole run, :mod:`.reverse` the other direction.

Nothing is imported here: the settings import :mod:`.record` for the default maps.
"""

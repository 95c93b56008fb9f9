"""A product's images: plan a write when they changed, build it, remember what was written.

The identity of each MplusKASSA image (id and content hash) is hashed onto the binding, so
unchanged images cost nothing; images the shop owner added in the shop are kept, after ours.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from mkmw_flows.mapping import FieldChange, value_hash
from mkmw_flows.mijnwebwinkel.models import Article as ShopArticle
from mkmw_flows.mijnwebwinkel.models import ImageInput
from mkmw_flows.sync.products.source import MAX_IMAGES, product_images

if TYPE_CHECKING:
    from mkmw_flows.sync.products.plan import ProductPlan


def plan_images(plan: ProductPlan) -> None:
    """Plan an image write when the product's MplusKASSA images differ from those written."""
    found = product_images(plan.src.articles)
    images = [i for i in found if i.image_url][:MAX_IMAGES]
    state = plan.binding.extra.get("images") if plan.binding is not None else None
    digest = value_hash([i.identity for i in images])
    if (state is None and not images) or (state or {}).get("hash") == digest:
        return
    plan.images = images
    plan.image_state = {"hash": digest, "names": [i.image_name or "" for i in images]}
    old = state.get("names") if state else None
    plan.changes.append(FieldChange("images", old, plan.image_state["names"]))
    left = len(found) - len(images)
    if left:
        plan.message = (
            f"SKU {plan.src.sku}: {left} image(s) left out (no URL in MplusKASSA, or more "
            f"than the shop's {MAX_IMAGES})"
        )


def image_inputs(plan: ProductPlan) -> list[ImageInput]:
    """Our images first (by URL), then the images the shop owner added, kept by id."""
    ours = [ImageInput(url=i.image_url, position=n) for n, i in enumerate(plan.images, 1)]
    if plan.current is None:
        return ours
    state = plan.binding.extra.get("images", {}) if plan.binding is not None else {}
    written = set(state.get("ids", []))
    # a shop image named like one of ours is ours from before (e.g. a lost binding)
    names = {i.image_name for i in plan.images} | set(state.get("names", []))
    theirs = [
        i
        for i in by_position(plan.current.images)
        if i.id and i.id not in written and i.original_name not in names
    ]
    kept = [ImageInput(id=image.id, position=len(ours) + n) for n, image in enumerate(theirs, 1)]
    return ours + kept[: max(0, MAX_IMAGES - len(ours))]


def image_extra(plan: ProductPlan, article: ShopArticle) -> dict[str, Any]:
    """The binding's ``images`` extra after an image write (else nothing)."""
    if plan.image_state is None or not any(c.target == "images" for c in plan.writes):
        return {}
    ids = [i.id for i in by_position(article.images)][: len(plan.images)]
    return {"images": {**plan.image_state, "ids": ids}}


def by_position(images: Iterable[Any]) -> list[Any]:
    """Shop images in their position order (unpositioned last)."""
    return sorted(images, key=lambda i: (i.position is None, i.position or 0))

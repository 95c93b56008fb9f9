"""Option lists (e.g. sizes), their options, and the variants (option combinations) they make."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import Field, field_validator

from mkmw_flows.mijnwebwinkel.models.common import RequestModel, ResponseModel, blank_to_none


class ListOption(ResponseModel):
    """An option of an option list (e.g. size "L"), with its surcharge."""

    id: int | None = None
    name: str = ""
    price: Decimal | None = None
    image_ids: list[str] = Field(default_factory=list)

    _blank = field_validator("price", mode="before")(blank_to_none)


class ArticleList(ResponseModel):
    """An option list (``GET /articlelists/{id}``, or an entry of ``Article.lists``)."""

    id: int | None = None
    name: str = ""
    description: str | None = None
    has_images: bool | None = None
    options: list[ListOption] = Field(default_factory=list)


class VariantOption(ResponseModel):
    """One chosen option of a variant."""

    list_id: int | None = None
    option_id: int | None = None
    name: str | None = None


class Variant(ResponseModel):
    """An option combination with its own stock (variants have no SKU)."""

    id: int
    options: list[VariantOption] = Field(default_factory=list)
    stock: int | None = None
    can_backorder: bool | None = None

    @field_validator("options", mode="before")
    @classmethod
    def _options_map(cls, value: Any) -> Any:
        # The spec example (and the live API) send {"<list_id>": "<option name>"}.
        if isinstance(value, dict):
            return [{"list_id": int(k), "name": v} for k, v in value.items()]
        return value or []

    def option_names(self) -> dict[int, str]:
        """{list id: option name} of this variant."""
        return {o.list_id: o.name or "" for o in self.options if o.list_id is not None}


class ListOptionAttach(RequestModel):
    """An option of a list to offer on an article (``image_ids`` required by the spec)."""

    id: int
    image_ids: list[str] = Field(default_factory=list)


class ListAttach(RequestModel):
    """Attach an option list to an article with the options to offer (replace-all on PATCH)."""

    id: int
    has_images: bool | None = None
    options: list[ListOptionAttach]


class NewListOption(RequestModel):
    """An option to add to a list (``POST /articlelistoptions/{list_id}``)."""

    name: str
    price: Decimal | None = None


class VariantPatch(RequestModel):
    """Stock (None = unlimited) or backorder setting of one variant."""

    id: int
    stock: int | None = None
    can_backorder: bool | None = None

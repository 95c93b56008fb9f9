"""Option lists ("articlelists"), their options and the variants they generate."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from mkmw_emulators.mijnwebwinkel.models.base import ShopState
from mkmw_emulators.mijnwebwinkel.models.exceptions import Invalid, NotFound

if TYPE_CHECKING:
    from mkmw_emulators.mijnwebwinkel.models.articles import Article


@dataclass
class Option:
    id: int
    name: str
    price: Decimal = Decimal("0.00")


@dataclass
class OptionList:
    id: int
    name: str
    description: str = ""
    options: list[Option] = field(default_factory=list)

    def option(self, option_id: int) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass
class AttachedList:
    list_id: int
    option_ids: list[int]
    has_images: bool = False


@dataclass
class Variant:
    id: int
    option_ids: tuple[int, ...]
    stock: int | None = None
    can_backorder: bool | None = None


class OptionListsMixin(ShopState):
    """Option lists and options; a list change regenerates the variants of its articles."""

    def create_list(
        self, name: str, options: Iterable[tuple[str, Decimal | str]] = (), description: str = ""
    ) -> OptionList:
        """Create an option list (the API cannot; merchants do it in the backend)."""
        with self.lock:
            option_list = OptionList(next(self._list_ids), name, description)
            self.lists[option_list.id] = option_list
            for option_name, price in options:
                option_list.options.append(
                    Option(next(self._option_ids), option_name, Decimal(str(price)))
                )
            return option_list

    def get_list(self, list_id: int) -> OptionList:
        option_list = self.lists.get(list_id)
        if option_list is None:
            raise NotFound(f"Articlelist {list_id} not found")
        return option_list

    def add_list_options(self, list_id: int, options: Iterable[tuple[str, Decimal]]) -> OptionList:
        """Add options to a list; every article offering the list gets them and new variants."""
        with self.lock:
            option_list = self.get_list(list_id)
            new_ids = []
            for name, price in options:
                if any(o.name == name for o in option_list.options):
                    raise Invalid(
                        f"Option {name!r} already exists in list {list_id}", [("name", "duplicate")]
                    )
                option = Option(next(self._option_ids), name, Decimal(str(price)))
                option_list.options.append(option)
                new_ids.append(option.id)
            for article in self.articles.values():
                for attached in article.lists:
                    if attached.list_id == list_id:
                        attached.option_ids.extend(new_ids)
                        self._regenerate_variants(article)
            return option_list

    def remove_list_options(self, list_id: int, names: Iterable[str]) -> OptionList:
        """Remove options (by name) from a list and from every article offering them."""
        with self.lock:
            option_list = self.get_list(list_id)
            names = set(names)
            gone = {o.id for o in option_list.options if o.name in names}
            option_list.options = [o for o in option_list.options if o.id not in gone]
            for article in self.articles.values():
                for attached in article.lists:
                    if attached.list_id == list_id and gone & set(attached.option_ids):
                        attached.option_ids = [i for i in attached.option_ids if i not in gone]
                        self._regenerate_variants(article)
            return option_list

    def _regenerate_variants(self, article: Article) -> None:
        """Variants = every combination of the offered options; kept combos keep id and stock."""
        existing = {v.option_ids: v for v in article.variants}
        axes = [a.option_ids for a in article.lists if a.option_ids]
        combos = [tuple(c) for c in itertools.product(*axes)] if axes else []
        variants = []
        for combo in combos:
            key = tuple(combo)
            variant = existing.get(key)
            if variant is None:
                variant = Variant(
                    next(self._variant_ids), key, 0 if article.stock is not None else None
                )
            variants.append(variant)
        article.variants = variants
        article.updated_at = self.now()

    def variant_for_options(self, article: Article, option_ids: Iterable[int]) -> Variant | None:
        wanted = set(option_ids)
        for variant in article.variants:
            if set(variant.option_ids) == wanted:
                return variant
        return None

    def option_name(self, option_id: int) -> tuple[int, str, Decimal]:
        """(list id, option name, surcharge) of an option id."""
        for option_list in self.lists.values():
            option = option_list.option(option_id)
            if option is not None:
                return option_list.id, option.name, option.price
        raise NotFound(f"List option {option_id} not found")

"""Relations (customers): persons, or companies with contacts, and a write's result."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel

from mkmw_flows.mplus.models.wire import MDate, MDateTime, W, WireModel


class Relation(WireModel):
    """A customer (or supplier): a person, or a company (``company_name``) with contacts."""

    relation_number: int | None = None
    ext_relation_id: str | None = None
    sync_marker: int | None = None
    change_timestamp: MDateTime = None
    active: bool | None = None
    name: str | None = None
    address: str | None = None
    zipcode: str | None = None
    city: str | None = None
    country: str | None = None
    delivery_address: str | None = None
    delivery_zipcode: str | None = None
    delivery_city: str | None = None
    delivery_country: str | None = None
    contact: str | None = None
    telephone: str | None = None
    mobile: str | None = None
    email: str | None = None
    website: str | None = None
    birth_date: MDate = None
    payment_within_days: int | None = None
    vat_number: str | None = None
    commerce_number: str | None = None
    extra_text: str | None = None
    contacts: Annotated[
        list[Relation] | None,
        W("contactList", kind="wrapped", item="relation", model="Relation"),
    ] = None
    company_name: str | None = None

    @property
    def is_company(self) -> bool:
        """A company is a relation with a company name (MplusKASSA has no person/company flag)."""
        return bool(self.company_name)


class RelationWriteResult(BaseModel):
    """``createRelation`` / ``updateRelation`` succeeded."""

    relation_number: int | None = None
    sync_marker: int | None = None

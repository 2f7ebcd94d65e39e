"""The records of the network, read from the mirror: certificates and their history, the
administrations, the MRAs, and the AEO list a country sees."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from cadena_client.document import aeo_row, document
from cadena_client.errors import NotFoundError
from cadena_client.lists import files as aeo_files
from cadena_client.schema.models import (
    AdministrationsDocument,
    CertificateDocument,
    CertificatesDocument,
    EventsDocument,
    MrasDocument,
)
from cadena_client.service.answers import NOT_FOUND, REFUSALS, UNAVAILABLE
from cadena_client.service.deps import CountryQuery, ReadingDep, TinPath

MAX_PAGE = 1_000
MEDIA = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
router = APIRouter(prefix="/v1", responses={**REFUSALS, **UNAVAILABLE})


@router.get("/certificates/{tin}", response_model=CertificateDocument, tags=["certificates"], responses=NOT_FOUND)
def certificate(tin: TinPath, read: ReadingDep) -> dict:
    """The certificate of `tin`, with the name and address it was last issued or updated with."""
    return {**document("certificate", read.reader.certificate(tin)), "as_of": read.as_of}


@router.get("/certificates/{tin}/history", response_model=EventsDocument, tags=["certificates"], responses=NOT_FOUND)
def history(tin: TinPath, read: ReadingDep) -> dict:
    """Every lifecycle event of the certificate of `tin`, oldest first, with who acted and why."""
    events = read.reader.history(tin)
    if not events:
        raise NotFoundError(f"no event for TIN {tin}")
    return {**document("events", events), "as_of": read.as_of}


@router.get("/certificates", response_model=CertificatesDocument, tags=["certificates"])
def certificates(
    country: CountryQuery,
    read: ReadingDep,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> dict:
    """An administration's certificates, in TIN order, a page at a time."""
    found = read.reader.certificates(country)
    page = found[offset : offset + limit]
    return {
        **document("certificates", page),
        "total": len(found),
        "offset": offset,
        "limit": limit,
        "as_of": read.as_of,
    }


@router.get("/administrations", response_model=AdministrationsDocument, tags=["network"])
def administrations(read: ReadingDep) -> dict:
    """Every customs administration of the network, its standing and how many certificates it issued."""
    return {**document("administrations", read.reader.administrations()), "as_of": read.as_of}


@router.get("/mras", response_model=MrasDocument, tags=["network"])
def mras(read: ReadingDep) -> dict:
    """Every MRA, its parties and their participation, and its status today."""
    return {**document("mras", read.reader.mras()), "as_of": read.as_of}


@router.get(
    "/aeo-list",
    tags=["network"],
    response_class=Response,
    responses={200: {"description": "The list as a file", "content": {media: {} for media in MEDIA.values()}}},
)
def aeo_list(country: CountryQuery, read: ReadingDep, format: Literal["json", "csv", "xlsx"] = "json") -> Response:
    """The AEO list `country` sees (its own and its MRA partners'), in the layout of `cadena export`."""
    rows = [aeo_row(cert, answer) for cert, answer in read.reader.aeo_list(country)]
    return Response(aeo_files.write(rows, format), media_type=MEDIA[format])

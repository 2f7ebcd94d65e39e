"""What a reader of the network answers, whoever answers it: the chain client (`Cadena`, current
to the node's head) and the local mirror (`Mirror`, as of its last sync) both implement `Reader`
and return the same records, so the page, the service and the CLI read either the same way."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from cadena_client.domain.event import Event
from cadena_client.domain.model import MRA, Administration, Certificate, Verification


@runtime_checkable
class Reader(Protocol):
    def certificate(self, tin: str) -> Certificate:
        """The certificate of `tin`; NotFoundError if none was ever issued."""
        ...

    def certificates(self, code: str) -> list[Certificate]:
        """Every certificate administration `code` has issued."""
        ...

    def administrations(self) -> list[Administration]: ...

    def mras(self, code: str | None = None) -> list[MRA]:
        """MRAs `code` is party to, or every MRA of the network."""
        ...

    def verify(self, importing_country: str, tin: str) -> Verification: ...

    def verify_many(self, importing_country: str, tins: list[str]) -> list[Verification]: ...

    def history(self, tin: str) -> list[Event]:
        """Every lifecycle event of the certificate of `tin`, oldest first."""
        ...

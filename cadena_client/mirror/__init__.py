"""A local SQLite mirror of the chain: administrations, roles, certificates, MRAs and the full audit
trail, rebuilt from the contract's events alone, resumable and reorg-safe (`sync`), numbered as a
feed for consumers (`feed`), verifying from memory exactly as the contract does (`recognition`),
and read through the same records as the chain client (`queries`; see `cadena_client.domain.reader`).

The modules by job: `store` (the file, its schema and migrations, webhook deliveries included),
`projection` (events into current-state tables), `sync` (reading the chain, reorgs), `feed`,
`recognition` and `queries`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from cadena_client.chain.logs import DEFAULT_CHUNK
from cadena_client.confidential.keys import ExchangeKeys
from cadena_client.domain.event import Event
from cadena_client.domain.model import (
    MRA,
    Administration,
    Benefit,
    Certificate,
    MasterData,
    Verification,
    parse_country,
    parse_tin,
)
from cadena_client.errors import MirrorError, NotFoundError
from cadena_client.mirror import feed, projection, queries
from cadena_client.mirror.recognition import Recognition
from cadena_client.mirror.store import Position, Store
from cadena_client.mirror.sync import SyncResult, sync

__all__ = ["Mirror", "MirrorError", "Position", "SyncResult"]


def _day(at: float | None) -> int:
    return int(time.time() if at is None else at) // 86400


class Mirror(Store):
    """The SQLite mirror of one deployment: a `Reader` like the chain client."""

    def __init__(
        self,
        path: Path | str,
        chain_id: int,
        address: str,
        deploy_block: int,
        create: bool = True,
        exchange: ExchangeKeys | None = None,
    ):
        self.exchange = exchange  # this administration's keys: it keeps the master data sealed to it
        replay = lambda: projection.replay(self.db, exchange)  # noqa: E731
        super().__init__(path, chain_id, address, deploy_block, create, replay=replay)
        self.recognition = Recognition.load(self.db)

    def master_data(self, tin_: str) -> MasterData | None:
        """The master data of `tin_` on chain now (same commitment), if this mirror could open it (sealed to
        its country); a copy of an earlier update is not the certificate's master data any more."""
        row = self.db.execute(
            "SELECT m.json FROM master_data m JOIN certificates c "
            "ON c.tin = m.tin AND c.version = m.version AND c.commitment = m.commitment WHERE m.tin = ?",
            (parse_tin(tin_),),
        ).fetchone()
        return MasterData.from_canonical(row[0].encode()) if row else None

    # -- following the chain ---------------------------------------------------------------------

    def sync(
        self,
        cadena,
        confirmations: int = 0,
        chunk: int = DEFAULT_CHUNK,
        to_block: int | None = None,
        guard: Callable[[], AbstractContextManager] = nullcontext,
    ) -> SyncResult:
        """Brings the mirror up to the chain head minus `confirmations` (or `to_block`); readers sharing
        a lock pass `guard` (see `cadena_client.mirror.sync`)."""
        return sync(self, cadena, confirmations, chunk, to_block, guard)

    def follow(
        self,
        cadena,
        on_sync: Callable[[SyncResult], None],
        poll: float = 1.0,
        confirmations: int = 0,
        chunk: int = DEFAULT_CHUNK,
        stop: Callable[[], bool] = lambda: False,
    ) -> None:
        """Syncs every `poll` seconds until `stop()`; `on_sync` sees each result with changes."""
        while not stop():
            result = self.sync(cadena, confirmations, chunk)
            if result.events or result.retracted:
                on_sync(result)
            time.sleep(poll)

    def feed(self, after: int, limit: int = 10_000) -> list[Event]:
        """The feed after number `after` (see `cadena_client.mirror.feed`)."""
        return feed.feed(self.db, after, limit)

    # -- reading ---------------------------------------------------------------------------------

    def verify(self, importing_country: str, tin_: str, at: float | None = None) -> Verification:
        """The contract's `verify`, answered from memory, on the day of timestamp `at` (default now)."""
        return self.verify_many(importing_country, [tin_], at)[0]

    def verify_many(self, importing_country: str, tins: list[str], at: float | None = None) -> list[Verification]:
        importer, valid = parse_country(importing_country), [parse_tin(t) for t in tins]
        answers = self.recognition.verify_many(importer, valid, _day(at))
        return [
            Verification(importer, t, recognised, Benefit(benefits) if benefits else None, verdict)
            for t, (recognised, benefits, verdict) in zip(valid, answers, strict=True)
        ]

    def certificate(self, tin_: str) -> Certificate:
        code = parse_tin(tin_)
        found = queries.certificate(self.db, code)
        if found is None:
            raise NotFoundError(f"no certificate was ever issued for TIN {code}")
        return found

    def certificates(self, code: str) -> list[Certificate]:
        """Every certificate `code` has issued, in TIN order."""
        return queries.certificates(self.db, [self._member(code)])

    def _member(self, code: str) -> str:
        """`code` of an administration of the network, else NotFoundError (as the chain answers)."""
        code = parse_country(code)
        if not self.db.execute("SELECT 1 FROM administrations WHERE country = ?", (code,)).fetchone():
            raise NotFoundError(f"{code} has no customs administration on this network")
        return code

    def all_certificates(self, countries: list[str] | None = None) -> list[Certificate]:
        """The certificates of `countries` (default every country), by country and TIN."""
        return queries.certificates(self.db, None if countries is None else [parse_country(c) for c in countries])

    def administrations(self) -> list[Administration]:
        return queries.administrations(self.db)

    def mras(self, code: str | None = None, at: float | None = None) -> list[MRA]:
        """Every MRA (or `code`'s) with its parties, and its status on the day of `at` (default now)."""
        return queries.mras(self.db, self.recognition, _day(at), None if code is None else self._member(code))

    def history(self, tin_: str) -> list[Event]:
        return queries.history(self.db, parse_tin(tin_))

    def administration_history(self, code: str) -> list[Event]:
        """The admission of `code`'s administration, its suspensions and reinstatements, key recoveries and
        the grants and revocations of its admins and officers, oldest first."""
        return queries.administration_history(self.db, parse_country(code))

    def roles(self) -> dict[str, list[tuple[str, str]]]:
        """Account -> the (country, "admin" | "officer") roles it holds now."""
        return queries.roles(self.db)

    def partners(self, code: str, at: float | None = None) -> list[str]:
        """Countries sharing with `code` an MRA in force on the day of `at` (default now)."""
        return self.recognition.partners(parse_country(code), _day(at))

    def aeo_list(self, code: str, at: float | None = None) -> list[tuple[Certificate, Verification | None]]:
        """The AEO list `code` sees: its certificates, and its partners' under MRAs in force each with
        whether `code` recognises it on the day of `at` (default now)."""
        code = parse_country(code)
        listed = self.all_certificates([code, *self.partners(code, at)])
        foreign = [c for c in listed if c.country != code]
        answers = dict(zip((c.tin for c in foreign), self.verify_many(code, [c.tin for c in foreign], at), strict=True))
        return [(c, answers.get(c.tin)) for c in listed]

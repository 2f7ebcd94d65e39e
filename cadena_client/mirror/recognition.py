"""The contract's `verify`, answered from memory: certificates by TIN, MRAs by id, MRA ids by pair of
countries, and the administrations the members suspended. What an MRA grants a pair of countries
depends only on the pair, the AEO types and the day, so a batch works it out once per exporter and
types, and each TIN costs a dictionary look-up and a few integer compares."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from cadena_client.domain.event import Event
from cadena_client.domain.model import AdministrationStatus, CertificateStatus, MRAStatus, PartyStatus, Verdict

PENDING, SIGNED, SUSPENDED, LEFT = (
    int(s) for s in (PartyStatus.PENDING, PartyStatus.SIGNED, PartyStatus.SUSPENDED, PartyStatus.LEFT)
)
ACTIVE = int(CertificateStatus.ACTIVE)
Answer = tuple[bool, int, Verdict]  # recognised, benefits (bit flags), verdict
UNKNOWN: Answer = (False, 0, Verdict.UNKNOWN_TIN)
SAME_COUNTRY: Answer = (False, 0, Verdict.SAME_COUNTRY)
NOT_ACTIVE: Answer = (False, 0, Verdict.NOT_ACTIVE)
NOT_YET_VALID: Answer = (False, 0, Verdict.NOT_YET_VALID)
EXPIRED: Answer = (False, 0, Verdict.EXPIRED)
ISSUER_SUSPENDED: Answer = (False, 0, Verdict.ISSUER_SUSPENDED)


@dataclass(frozen=True)
class MRAState:
    """An MRA as `verify` weighs it: benefits and covered types (bit flags), effective day, parties."""

    benefits: int
    covered: int
    effective: int
    parties: tuple[str, ...]
    statuses: tuple[int, ...]
    consent_required: bool = False  # recognises only certificates whose holder consented to the exchange
    by_country: dict[str, int] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_country", dict(zip(self.parties, self.statuses, strict=True)))

    @property
    def pending(self) -> bool:
        return PENDING in self.statuses

    @property
    def members(self) -> int:
        return sum(status != LEFT for status in self.statuses)

    def active(self, code: str) -> bool:
        return self.by_country.get(code) == SIGNED

    def agreed(self, code: str) -> bool:
        """Whether `code` signed (and has not left): only MRAs both countries signed weigh on verify."""
        return self.by_country.get(code) in (SIGNED, SUSPENDED)

    def status(self, day: int) -> MRAStatus:
        if self.members < 2:
            return MRAStatus.TERMINATED
        if self.pending:
            return MRAStatus.PROPOSED
        if day < self.effective:
            return MRAStatus.CONCLUDED
        return MRAStatus.IN_FORCE if self.statuses.count(SIGNED) >= 2 else MRAStatus.SUSPENDED


class Recognition:
    """In-memory tables for `verify`, loaded from the mirror and refreshed by what each sync changed."""

    def __init__(self):
        self.certificates: dict[str, tuple[int, int, int, int, int]] = {}  # status, types, from, expiry, visibility
        self.mras: dict[int, MRAState] = {}
        self.pairs: dict[tuple[str, str], list[int]] = {}
        self.suspended: set[str] = set()  # administrations suspended or expelled by the members

    @classmethod
    def load(cls, db: sqlite3.Connection) -> Recognition:
        index = cls()
        for tin_, *fields in db.execute(
            "SELECT tin, status, aeo_types, valid_from, expiry, visibility FROM certificates"
        ):
            index.certificates[tin_] = tuple(fields)
        for (mra_id,) in db.execute("SELECT id FROM mras ORDER BY id"):
            index._load_mra(db, mra_id)
        index._load_standing(db)
        return index

    def _load_standing(self, db: sqlite3.Connection) -> None:
        self.suspended = {
            code
            for (code,) in db.execute(
                "SELECT country FROM administrations WHERE status != ?", (int(AdministrationStatus.ACTIVE),)
            )
        }

    def refresh(self, db: sqlite3.Connection, events: list[Event]) -> None:
        """Reloads what `events` changed."""
        changed = json.dumps(sorted({event.tin for event in events if event.tin}))
        for tin_, *fields in db.execute(
            "SELECT tin, status, aeo_types, valid_from, expiry, visibility FROM certificates "
            "WHERE tin IN (SELECT value FROM json_each(?))",
            (changed,),
        ):
            self.certificates[tin_] = tuple(fields)
        for mra_id in sorted({event.mra_id for event in events if event.mra_id}):
            self._load_mra(db, mra_id)
        if any(event.name.startswith("Administration") for event in events):
            self._load_standing(db)

    def _load_mra(self, db: sqlite3.Connection, mra_id: int) -> None:
        benefits, covered, effective, consent = db.execute(
            "SELECT benefits, covered_types, effective_from, consent_required FROM mras WHERE id = ?", (mra_id,)
        ).fetchone()
        rows = db.execute(
            "SELECT country, status FROM mra_parties WHERE mra_id = ? ORDER BY position", (mra_id,)
        ).fetchall()
        parties, statuses = tuple(r[0] for r in rows), tuple(r[1] for r in rows)
        state = MRAState(benefits, covered, effective, parties, statuses, bool(consent))
        if mra_id not in self.mras:
            for i, first in enumerate(state.parties):
                for second in state.parties[i + 1 :]:
                    self.pairs.setdefault(_pair(first, second), []).append(mra_id)
        self.mras[mra_id] = state

    def verify(self, importer: str, tin_: str, day: int) -> Answer:
        """Exactly the contract's `verify` on day `day`."""
        return self.verify_many(importer, [tin_], day)[0]

    def verify_many(self, importer: str, tins: list[str], day: int) -> list[Answer]:
        """`verify` of many TINs for one importing country on day `day`."""
        certificates = self.certificates
        under_mras: dict[tuple[str, int, bool], Answer] = {}
        answers: list[Answer] = []
        for tin_ in tins:
            cert = certificates.get(tin_)
            if cert is None:
                answers.append(UNKNOWN)
                continue
            status, types, valid_from, expiry, visibility = cert
            exporter = tin_[:2]
            if exporter == importer:
                answers.append(SAME_COUNTRY)
            elif status != ACTIVE:
                answers.append(NOT_ACTIVE)
            elif day < valid_from:
                answers.append(NOT_YET_VALID)
            elif expiry and day > expiry:
                answers.append(EXPIRED)
            else:
                key = (exporter, types, visibility != 0)
                answer = under_mras.get(key)
                if answer is None:
                    answer = under_mras[key] = self._under_mras(importer, exporter, types, day, visibility != 0)
                answers.append(answer)
        return answers

    def _under_mras(self, importer: str, exporter: str, types: int, day: int, consented: bool) -> Answer:
        """What the MRAs between two countries grant an active certificate of `types` on `day` whose holder
        `consented` (visibility beyond the issuer) or not."""
        benefits, verdict = 0, Verdict.NO_MRA
        for mra_id in self.pairs.get(_pair(importer, exporter), ()):
            mra = self.mras[mra_id]
            if not (mra.agreed(importer) and mra.agreed(exporter)):
                continue
            if mra.pending or day < mra.effective or not (mra.active(importer) and mra.active(exporter)):
                if verdict is Verdict.NO_MRA:
                    verdict = Verdict.MRA_NOT_IN_FORCE
            elif not mra.covered & types:
                if verdict not in (Verdict.RECOGNISED, Verdict.NO_CONSENT):
                    verdict = Verdict.TYPE_NOT_COVERED
            elif mra.consent_required and not consented:
                if verdict is not Verdict.RECOGNISED:
                    verdict = Verdict.NO_CONSENT
            else:
                benefits |= mra.benefits
                verdict = Verdict.RECOGNISED
        if verdict is Verdict.RECOGNISED:
            return ISSUER_SUSPENDED if exporter in self.suspended else (True, benefits, verdict)
        return False, 0, verdict

    def partners(self, code: str, day: int) -> list[str]:
        """Countries sharing with `code` an MRA in force on day `day`."""
        found = set()
        for (first, second), ids in self.pairs.items():
            if code in (first, second):
                other = second if first == code else first
                mras = (self.mras[i] for i in ids)
                if any(not m.pending and day >= m.effective and m.active(code) and m.active(other) for m in mras):
                    found.add(other)
        return sorted(found)


def _pair(a: str, b: str) -> tuple[str, str]:
    """The key of a pair of countries, whichever comes first."""
    return (a, b) if a < b else (b, a)

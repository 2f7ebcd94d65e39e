"""The typed API over the CADENA contract: administrations, certificates, MRAs and verification.

Reads need only a chain; writes need a `Signer`. Every input is validated before anything is sent,
and a revert comes back as the contract error's exception with a message for a person.
"""

from __future__ import annotations

from datetime import date

from eth_utils import to_checksum_address

from .artifact import load_artifact
from .chain import Chain, Signer
from .errors import CadenaError
from .events import certificate_history
from .model import (
    MAX_PAGE,
    MAX_PARTIES,
    MRA,
    Administration,
    AEOType,
    Benefit,
    Certificate,
    CertificateStatus,
    InputError,
    MasterData,
    MRAStatus,
    Party,
    PartyStatus,
    Reason,
    Verdict,
    Verification,
    country,
    country_from_bytes2,
    country_to_bytes2,
    from_day,
    tin,
    tin_from_bytes32,
    tin_to_bytes32,
    to_day,
)


def verification(importer: str, tin_: str, answer: tuple) -> Verification:
    """The contract's verify answer (recognised, benefits, verdict) as a Verification."""
    recognised, benefits, verdict = answer
    return Verification(importer, tin_, recognised, Benefit(benefits) if benefits else None, Verdict(verdict))


def certificate_record(tin_: str, stored) -> Certificate:
    """The contract's Certificate struct (holder, status, types, validity, version, commitment) as a Certificate."""
    holder, status, types, valid_from, expiry, version, commitment = stored
    return Certificate(
        tin=tin_,
        status=CertificateStatus(status),
        aeo_types=AEOType(types),
        valid_from=from_day(valid_from),
        expiry=from_day(expiry),
        holder=None if int(holder, 16) == 0 else to_checksum_address(holder),
        version=version,
        commitment=bytes(commitment),
    )


class NotFoundError(CadenaError):
    """The chain has no such certificate, administration or MRA."""


class Cadena:
    """One deployed CADENA contract on one chain, optionally with a signer for writes."""

    def __init__(self, chain: Chain, address: str, signer: Signer | None = None, deploy_block: int = 0):
        self.chain = chain
        self.contract = chain.w3.eth.contract(address=address, abi=load_artifact()["abi"])
        self.signer = signer
        self.deploy_block = deploy_block

    @property
    def address(self) -> str:
        return self.contract.address

    def as_signer(self, signer: Signer) -> Cadena:
        """The same contract, writing as `signer`."""
        return Cadena(self.chain, self.address, signer, self.deploy_block)

    def _send(self, call, operation: str):
        if self.signer is None:
            raise CadenaError(f"{operation} needs a signing account: give --keystore (or --dev-account on a local chain)")
        return self.signer.transact(call, operation)

    # -- administrations -------------------------------------------------------------------------

    def register_administration(self, code: str, name: str, admin: str):
        """Governance registers the customs administration of `code` with its first admin."""
        return self._send(self.contract.functions.registerAdministration(country_to_bytes2(code), name, admin),
                          "register")  # fmt: skip

    def grant_admin(self, code: str, account: str):
        """Governance appoints another administration admin of `code`."""
        return self._send(self.contract.functions.grantRole(self.admin_role(code), account), "grant")

    def grant_officer(self, code: str, account: str):
        return self._send(self.contract.functions.grantRole(self.officer_role(code), account), "grant")

    def revoke_officer(self, code: str, account: str):
        return self._send(self.contract.functions.revokeRole(self.officer_role(code), account), "revoke")

    def officer_role(self, code: str) -> bytes:
        return self.contract.functions.officerRole(country_to_bytes2(code)).call()

    def admin_role(self, code: str) -> bytes:
        return self.contract.functions.adminRole(country_to_bytes2(code)).call()

    def is_officer(self, code: str, account: str) -> bool:
        return self.contract.functions.hasRole(self.officer_role(code), account).call()

    def is_admin(self, code: str, account: str) -> bool:
        return self.contract.functions.hasRole(self.admin_role(code), account).call()

    def administration(self, code: str) -> Administration:
        code = country(code)
        registered, certificates, mras, name = self.contract.functions.administration(code.encode()).call()
        if not registered:
            raise NotFoundError(f"{code} has no customs administration on this network")
        return Administration(code, name, certificates, mras)

    def administrations(self) -> list[Administration]:
        total = self.contract.functions.administrationCount().call()
        codes = self._paged(lambda offset: self.contract.functions.administrations(offset, MAX_PAGE).call(), total)
        return [self.administration(country_from_bytes2(code)) for code in codes]

    # -- certificates ----------------------------------------------------------------------------

    def issue(self, master: MasterData, reason: int | str = Reason.NEW_CERTIFICATION):
        """Issues (or re-issues) the certificate of `master.tin` as an officer of its country."""
        return self._write_master("issue", master, reason)

    def update(self, master: MasterData, reason: int | str = Reason.DATA_CORRECTION):
        """Replaces the master data of a live certificate (renewal: a new expiry)."""
        return self._write_master("update", master, reason)

    def _write_master(self, operation: str, master: MasterData, reason):
        function = {"issue": self.contract.functions.issueCertificate, "update": self.contract.functions.updateCertificate}
        return self._send(function[operation](tin_to_bytes32(master.tin), master.contract_tuple(), Reason.parse(reason)),
                          operation)  # fmt: skip

    def suspend(self, tin_: str, reason: int | str = Reason.UNSPECIFIED):
        return self._lifecycle("suspend", tin_, reason)

    def reinstate(self, tin_: str, reason: int | str = Reason.UNSPECIFIED):
        return self._lifecycle("reinstate", tin_, reason)

    def cancel(self, tin_: str, reason: int | str = Reason.UNSPECIFIED):
        return self._lifecycle("cancel", tin_, reason)

    def withdraw(self, tin_: str, reason: int | str = Reason.COMPANY_REQUEST):
        """The holder withdraws its own certificate."""
        return self._lifecycle("withdraw", tin_, reason)

    def _lifecycle(self, operation: str, tin_: str, reason):
        function = getattr(self.contract.functions, f"{operation}Certificate")
        return self._send(function(tin_to_bytes32(tin_), Reason.parse(reason)), operation)

    def certificate(self, tin_: str) -> Certificate:
        tin_ = tin(tin_)
        found = certificate_record(tin_, self.contract.functions.certificate(tin_to_bytes32(tin_)).call())
        if found.status == CertificateStatus.NONE:
            raise NotFoundError(f"no certificate was ever issued for TIN {tin_}")
        return found

    def certificate_tins(self, code: str, offset: int = 0, limit: int | None = None) -> list[str]:
        """TINs certified by `code` in issue order; all of them unless `limit`."""
        total = self.administration(code).certificate_count
        end = total if limit is None else min(total, offset + limit)
        function = self.contract.functions.certificatesOf
        raw = self._paged(lambda at: function(country_to_bytes2(code), at, min(MAX_PAGE, end - at)).call(), end, offset)
        return [tin_from_bytes32(value) for value in raw]

    def certificates(self, code: str) -> list[Certificate]:
        return [self.certificate(value) for value in self.certificate_tins(code)]

    def history(self, tin_: str):
        """Every lifecycle event of a certificate, oldest first, with time, actor, reason and tx hash."""
        return certificate_history(self.contract, tin(tin_), self.deploy_block)

    # -- MRAs ------------------------------------------------------------------------------------

    def propose_mra(
        self,
        proposer: str,
        parties: list[str],
        benefits,
        covered_types,
        effective_from: date | str | None = None,
        title: str = "",
    ) -> int:
        """Proposes an MRA as `proposer`'s administration admin; returns its id."""
        codes = [country(code) for code in parties]
        if not 2 <= len(codes) <= MAX_PARTIES:
            raise InputError(f"an MRA has 2 to {MAX_PARTIES} parties, not {len(codes)}")
        if len(set(codes)) != len(codes):
            raise InputError(f"a party appears twice in {', '.join(codes)}")
        if country(proposer) not in codes:
            raise InputError(f"the proposer {country(proposer)} must be one of the parties {', '.join(codes)}")
        call = self.contract.functions.proposeMRA(
            country_to_bytes2(proposer),
            [code.encode() for code in codes],
            int(Benefit.parse(benefits)),
            int(AEOType.parse(covered_types)),
            to_day(effective_from),
            title.strip() or f"MRA {'-'.join(codes)}",
        )
        receipt = self._send(call, "propose")
        return self.contract.events.MRAProposed().process_receipt(receipt)[0].args.id

    def sign_mra(self, mra_id: int, party: str):
        return self._mra_action("sign", self.contract.functions.signMRA, mra_id, party)

    def suspend_mra(self, mra_id: int, party: str):
        return self._mra_action("suspend", self.contract.functions.suspendMRAParticipation, mra_id, party)

    def resume_mra(self, mra_id: int, party: str):
        return self._mra_action("resume", self.contract.functions.resumeMRAParticipation, mra_id, party)

    def leave_mra(self, mra_id: int, party: str):
        return self._mra_action("leave", self.contract.functions.leaveMRA, mra_id, party)

    def _mra_action(self, operation: str, function, mra_id: int, party: str):
        return self._send(function(_mra_id(mra_id), country_to_bytes2(party)), operation)

    def mra(self, mra_id: int) -> MRA:
        mra_id = _mra_id(mra_id)
        if mra_id > self.contract.functions.mraCount().call():
            raise NotFoundError(f"there is no MRA {mra_id}")
        id_, proposer, status, benefits, covered, effective, title, parties, statuses = (
            self.contract.functions.mra(mra_id).call()
        )
        return MRA(
            id=id_,
            title=title,
            proposer=country_from_bytes2(proposer),
            status=MRAStatus(status),
            benefits=Benefit(benefits),
            covered_types=AEOType(covered),
            effective_from=from_day(effective),
            parties=tuple(Party(country_from_bytes2(p), PartyStatus(s)) for p, s in zip(parties, statuses, strict=True)),
        )

    def mras(self, code: str | None = None) -> list[MRA]:
        """MRAs of `code`, or every MRA of the network."""
        if code is None:
            return [self.mra(i) for i in range(1, self.contract.functions.mraCount().call() + 1)]
        total = self.administration(code).mra_count
        function = self.contract.functions.mrasOf
        ids = self._paged(lambda at: function(country_to_bytes2(code), at, MAX_PAGE).call(), total)
        return [self.mra(mra_id) for mra_id in ids]

    # -- verification ----------------------------------------------------------------------------

    def verify(self, importing_country: str, tin_: str) -> Verification:
        """Whether the AEO of `tin_` is recognised for an import into `importing_country`, and with which benefits."""
        importer, tin_ = country(importing_country), tin(tin_)
        return verification(importer, tin_, self.contract.functions.verify(importer.encode(), tin_to_bytes32(tin_)).call())

    # -- helpers ---------------------------------------------------------------------------------

    @staticmethod
    def _paged(read, end: int, start: int = 0) -> list:
        items = []
        while start + len(items) < end:
            page = read(start + len(items))
            if not page:
                break
            items += page
        return items[: end - start]


def _mra_id(value) -> int:
    try:
        mra_id = int(value)
    except (TypeError, ValueError):
        raise InputError(f"{value!r} is not an MRA id (a number from 1)") from None
    if not 1 <= mra_id < 2**32:
        raise InputError(f"{mra_id} is not an MRA id (a number from 1)")
    return mra_id

"""The typed API over the CADENA contract: administrations, certificates, MRAs and verification.

Reads need only a chain; writes need a `Signer`. Every input is validated before anything is sent,
and a revert comes back as the contract error's exception with a message for a person. Reads of
many certificates or verifications at once go in JSON-RPC batches. Given the issuing
administration's exchange keys, issues and updates seal the master data to the readers its
visibility allows (the library computes the envelope; the chain never sees a name or an address).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from datetime import date, datetime, timezone

from eth_utils import to_checksum_address

from cadena_client.api.events import certificate_history
from cadena_client.chain.connection import Chain
from cadena_client.chain.relay import Submitter
from cadena_client.chain.signer import Job, Outcome, Receipt
from cadena_client.chain.transport import READ_WORKERS
from cadena_client.confidential.consent import sign_consent
from cadena_client.confidential.envelope import seal
from cadena_client.confidential.keys import ExchangeKeys
from cadena_client.confidential.readers import readers
from cadena_client.contract.artifact import CONSORTIUM, LENS, load_artifact
from cadena_client.contract.codec import (
    codec,
    country_from_bytes2,
    country_to_bytes2,
    hex_text,
    master_struct,
    tin_from_bytes32,
    tin_to_bytes32,
)
from cadena_client.domain.governance import NO_CODE_HASH, NO_RULES, Proposal, ProposalKind, ProposalState, Rules
from cadena_client.domain.lifecycle import LIFECYCLE, PARTICIPATION, MRAAction, Operation
from cadena_client.domain.model import (
    MAX_PAGE,
    MAX_PARTIES,
    MRA,
    ZERO_ADDRESS,
    Administration,
    AdministrationStatus,
    AEOType,
    Benefit,
    Certificate,
    CertificateStatus,
    MasterData,
    MRAStatus,
    Party,
    PartyStatus,
    Reason,
    Verification,
    Visibility,
    clean_text,
    from_day,
    parse_country,
    parse_tin,
    to_day,
)
from cadena_client.errors import InputError, NotFoundError, RpcError, SignerRequired

CERTIFICATES_PER_CALL = 200  # one `certificates` call reads this many (about 1M gas of eth_call)


IMPLEMENTATION_SLOT = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc"  # ERC-1967
GOVERNANCE = frozenset(e["name"] for e in load_artifact(CONSORTIUM)["abi"] if e["type"] == "function")
LENS_VIEWS = frozenset(e["name"] for e in load_artifact(LENS)["abi"] if e["type"] == "function") - {"cadena"}


class Cadena:
    """One deployed CADENA network on one chain, optionally with a signer for writes: its contract (the
    proxy at `address`), the consortium of its members that governs it and the lens of its lists, both
    found from the contract. A function goes to whichever of the three declares it."""

    def __init__(
        self,
        chain: Chain,
        address: str,
        signer: Submitter | None = None,
        deploy_block: int = 0,
        exchange: ExchangeKeys | None = None,
    ):
        self.chain, self.address, self.signer, self.deploy_block = chain, address, signer, deploy_block
        self.exchange = exchange  # the issuing administration's exchange keys: issues and updates seal with them
        self.codec = codec()
        self._addresses: dict[str, str] = {}

    def as_signer(self, signer: Submitter) -> Cadena:
        """The same contract, writing as `signer` (a `Signer`, or a `ForwarderSubmitter` to be relayed)."""
        same = Cadena(self.chain, self.address, signer, self.deploy_block, self.exchange)
        same._addresses = self._addresses
        return same

    def with_exchange(self, exchange: ExchangeKeys | None) -> Cadena:
        """The same contract and signer, sealing master data with `exchange` (an administration's keys)."""
        same = Cadena(self.chain, self.address, self.signer, self.deploy_block, exchange)
        same._addresses = self._addresses
        return same

    @property
    def consortium_address(self) -> str:
        """The consortium of the members, the contract's only authority."""
        if "consortium" not in self._addresses:
            self._addresses["consortium"] = to_checksum_address(self.read("authority")[0])
        return self._addresses["consortium"]

    @property
    def lens_address(self) -> str:
        if "lens" not in self._addresses:
            self._addresses["lens"] = to_checksum_address(self.read("lens")[0])
        return self._addresses["lens"]

    def implementation(self) -> str:
        """The implementation the proxy runs now (its ERC-1967 slot), which the members upgrade."""
        word = self.chain.rpc.call("eth_getStorageAt", [self.address, IMPLEMENTATION_SLOT, "latest"])
        return to_checksum_address("0x" + hex_text(word)[-40:])

    def version(self) -> int:
        """The version of the implementation the proxy runs (1 for this release's)."""
        return self.read("version")[0]

    def pending_upgrades(self) -> list[Proposal]:
        """Upgrade proposals still open or queued, newest first."""
        found = (self.proposal(i) for i in range(self.consortium()[2], 0, -1))
        return [
            p
            for p in found
            if p.decision is ProposalKind.UPGRADE and p.state in (ProposalState.OPEN, ProposalState.QUEUED)
        ]

    def _to(self, function: str) -> str:
        """The address of the contract that declares `function`."""
        if function in LENS_VIEWS:
            return self.lens_address
        if function in GOVERNANCE and function not in ("trustedForwarder", "isTrustedForwarder", "relayKind"):
            return self.consortium_address
        return self.address

    # -- the two ways to the chain ---------------------------------------------------------------

    def read(self, function: str, *args, operation=None) -> tuple:
        """The decoded return values of `function(*args)` at the latest block."""
        answer = self._call_many([self.codec.encode(function, *args)], operation, self._to(function))[0]
        return self.codec.decode(function, answer)

    def _call_many(self, calldata: list[bytes], operation=None, to: str | None = None) -> list:
        """Raw answers of many eth_calls to the contract (or `to`), batched; a revert raises the contract's error."""
        sender = {"from": self.chain.reader} if self.chain.reader else {}
        calls = [
            ("eth_call", [{**sender, "to": to or self.address, "data": "0x" + data.hex()}, "latest"])
            for data in calldata
        ]
        answers = []
        for reply in self.chain.rpc.many(calls, workers=READ_WORKERS):
            if "error" in reply:
                raise self.codec.refusal(reply["error"], operation)
            answers.append(reply["result"])
        return answers

    def job(self, operation, function: str, *args, keys: list[str] | None = None) -> Job:
        """A transaction calling `function(*args)` on the contract, for the signer to send."""
        return Job(keys or [function], self.codec.encode(function, *args), operation, self._to(function))

    def send(self, jobs: list[Job], progress=None) -> list[Outcome]:
        """Sends many jobs through the signer (see `Signer.send`)."""
        return self._signer().send(jobs, progress)

    def _transact(self, operation, function: str, *args) -> Receipt:
        return self._signer().transact(self.job(operation, function, *args))

    def _signer(self) -> Submitter:
        if self.signer is None:
            raise SignerRequired("this operation needs a signing account; the contract was opened without one")
        return self.signer

    # -- administrations -------------------------------------------------------------------------

    def grant_admin(self, code: str, account: str) -> Receipt:
        """An admin of `code` appoints another admin of `code` (to rotate a key: grant, then revoke)."""
        return self._transact("grant", "grantRole", self.admin_role(code), account)

    def revoke_admin(self, code: str, account: str) -> Receipt:
        """An admin of `code` removes an admin of `code` (never the last one)."""
        return self._transact("revoke", "revokeRole", self.admin_role(code), account)

    def grant_officer(self, code: str, account: str) -> Receipt:
        return self._transact("grant", "grantRole", self.officer_role(code), account)

    def revoke_officer(self, code: str, account: str) -> Receipt:
        return self._transact("revoke", "revokeRole", self.officer_role(code), account)

    def officer_role(self, code: str) -> bytes:
        return self.read("officerRole", country_to_bytes2(code))[0]

    def admin_role(self, code: str) -> bytes:
        return self.read("adminRole", country_to_bytes2(code))[0]

    def is_officer(self, code: str, account: str) -> bool:
        return self.read("hasRole", self.officer_role(code), account)[0]

    def is_admin(self, code: str, account: str) -> bool:
        return self.read("hasRole", self.admin_role(code), account)[0]

    def grant_credential_signer(self, code: str, account: str) -> Receipt:
        """An admin of `code` lets `account` sign `code`'s verifiable credentials."""
        return self._transact("grant", "grantRole", self.credential_signer_role(code), account)

    def revoke_credential_signer(self, code: str, account: str) -> Receipt:
        return self._transact("revoke", "revokeRole", self.credential_signer_role(code), account)

    def credential_signer_role(self, code: str) -> bytes:
        return self.read("credentialSignerRole", country_to_bytes2(code))[0]

    def is_credential_signer(self, code: str, account: str) -> bool:
        return self.read("hasRole", self.credential_signer_role(code), account)[0]

    def set_exchange_key(self, code: str, public_key: bytes) -> Receipt:
        """An admin of `code` publishes the X25519 key partners seal `code`'s copies to (zero bytes: none)."""
        if len(public_key) != 32:
            raise InputError(f"an exchange key is 32 bytes (X25519), not {len(public_key)}")
        return self._transact("set exchange key", "setExchangeKey", country_to_bytes2(code), public_key)

    def exchange_key(self, code: str) -> bytes | None:
        """The exchange key `code` published, or None."""
        key = self.read("exchangeKey", country_to_bytes2(code))[0]
        return None if key == bytes(32) else bytes(key)

    def is_registered(self, code: str) -> bool:
        return self.read("administration", parse_country(code).encode())[0][0] != AdministrationStatus.NONE

    def administration(self, code: str) -> Administration:
        code = parse_country(code)
        reads = ("administration", "certificateCount", "mraCountOf", "adminCount")
        answers = self._call_many(
            [self.codec.encode(function, code.encode()) for function in reads], to=self.lens_address
        )
        (status, name), certificates, mras, admins = [
            self.codec.decode(f, a)[0] for f, a in zip(reads, answers, strict=True)
        ]
        if status == AdministrationStatus.NONE:
            raise NotFoundError(f"{code} has no customs administration on this network")
        return Administration(code, name, certificates, mras, AdministrationStatus(status), admins)

    def administrations(self) -> list[Administration]:
        total = self.read("administrationCount")[0]
        codes = self._paged("administrations", (), total)
        return [self.administration(country_from_bytes2(code)) for code in codes]

    # -- governance ------------------------------------------------------------------------------

    def propose(
        self,
        proposer: str,
        kind: ProposalKind | str,
        country: str | None = None,
        account: str | None = None,
        name: str = "",
        rules: Rules | None = None,
        code_hash: str | None = None,
    ) -> int:
        """An admin of the member `proposer` proposes a decision of the members; returns its id."""
        kind = ProposalKind[kind.upper()] if isinstance(kind, str) else ProposalKind(kind)
        if kind not in (ProposalKind.RULES, ProposalKind.UPGRADE) and not country:
            raise InputError(f"a {kind.label} proposal names the country it concerns")
        code = parse_country(country) if country and kind not in (ProposalKind.RULES, ProposalKind.UPGRADE) else None
        if kind in (ProposalKind.ADMISSION, ProposalKind.RECOVERY) and not account:
            raise InputError(f"a {kind.label} proposal names the first admin's account")
        if kind is ProposalKind.ADMISSION:
            name = clean_text(name, "administration's name")
        if kind is ProposalKind.RULES and rules is None:
            raise InputError("a rules proposal gives the new rules")
        if kind is ProposalKind.UPGRADE and not (account and code_hash):
            raise InputError("an upgrade proposal names the implementation and its code hash (--code-hash)")
        motion = (
            int(kind),
            code.encode() if code else b"\0\0",
            account or ZERO_ADDRESS,
            name,
            rules.as_tuple() if rules else NO_RULES,
            _code_hash(code_hash) if code_hash else NO_CODE_HASH,
        )
        receipt = self._transact("propose", "propose", country_to_bytes2(proposer), motion)
        decoded = [self.codec.logs.decode(log) for log in receipt.logs]
        return next(args["id"] for event, args in filter(None, decoded) if event == "ProposalCreated")

    def vote(self, proposal_id: int, voter: str, support: bool = True) -> Receipt:
        """An admin of the member `voter` casts its vote on a proposal, or (`support=False`) withdraws it."""
        return self._transact("vote", "vote", _proposal_id(proposal_id), country_to_bytes2(voter), support)

    def veto(self, proposal_id: int, country: str) -> Receipt:
        """An admin of `country` stops a recovery of its own keys, or (any member) an upgrade."""
        return self._transact("veto", "veto", _proposal_id(proposal_id), country_to_bytes2(country))

    def execute(self, proposal_id: int) -> Receipt:
        """Queues a proposal that has its votes, or carries out a queued one after its delay (anyone may)."""
        return self._transact("execute", "execute", _proposal_id(proposal_id))

    def consortium(self) -> tuple[Rules, int, int]:
        """The rules in force, the number of active members and the number of proposals made."""
        (rules, members, proposals) = self.read("consortium")[0]
        return Rules(*rules), members, proposals

    def proposal(self, proposal_id: int) -> Proposal:
        """A proposal, who voted for it, its votes that count and the votes it needs."""
        proposal_id = _proposal_id(proposal_id)
        if proposal_id > self.consortium()[2]:
            raise NotFoundError(f"there is no proposal {proposal_id}")
        motion, state, proposer, _, needed, expires, executable, _, _ = self.read("getProposal", proposal_id)[0]
        kind, country, account, name, new_rules, code_hash = motion
        kind = ProposalKind(kind)
        codes = [a.country for a in self.administrations()]
        voted = self._call_many(
            [self.codec.encode("hasVoted", proposal_id, code.encode()) for code in codes], to=self.consortium_address
        )
        return Proposal(
            id=proposal_id,
            decision=kind,
            state=ProposalState(state),
            proposer=country_from_bytes2(proposer),
            country=country_from_bytes2(country) if kind not in (ProposalKind.RULES, ProposalKind.UPGRADE) else None,
            account=to_checksum_address(account) if int(account, 16) else None,
            name=name,
            rules=Rules(*new_rules) if kind is ProposalKind.RULES else None,
            votes=self.read("countedVotes", proposal_id)[0],
            needed=needed,
            expires=datetime.fromtimestamp(expires, timezone.utc),
            executable_from=datetime.fromtimestamp(executable, timezone.utc) if executable else None,
            voters=tuple(
                code for code, answer in zip(codes, voted, strict=True) if self.codec.decode("hasVoted", answer)[0]
            ),
            code_hash=hex_text(code_hash) if kind is ProposalKind.UPGRADE else None,
        )

    def proposals(self) -> list[Proposal]:
        return [self.proposal(i) for i in range(1, self.consortium()[2] + 1)]

    # -- certificates ----------------------------------------------------------------------------

    def issue(
        self,
        master: MasterData,
        reason: int | str = Reason.NEW_CERTIFICATION,
        visibility: Visibility | int | str = Visibility.ISSUER_ONLY,
    ) -> Receipt:
        """Issues (or re-issues) the certificate of `master.tin` as an officer of its country, with the
        `visibility` its holder consented to; the master data goes sealed to the readers it allows."""
        return self._transact(Operation.ISSUE, "issueCertificate", *self.master_args(master, reason, visibility))

    def update(self, master: MasterData, reason: int | str = Reason.DATA_CORRECTION) -> Receipt:
        """Replaces the master data of a live certificate (renewal: a new expiry); its consent stays, and
        the new data goes sealed to the readers that consent allows now."""
        return self._transact(Operation.UPDATE, "updateCertificate", *self.master_args(master, reason))

    def master_args(self, master: MasterData, reason, visibility: Visibility | int | str | None = None) -> tuple:
        """The contract's arguments for issuing or updating `master`: salted, and sealed to the readers
        `visibility` allows (None: the consent on chain, which an update keeps)."""
        if visibility is None:
            visibility = self.read_certificates([master.tin])[0].visibility
        visibility, master = Visibility.parse(visibility), self.salted(master)
        return (
            tin_to_bytes32(master.tin),
            master_struct(master, visibility, self.envelope(master, visibility)),
            Reason.parse(reason),
        )

    def salted(self, master: MasterData) -> MasterData:
        """`master` with the salt the issuer derives from its exchange key and the content (HMAC-SHA256):
        unguessable without the key, and the same for the same content, so that a re-run or a re-import
        finds what is in place. Without exchange keys, `master` as it is (its own random salt)."""
        if self.exchange is None:
            return master
        unsalted = replace(master, salt="00" * 32).canonical()
        return replace(
            master, salt=hmac.new(self.exchange.private_key, b"cadena salt\0" + unsalted, hashlib.sha256).hexdigest()
        )

    def envelope(self, master: MasterData, visibility: Visibility, cache: dict | None = None) -> bytes:
        """`master` sealed to the readers `visibility` allows (empty without exchange keys); `cache`
        keeps the readers of each (types, visibility) for a batch."""
        if self.exchange is None:
            return b""
        key = (int(master.aeo_types), visibility)
        if cache is None or key not in cache:
            found = readers(self, master.tin[:2], master.aeo_types, visibility)
            if cache is None:
                return seal(master, found)
            cache[key] = found
        return seal(master, cache[key])

    # -- consent and erasure ---------------------------------------------------------------------

    def set_visibility(self, tin_: str, visibility: Visibility | int | str, form: str | None = None) -> Receipt:
        """Sets who may read the master data of `tin_`: as its holder (no `form`), or as an officer of its
        country recording the consent form the holder signed (`form`: its reference, hashed)."""
        from eth_utils import keccak

        reference = keccak(text=form.strip()) if form and form.strip() else bytes(32)
        return self._transact(
            "set visibility", "setVisibility", tin_to_bytes32(tin_), int(Visibility.parse(visibility)), reference
        )

    def consent_nonce(self, holder: str) -> int:
        return self.read("consentNonce", to_checksum_address(holder))[0]

    def sign_consent(
        self, private_key: bytes | str, tin_: str, visibility: Visibility | int | str, deadline: int
    ) -> bytes:
        """The holder's EIP-712 consent for `tin_` (with its current nonce), for anyone to relay."""
        from eth_account import Account

        holder = Account.from_key(private_key).address
        nonce, chain_id = self.consent_nonce(holder), self.chain.chain_id
        return sign_consent(private_key, chain_id, self.address, parse_tin(tin_), visibility, nonce, deadline)

    def set_visibility_by_sig(
        self, tin_: str, visibility: Visibility | int | str, deadline: int, signature: bytes
    ) -> Receipt:
        """Relays the holder's signed consent (anyone may: the holder needs no ether)."""
        return self._transact(
            "relay consent",
            "setVisibilityBySig",
            tin_to_bytes32(tin_),
            int(Visibility.parse(visibility)),
            int(deadline),
            bytes(signature),
        )

    def share(self, master: MasterData) -> Receipt:
        """Seals the current master data of `master.tin` to the readers its visibility allows now (after a
        consent or a new MRA); `master` must be the version on chain (same commitment)."""
        if self.exchange is None:
            raise InputError("sharing master data needs the administration's exchange key (--exchange-key)")
        on_chain = self.certificate(master.tin)
        if on_chain.commitment != master.commitment:
            raise InputError(
                f"the master data given for {master.tin} is not the version on chain (its commitment differs)"
            )
        envelope = self.envelope(master, on_chain.visibility)
        return self._transact("share", "shareMasterData", tin_to_bytes32(master.tin), envelope)

    def erase(self, tin_: str, reason: int | str = Reason.UNSPECIFIED) -> Receipt:
        """Tells every reader to delete the master data of `tin_`; commitment, status and history stay."""
        return self._transact("erase", "eraseMasterData", tin_to_bytes32(tin_), Reason.parse(reason))

    def change_status(self, operation: Operation, tin_: str, reason: int | str | None = None) -> Receipt:
        """Suspends, reinstates, cancels or (as its holder) withdraws the certificate of `tin_`."""
        step = LIFECYCLE[Operation(operation)]
        if step.result is None or step.operation is Operation.ISSUE:
            raise InputError(f"{step.operation.value} is not a status change")
        reason = step.default_reason if reason is None else reason
        return self._transact(step.operation, step.function, tin_to_bytes32(parse_tin(tin_)), Reason.parse(reason))

    def suspend(self, tin_: str, reason: int | str | None = None) -> Receipt:
        return self.change_status(Operation.SUSPEND, tin_, reason)

    def reinstate(self, tin_: str, reason: int | str | None = None) -> Receipt:
        return self.change_status(Operation.REINSTATE, tin_, reason)

    def cancel(self, tin_: str, reason: int | str | None = None) -> Receipt:
        return self.change_status(Operation.CANCEL, tin_, reason)

    def withdraw(self, tin_: str, reason: int | str | None = None) -> Receipt:
        """The holder withdraws its own certificate."""
        return self.change_status(Operation.WITHDRAW, tin_, reason)

    def certificate(self, tin_: str) -> Certificate:
        found = self.read_certificates([parse_tin(tin_)])[0]
        if found.status == CertificateStatus.NONE:
            raise NotFoundError(f"no certificate was ever issued for TIN {found.tin}")
        return found

    def read_certificates(self, tins: list[str]) -> list[Certificate]:
        """The certificates of many TINs at once (status NONE for a TIN never issued), in batches."""
        valid = [parse_tin(t) for t in tins]
        chunks = [valid[i : i + CERTIFICATES_PER_CALL] for i in range(0, len(valid), CERTIFICATES_PER_CALL)]
        answers = self._call_many(
            [self.codec.encode("certificates", [tin_to_bytes32(t) for t in chunk]) for chunk in chunks],
            to=self.lens_address,
        )
        return [
            found
            for chunk, answer in zip(chunks, answers, strict=True)
            for found in self.codec.certificates(chunk, answer)
        ]

    def certificate_tins(self, code: str, offset: int = 0, limit: int | None = None) -> list[str]:
        """TINs certified by `code` in issue order; all of them unless `limit`."""
        total = self.administration(code).certificate_count
        end = total if limit is None else min(total, offset + limit)
        return [
            tin_from_bytes32(value) for value in self._paged("certificatesOf", (country_to_bytes2(code),), end, offset)
        ]

    def certificates(self, code: str) -> list[Certificate]:
        """Every certificate `code` has issued."""
        return self.read_certificates(self.certificate_tins(code))

    def history(self, tin_: str):
        """Every lifecycle event of a certificate, oldest first, with time, actor, reason and tx hash."""
        return certificate_history(self, parse_tin(tin_))

    # -- MRAs ------------------------------------------------------------------------------------

    def propose_mra(
        self,
        proposer: str,
        parties: list[str],
        benefits,
        covered_types,
        effective_from: date | str | None = None,
        title: str = "",
        consent_required: bool = False,
    ) -> int:
        """Proposes an MRA as `proposer`'s administration admin; returns its id. With
        `consent_required`, its benefits go only to AEOs whose holder consented to the exchange."""
        codes = [parse_country(code) for code in parties]
        if not 2 <= len(codes) <= MAX_PARTIES:
            raise InputError(f"an MRA has 2 to {MAX_PARTIES} parties, not {len(codes)}")
        if len(set(codes)) != len(codes):
            raise InputError(f"a party appears twice in {', '.join(codes)}")
        if parse_country(proposer) not in codes:
            raise InputError(f"the proposer {parse_country(proposer)} must be one of the parties {', '.join(codes)}")
        receipt = self._transact(
            "propose",
            "proposeMRA",
            country_to_bytes2(proposer),
            [code.encode() for code in codes],
            int(Benefit.parse(benefits)),
            int(AEOType.parse(covered_types)),
            to_day(effective_from),
            title.strip() or f"MRA {'-'.join(codes)}",
            bool(consent_required),
        )
        decoded = [self.codec.logs.decode(log) for log in receipt.logs]
        return next(args["id"] for name, args in filter(None, decoded) if name == "MRAProposed")

    def act_in_mra(self, action: MRAAction, mra_id: int, party: str) -> Receipt:
        """Signs, suspends, resumes or leaves MRA `mra_id` for `party`, as its administration admin."""
        step, mra_id, party = PARTICIPATION[MRAAction(action)], _mra_id(mra_id), parse_country(party)
        start = step.start or next(
            (p.status for p in self.mra(mra_id).parties if p.country == party), PartyStatus.PENDING
        )
        return self._transact(
            step.action, "setParticipation", mra_id, country_to_bytes2(party), int(start), int(step.result)
        )

    def sign_mra(self, mra_id: int, party: str) -> Receipt:
        return self.act_in_mra(MRAAction.SIGN, mra_id, party)

    def suspend_mra(self, mra_id: int, party: str) -> Receipt:
        return self.act_in_mra(MRAAction.SUSPEND, mra_id, party)

    def resume_mra(self, mra_id: int, party: str) -> Receipt:
        return self.act_in_mra(MRAAction.RESUME, mra_id, party)

    def leave_mra(self, mra_id: int, party: str) -> Receipt:
        return self.act_in_mra(MRAAction.LEAVE, mra_id, party)

    def mra(self, mra_id: int) -> MRA:
        mra_id = _mra_id(mra_id)
        if mra_id > self.read("mraCount")[0]:
            raise NotFoundError(f"there is no MRA {mra_id}")
        id_, proposer, status, benefits, covered, effective, title, parties, statuses, consent = self.read(
            "mra", mra_id
        )[0]
        return MRA(
            id=id_,
            title=title,
            proposer=country_from_bytes2(proposer),
            status=MRAStatus(status),
            benefits=Benefit(benefits),
            covered_types=AEOType(covered),
            effective_from=from_day(effective),
            parties=tuple(
                Party(country_from_bytes2(p), PartyStatus(s)) for p, s in zip(parties, statuses, strict=True)
            ),
            consent_required=consent,
        )

    def mras(self, code: str | None = None) -> list[MRA]:
        """MRAs of `code`, or every MRA of the network."""
        if code is None:
            return [self.mra(i) for i in range(1, self.read("mraCount")[0] + 1)]
        total = self.administration(code).mra_count
        return [self.mra(mra_id) for mra_id in self._paged("mrasOf", (country_to_bytes2(code),), total)]

    # -- verification ----------------------------------------------------------------------------

    def verify(self, importing_country: str, tin_: str) -> Verification:
        """Whether the AEO of `tin_` is recognised for an import into `importing_country`, and with which benefits."""
        return self.verify_many(importing_country, [tin_])[0]

    def verify_many(self, importing_country: str, tins: list[str]) -> list[Verification]:
        """`verify` for many TINs at once, in batches: for a risk engine's queue of declarations."""
        importer, valid = parse_country(importing_country), [parse_tin(t) for t in tins]
        answers = self._call_many([self.codec.encode("verify", importer.encode(), tin_to_bytes32(t)) for t in valid])
        return [self.codec.verification(importer, t, answer) for t, answer in zip(valid, answers, strict=True)]

    # -- helpers ---------------------------------------------------------------------------------

    def _paged(self, function: str, args: tuple, end: int, start: int = 0) -> list:
        """Entries `start` to `end` of a paged list, every page asked in one batch."""
        pages = [
            self.codec.encode(function, *args, offset, min(MAX_PAGE, end - offset))
            for offset in range(start, end, MAX_PAGE)
        ]
        answers = self._call_many(pages, to=self._to(function))
        items = [item for answer in answers for item in self.codec.decode(function, answer)[0]]
        if len(items) != end - start:
            raise RpcError(
                f"{function} returned {len(items)} entries, not {end - start}: the chain changed meanwhile; try again"
            )
        return items


def _code_hash(value: str) -> bytes:
    """A code hash given as 0x and 64 hex digits."""
    text = str(value).strip().lower().removeprefix("0x")
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise InputError(f"{value!r} is not a code hash (0x and 64 hex digits, as `cadena network verify-code` prints)")
    return bytes.fromhex(text)


def _proposal_id(value) -> int:
    return _number(value, "a proposal id", 2**256)


def _mra_id(value) -> int:
    return _number(value, "an MRA id", 2**32)


def _number(value, what: str, end: int) -> int:
    """`value` as a whole number from 1 below `end`, or an InputError naming `what` it should be."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InputError(f"{value!r} is not {what} (a number from 1)") from None
    if not 1 <= number < end:
        raise InputError(f"{number} is not {what} (a number from 1)")
    return number

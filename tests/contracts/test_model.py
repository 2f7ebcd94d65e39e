"""A stateful property test of the contracts against an independent Python model of the certificate
lifecycle, the roles, the MRA rules and governance (suspension and reinstatement of members by vote,
with open proposals whose electorate is fixed when they are made, queued decisions and their delay):
random actors (allowed or not) and time travel; after every step each call succeeded exactly when the
model allows it, and `verify` for every (country, TIN) equals the model's answer. CADENA_MODEL_EXAMPLES
and CADENA_MODEL_STEPS make a longer run, CADENA_MODEL_SEED other fixed examples, CADENA_MODEL_RANDOM=1 random ones."""

from __future__ import annotations

import os
from contextlib import nullcontext

import pytest
from helpers import KINDS, NO_RULES, ROLES, ZERO_ADDRESS, expecting_refusal, master_data
from hypothesis import HealthCheck, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from cadena_client.contract.codec import codec, country_to_bytes2, tin_to_bytes32
from cadena_client.domain.model import CertificateStatus as S
from cadena_client.domain.model import PartyStatus as P
from cadena_client.domain.model import Verdict
from cadena_client.errors import ContractError

COUNTRIES = ["MX", "PE", "CR"]
TINS = ["MXM1", "MXM2", "PEP1", "PEP2", "CRC1"]
ACTORS = [role for role in ROLES if role not in ("co_admin", "cl_admin")]  # CO and CL have no officers here
TYPES = [1, 2, 3, 128, 256]
# (actor, the country it acts for): mostly a country's own admin, else anyone for any country
OWN_ADMIN = st.sampled_from(COUNTRIES).map(lambda c: (f"{c.lower()}_admin", c))
CLAIMS = st.one_of(OWN_ADMIN, OWN_ADMIN, OWN_ADMIN, st.tuples(st.sampled_from(ACTORS), st.sampled_from(COUNTRIES)))
DECISIONS = {"suspension": 0, "reinstatement": 0, "queued": 0}  # in this run, to show governance was exercised
DAY = 86400
VOTING_PERIOD, DECISION_DELAY = 14 * DAY, 2 * DAY  # the test network's rules; the contract's floor
SEED = 2  # examples that carry decisions through (suspensions, reinstatements, queued proposals)
ODD = 4020  # seconds added to each time step, so that no step lands on a deadline


class Model:
    """What the contracts should do, written from the rules, not from the contract's code."""

    def __init__(self):
        self.certificates: dict[str, dict] = {}  # tin -> status, types, valid_from, expiry, holder
        self.mras: dict[int, dict] = {}  # id -> parties {country: status}, benefits, covered, effective
        self.suspended: set[str] = set()  # members suspended by vote
        self.proposals: dict[int, dict] = {}  # id -> kind, subject, electorate, needed, ballots, state, times

    def active(self) -> set[str]:
        return set(COUNTRIES) - self.suspended

    def applicable(self, kind: str, subject: str) -> bool:
        """Whether a suspension or reinstatement of `subject` can be proposed or carried out now."""
        if kind == "suspension":
            return subject in self.active() and self.active() != {subject}  # never the last member
        return subject in self.suspended

    def counted(self, proposal: dict) -> int:
        """Votes of the proposal's electorate whose members are still active."""
        return len(proposal["ballots"] & proposal["electorate"] & self.active())

    def officer_of(self, actor: str, tin: str) -> bool:
        """`actor` may act on the certificate of `tin`: an officer of its country, not suspended."""
        return actor == f"{tin[:2].lower()}_officer" and tin[:2] not in self.suspended

    def admin_of(self, actor: str, country: str) -> bool:
        return actor == f"{country.lower()}_admin"

    @staticmethod
    def needed(kind: str, electorate: set[str]) -> int:
        """The proposal's threshold of its electorate, rounded up, and never 0."""
        threshold = 5001 if kind == "reinstatement" else 6666
        return max(1, -(-len(electorate) * threshold // 10_000))

    def verify(self, importer: str, tin: str, day: int) -> tuple[bool, int, Verdict]:
        cert = self.certificates.get(tin)
        if cert is None:
            return False, 0, Verdict.UNKNOWN_TIN
        exporter = tin[:2]
        if importer == exporter:
            return False, 0, Verdict.SAME_COUNTRY
        if cert["status"] != S.ACTIVE:
            return False, 0, Verdict.NOT_ACTIVE
        if day < cert["valid_from"]:
            return False, 0, Verdict.NOT_YET_VALID
        if cert["expiry"] and day > cert["expiry"]:
            return False, 0, Verdict.EXPIRED
        benefits, verdicts = 0, set()
        for mra in self.mras.values():
            parties = mra["parties"]
            agreed = (P.SIGNED, P.SUSPENDED)  # only MRAs both countries signed, and neither left, weigh
            if parties.get(importer) not in agreed or parties.get(exporter) not in agreed:
                continue
            in_force = (
                P.PENDING not in parties.values()
                and day >= mra["effective"]
                and parties[importer] == parties[exporter] == P.SIGNED
            )
            if not in_force:
                verdicts.add(Verdict.MRA_NOT_IN_FORCE)
            elif mra["covered"] & cert["types"]:
                benefits |= mra["benefits"]
                verdicts.add(Verdict.RECOGNISED)
            else:
                verdicts.add(Verdict.TYPE_NOT_COVERED)
        if Verdict.RECOGNISED in verdicts and exporter in self.suspended:
            return False, 0, Verdict.ISSUER_SUSPENDED
        for verdict in (Verdict.RECOGNISED, Verdict.TYPE_NOT_COVERED, Verdict.MRA_NOT_IN_FORCE):
            if verdict in verdicts:
                return verdict == Verdict.RECOGNISED, benefits, verdict
        return False, 0, Verdict.NO_MRA


def machine_for(net):
    class Contracts(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.snapshot = net.w3.provider.ethereum_tester.take_snapshot()
            self.model = Model()
            self.checked = None  # the block whose answers were last compared with the model's

        def teardown(self):
            net.w3.provider.ethereum_tester.revert_to_snapshot(self.snapshot)

        @initialize()
        def start(self):
            self.day = net.now() // 86400

        def attempt(self, call, actor: str, allowed: bool) -> None:
            try:
                with expecting_refusal() if not allowed else nullcontext():
                    net.tx(call, actor)
                succeeded = True
            except Exception as exc:  # noqa: BLE001 - a revert, checked to be one below
                assert isinstance(codec().refusal(exc), ContractError), repr(exc)
                succeeded = False
            assert succeeded == allowed, (
                f"{call.fn_name} by {actor}: contract {'did' if succeeded else 'refused'}, model {'allows' if allowed else 'refuses'}"
            )

        @rule(
            tin=st.sampled_from(TINS),
            actor=st.sampled_from(ACTORS),
            types=st.sampled_from(TYPES),
            start=st.sampled_from([-30, -1, 0, 2]),
            length=st.sampled_from([0, 1, 5, 400]),
            holder=st.sampled_from([None, "holder", "other_holder"]),
        )
        def issue(self, tin, actor, types, start, length, holder):
            cert = self.model.certificates.get(tin)
            allowed = self.model.officer_of(actor, tin) and (
                cert is None or cert["status"] in (S.CANCELLED, S.WITHDRAWN)
            )
            valid_from = self.day + start
            expiry = valid_from + length if length else None
            data = master_data(
                tin,
                aeo_types=types,
                valid_from=_date(valid_from),
                expiry=_date(expiry) if expiry else None,
                holder=net.a[holder] if holder else None,
            )
            self.attempt(net.fn("issueCertificate", tin_to_bytes32(tin), data, 1), actor, allowed)
            if allowed:
                self.model.certificates[tin] = dict(
                    status=S.ACTIVE, types=types, valid_from=valid_from, expiry=expiry, holder=holder
                )

        @rule(
            tin=st.sampled_from(TINS),
            actor=st.sampled_from(ACTORS),
            action=st.sampled_from(["suspend", "reinstate", "cancel", "withdraw"]),
        )
        def change_status(self, tin, actor, action):
            cert = self.model.certificates.get(tin)
            status = cert["status"] if cert else S.NONE
            required = {
                "suspend": {S.ACTIVE},
                "reinstate": {S.SUSPENDED},
                "cancel": {S.ACTIVE, S.SUSPENDED, S.WITHDRAWN},
                "withdraw": {S.ACTIVE, S.SUSPENDED},
            }[action]
            who = (
                (cert is not None and actor == cert["holder"])
                if action == "withdraw"
                else self.model.officer_of(actor, tin)
            )
            allowed = who and status in required
            self.attempt(net.fn(f"{action}Certificate", tin_to_bytes32(tin), 0), actor, allowed)
            if allowed:
                cert["status"] = {
                    "suspend": S.SUSPENDED,
                    "reinstate": S.ACTIVE,
                    "cancel": S.CANCELLED,
                    "withdraw": S.WITHDRAWN,
                }[action]

        @rule(tin=st.sampled_from(TINS), actor=st.sampled_from(ACTORS), types=st.sampled_from(TYPES))
        def update(self, tin, actor, types):
            cert = self.model.certificates.get(tin)
            allowed = (
                self.model.officer_of(actor, tin) and cert is not None and cert["status"] in (S.ACTIVE, S.SUSPENDED)
            )
            valid_from = cert["valid_from"] if cert else self.day
            holder = cert["holder"] if cert else None
            data = master_data(
                tin,
                aeo_types=types,
                valid_from=_date(valid_from),
                expiry=None,
                holder=net.a[holder] if holder else None,
            )
            self.attempt(net.fn("updateCertificate", tin_to_bytes32(tin), data, 3), actor, allowed)
            if allowed:
                cert.update(types=types, expiry=None)

        @rule(
            parties=st.lists(st.sampled_from(COUNTRIES), min_size=2, max_size=3, unique=True),
            actor=st.sampled_from(ACTORS),
            benefits=st.integers(1, 63),
            covered=st.sampled_from(TYPES),
            effective=st.sampled_from([0, 1, 3]),
        )
        def propose(self, parties, actor, benefits, covered, effective):
            proposer = parties[0]
            allowed = self.model.admin_of(actor, proposer) and proposer not in self.model.suspended
            call = net.fn(
                "proposeMRA",
                country_to_bytes2(proposer),
                [country_to_bytes2(p) for p in parties],
                benefits,
                covered,
                self.day + effective,
                "MRA",
                False,
            )
            self.attempt(call, actor, allowed)
            if allowed:
                self.model.mras[len(self.model.mras) + 1] = dict(
                    parties={p: P.PENDING for p in parties},
                    benefits=benefits,
                    covered=covered,
                    effective=self.day + effective,
                )

        @rule(
            data=st.data(),
            actor=st.sampled_from(ACTORS),
            party=st.sampled_from(COUNTRIES),
            action=st.sampled_from(["sign", "suspend", "resume", "leave"]),
        )
        def participate(self, data, actor, party, action):
            if not self.model.mras:
                return
            mra_id = data.draw(st.sampled_from(sorted(self.model.mras)))
            mra = self.model.mras[mra_id]
            current = mra["parties"].get(party)
            members = sum(status != P.LEFT for status in mra["parties"].values())
            required = {
                "sign": {P.PENDING},
                "suspend": {P.SIGNED},
                "resume": {P.SUSPENDED},
                "leave": {P.PENDING, P.SIGNED, P.SUSPENDED},
            }[action]
            active = party not in self.model.suspended or action in ("suspend", "leave")
            allowed = self.model.admin_of(actor, party) and members >= 2 and current in required and active
            steps = net.mra_step(action, mra_id, party)
            self.attempt(net.fn("setParticipation", mra_id, country_to_bytes2(party), *steps), actor, allowed)
            if allowed:
                mra["parties"][party] = {"sign": P.SIGNED, "suspend": P.SUSPENDED, "resume": P.SIGNED, "leave": P.LEFT}[
                    action
                ]

        def open_proposal(self, kind, subject, proposer) -> int | None:
            """`proposer` (actor, country) proposes to suspend or reinstate `subject`; the id if it may."""
            actor, country = proposer
            allowed = (
                self.model.admin_of(actor, country)
                and country not in self.model.suspended
                and self.model.applicable(kind, subject)
            )
            motion = (KINDS[kind], country_to_bytes2(subject), ZERO_ADDRESS, "", NO_RULES, bytes(32))
            self.attempt(net.fn("propose", country_to_bytes2(country), motion), actor, allowed)
            if not allowed:
                return None
            proposal = net.fn("consortium").call()[2]
            electorate = self.model.active()
            self.model.proposals[proposal] = dict(
                kind=kind,
                subject=subject,
                electorate=electorate,
                needed=self.model.needed(kind, electorate),
                ballots=set(),
                state="open",
                expires=net.now() + VOTING_PERIOD,
            )
            return proposal

        def cast(self, proposal: int, claim, support: bool = True) -> None:
            actor, country = claim
            found = self.model.proposals[proposal]
            allowed = (
                self.model.admin_of(actor, country)
                and country not in self.model.suspended
                and found["state"] in ("open", "queued")
                and net.now() <= found["expires"]
                and country in found["electorate"]
                and (country in found["ballots"]) != support
            )
            self.attempt(net.fn("vote", proposal, country_to_bytes2(country), support), actor, allowed)
            if allowed:
                (found["ballots"].add if support else found["ballots"].discard)(country)

        def advance(self, proposal: int, executor: str) -> None:
            """Anyone queues a proposal with its votes, or carries out a queued one after its delay."""
            found = self.model.proposals[proposal]
            now = net.now()
            allowed = (
                found["state"] in ("open", "queued")
                and now <= found["expires"]
                and self.model.counted(found) >= found["needed"]
                and (
                    found["state"] == "open"
                    or (now >= found["executable"] and self.model.applicable(found["kind"], found["subject"]))
                )
            )
            self.attempt(net.fn("execute", proposal), executor, allowed)
            if not allowed:
                return
            if found["state"] == "open":
                found.update(state="queued", executable=net.now() + DECISION_DELAY)
                found["expires"] = found["executable"] + VOTING_PERIOD
                DECISIONS["queued"] += 1
                return
            found["state"] = "executed"
            kind, subject = found["kind"], found["subject"]
            (self.model.suspended.add if kind == "suspension" else self.model.suspended.discard)(subject)
            DECISIONS[kind] += 1

        @rule(
            kind=st.sampled_from(["suspension", "reinstatement"]),
            subject=st.sampled_from(COUNTRIES),
            proposer=OWN_ADMIN,  # a decision carried through (wrong claims are tried by the rules below)
            voters=st.lists(OWN_ADMIN, min_size=2, max_size=4),
            executor=st.sampled_from(ACTORS),
        )
        def govern(self, kind, subject, proposer, voters, executor):
            """A decision from start to end: proposed, voted, queued, its delay waited out, carried out."""
            proposal = self.open_proposal(kind, subject, proposer)
            if proposal is None:
                return
            for claim in voters:
                self.cast(proposal, claim)
            self.advance(proposal, executor)
            net.travel_seconds(DECISION_DELAY + ODD)
            self.advance(proposal, executor)

        @rule(
            kind=st.sampled_from(["suspension", "reinstatement"]), subject=st.sampled_from(COUNTRIES), proposer=CLAIMS
        )
        def propose_decision(self, kind, subject, proposer):
            """A proposal left open while other decisions change the members."""
            self.open_proposal(kind, subject, proposer)

        @rule(data=st.data(), claim=CLAIMS, support=st.sampled_from([True, True, False]))
        def vote_on_an_open_proposal(self, data, claim, support):
            if self.model.proposals:
                self.cast(data.draw(st.sampled_from(sorted(self.model.proposals))), claim, support)

        @rule(data=st.data(), executor=st.sampled_from(ACTORS))
        def move_a_proposal_on(self, data, executor):
            if self.model.proposals:
                self.advance(data.draw(st.sampled_from(sorted(self.model.proposals))), executor)

        @rule(days=st.sampled_from([1, 2, 5, 400]))
        def time_passes(self, days):
            net.travel_seconds(days * DAY + ODD)
            self.day = net.now() // 86400

        @invariant()
        def verify_equals_the_model(self):
            if not hasattr(self, "day"):
                return
            head = net.w3.eth.get_block("latest")
            if head["hash"] == self.checked:  # no block since the last check: the model changed only with one
                return
            self.checked = head["hash"]
            day = head["timestamp"] // 86400
            for importer in [*COUNTRIES, "CO"]:
                for tin in TINS:
                    recognised, benefits, verdict = net.verify(importer, tin)
                    assert (recognised, benefits, Verdict(verdict)) == self.model.verify(importer, tin, day), (
                        importer,
                        tin,
                    )

    return Contracts


def _date(day: int):
    from cadena_client.domain.model import from_day

    return from_day(day)


@pytest.mark.slow
def test_the_contracts_behave_as_the_model_says(net):
    examples = int(os.environ.get("CADENA_MODEL_EXAMPLES", "5"))
    steps = int(os.environ.get("CADENA_MODEL_STEPS", "25"))
    random = bool(os.environ.get("CADENA_MODEL_RANDOM"))  # else the same examples each run
    machine = machine_for(net)
    if not random:  # a fixed seed: without one, derandomized examples change with the class's source
        fixed = int(os.environ.get("CADENA_MODEL_SEED", SEED))
        print(f"model examples from seed {fixed} (CADENA_MODEL_SEED)")
        machine = seed(fixed)(machine)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            derandomize=not random,
            suppress_health_check=list(HealthCheck),
        ),
    )
    print(f"decisions executed: {DECISIONS}")
    assert DECISIONS["suspension"] > 0

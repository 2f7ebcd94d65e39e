"""A stateful property test of the contracts against an independent Python model of the certificate
lifecycle, the roles and the MRA rules: random actors (allowed or not) and time travel; after every
step each call succeeded exactly when the model allows it, and `verify` for every (country, TIN) equals
the model's answer. CADENA_MODEL_EXAMPLES and CADENA_MODEL_STEPS make a longer run."""

from __future__ import annotations

import os

from helpers import MRA_FUNCTIONS, ROLES, master_data
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from cadena_client.contract.codec import codec
from cadena_client.domain.model import CertificateStatus as S
from cadena_client.domain.model import PartyStatus as P
from cadena_client.domain.model import Verdict, country_to_bytes2, tin_to_bytes32
from cadena_client.errors import ContractError

COUNTRIES = ["MX", "PE", "CR"]
TINS = ["MXM1", "MXM2", "PEP1", "PEP2", "CRC1"]
ACTORS = [role for role in ROLES if role not in ("co_admin", "cl_admin")]  # CO and CL have no officers here
TYPES = [1, 2, 3, 128, 256]


class Model:
    """What the contracts should do, written from the rules, not from the contract's code."""

    def __init__(self):
        self.certificates: dict[str, dict] = {}  # tin -> status, types, valid_from, expiry, holder
        self.mras: dict[int, dict] = {}  # id -> parties {country: status}, benefits, covered, effective

    def officer_of(self, actor: str, tin: str) -> bool:
        return actor == f"{tin[:2].lower()}_officer"

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

        def teardown(self):
            net.w3.provider.ethereum_tester.revert_to_snapshot(self.snapshot)

        @initialize()
        def start(self):
            self.day = net.now() // 86400

        def attempt(self, call, actor: str, allowed: bool) -> None:
            try:
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
                "cancel": {S.ACTIVE, S.SUSPENDED},
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
            allowed = actor == f"{proposer.lower()}_admin"
            call = net.fn(
                "proposeMRA",
                country_to_bytes2(proposer),
                [country_to_bytes2(p) for p in parties],
                benefits,
                covered,
                self.day + effective,
                "MRA",
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
            allowed = actor == f"{party.lower()}_admin" and members >= 2 and current in required
            self.attempt(net.fn(MRA_FUNCTIONS[action], mra_id, country_to_bytes2(party)), actor, allowed)
            if allowed:
                mra["parties"][party] = {"sign": P.SIGNED, "suspend": P.SUSPENDED, "resume": P.SIGNED, "leave": P.LEFT}[
                    action
                ]

        @rule(days=st.sampled_from([1, 2, 5, 400]))
        def time_passes(self, days):
            net.travel_days(days)
            self.day = net.now() // 86400

        @invariant()
        def verify_equals_the_model(self):
            if not hasattr(self, "day"):
                return
            day = net.now() // 86400
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


def test_the_contracts_behave_as_the_model_says(net):
    examples = int(os.environ.get("CADENA_MODEL_EXAMPLES", "4"))
    steps = int(os.environ.get("CADENA_MODEL_STEPS", "20"))
    run_state_machine_as_test(
        machine_for(net),
        settings=settings(
            max_examples=examples, stateful_step_count=steps, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )

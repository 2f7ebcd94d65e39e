"""The SQLite mirror: rebuilt from events alone, resumable, reorg-safe, and verifying as the contract does."""

import random
import sqlite3
from dataclasses import replace
from itertools import product

import pytest
from helpers import PILOT, carry_out

from cadena_client.chain.connection import connect
from cadena_client.cli.main import hint
from cadena_client.domain.disclosure import Audience
from cadena_client.domain.model import AdministrationStatus, CertificateStatus, MasterData, Verdict, from_day
from cadena_client.domain.reader import Reader
from cadena_client.errors import NotFoundError
from cadena_client.mirror import Mirror, MirrorError
from cadena_client.network.deploy import Accounts, deploy_network, load_config

COUNTRIES = ["MX", "PE", "CR"]
OFFICER = {"MX": "dev:2", "PE": "dev:4", "CR": "dev:6"}
ADMIN = {"MX": "dev:1", "PE": "dev:3", "CR": "dev:5"}
HOLDER = "dev:9"


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """One embedded chain for the module with the pilot network, its MRA covering importers and exporters only."""
    chain = connect()
    config = tmp_path_factory.mktemp("config") / "pilot.toml"
    config.write_text(
        PILOT.read_text().replace(
            'covered_types = ["importer", "exporter", "manufacturer", "warehouse", '
            '"customs-broker", "carrier", "logistics-operator", "aeo-s"]',
            'covered_types = ["importer", "exporter"]',
        )
    )
    return chain, deploy_network(chain, load_config(config), Accounts(chain, PILOT.parent), None).cadena


@pytest.fixture
def world(deployed, tmp_path):
    """The module's network as deployed, put back after the test; signers made anew (nonces from the chain)."""
    chain, cadena = deployed
    snapshot = chain.w3.provider.ethereum_tester.take_snapshot()
    accounts = Accounts(chain, PILOT.parent)

    class World:
        pass

    w = World()
    w.chain, w.accounts, w.cadena, w.tmp = chain, accounts, cadena, tmp_path
    w.as_ = lambda ref: cadena.as_signer(accounts.signer(ref))
    w.mirror = lambda name="mirror.sqlite": Mirror(tmp_path / name, chain.chain_id, cadena.address, cadena.deploy_block)
    w.now = lambda: chain.w3.eth.get_block("latest")["timestamp"]
    yield w
    chain.w3.provider.ethereum_tester.revert_to_snapshot(snapshot)


def master(tin, day, holder=None, types="exporter", expiry_days=None):
    return MasterData(
        tin,
        f"Operator {tin}",
        f"Street {tin}",
        types,
        from_day(day),
        from_day(day + expiry_days) if expiry_days else None,
        holder,
    )


def assert_mirror_matches_contract(w, mirror, tins) -> set:
    """Compares every (importer, TIN) pair; returns the verdicts seen."""
    now, seen = w.now(), set()
    for importer, tin in product(COUNTRIES + ["CO"], tins):
        chain_answer = w.cadena.verify(importer, tin)
        mirror_answer = mirror.verify(importer, tin, at=now)
        assert mirror_answer == chain_answer, f"{importer} {tin}: mirror {mirror_answer} != chain {chain_answer}"
        seen.add(chain_answer.verdict)
    return seen


@pytest.mark.slow
def test_random_operations_mirror_verify_equals_contract_verify(world):
    w, rng = world, random.Random(20261122)
    mirror = w.mirror()
    tins = [f"{cc}R{i:03d}" for cc in COUNTRIES for i in range(8)]
    holder = w.accounts.address(HOLDER)
    mra_ids = [1]
    all_types = ["importer", "exporter", "carrier", "aeo-s", "customs-broker", "aeo-c"]
    verdicts = set()
    admission = w.as_(ADMIN["MX"]).propose("MX", "admission", "CO", w.accounts.address("dev:7"), "DIAN")
    for member in ("MX", "PE"):
        w.as_(ADMIN[member]).vote(admission, member)
    carry_out(w.as_("dev:0"), admission)
    w.as_("dev:7").propose_mra("CO", ["CO", "MX"], "priority-treatment", "importer,exporter")  # never signed
    later = w.as_("dev:7").propose_mra(
        "CO", ["CO", "MX"], "priority-treatment", "importer", from_day(w.now() // 86400 + 3650)
    )
    w.as_("dev:7").sign_mra(later, "CO")
    w.as_(ADMIN["MX"]).sign_mra(later, "MX")  # agreed by both, in force only in ten years
    consent = w.as_(ADMIN["MX"]).propose_mra("MX", COUNTRIES, "priority-treatment", "aeo-c", consent_required=True)
    mra_ids.append(consent)
    for party in COUNTRIES:  # AEO-C, which the pilot's MRA leaves out, only with the holder's consent
        w.as_(ADMIN[party]).sign_mra(consent, party)
    w.as_(OFFICER["PE"]).issue(master("PENOCONSENT1", w.now() // 86400 - 1, holder, "aeo-c"))  # not consented
    for step in range(160):
        tin = rng.choice(tins)
        cc = tin[:2]
        officer = w.as_(OFFICER[cc])
        today = w.now() // 86400
        action = (
            "standing"
            if step % 20 == 10
            else rng.choice(
                [
                    "issue",
                    "issue",
                    "suspend",
                    "reinstate",
                    "cancel",
                    "withdraw",
                    "update",
                    "consent",
                    "mra",
                    "party",
                    "party",
                    "time",
                ]
            )
        )
        try:
            if action == "issue":
                officer.issue(
                    master(
                        tin,
                        today + rng.choice([-400, -1, 0, 2]),
                        holder,
                        rng.choice(all_types),
                        rng.choice([None, 3, 30, 900]),
                    )
                )
            elif action == "update":
                officer.update(master(tin, today - 10, holder, rng.choice(all_types), rng.choice([None, 1, 5])))
            elif action in ("suspend", "reinstate", "cancel"):
                getattr(officer, action)(tin)
            elif action == "withdraw":
                w.as_(HOLDER).withdraw(tin)
            elif action == "consent":
                w.as_(HOLDER).set_visibility(tin, rng.choice(["issuer", "partners", "published"]))
            elif action == "mra":
                parties = rng.sample(COUNTRIES, rng.choice([2, 3]))
                mra_id = w.as_(ADMIN[parties[0]]).propose_mra(
                    parties[0],
                    parties,
                    rng.randint(1, 63),
                    rng.choice(all_types),
                    from_day(today + rng.choice([0, 0, 2])),
                    consent_required=rng.random() < 0.4,
                )
                mra_ids.append(mra_id)
                for party in parties[: rng.choice([len(parties) - 1, len(parties)])]:
                    w.as_(ADMIN[party]).sign_mra(mra_id, party)
            elif action == "party":
                mra_id, party = (1 if rng.random() < 0.5 else rng.choice(mra_ids)), rng.choice(COUNTRIES)
                verb = rng.choice(["suspend_mra", "resume_mra", "leave_mra", "sign_mra"])
                getattr(w.as_(ADMIN[party]), verb)(mra_id, party)
            elif action == "standing":  # the other members suspend or reinstate one by vote
                admins = {**ADMIN, "CO": "dev:7"}
                suspended = {a.country for a in w.cadena.administrations() if a.status != AdministrationStatus.ACTIVE}
                kind = "reinstatement" if suspended else "suspension"
                recognised = [  # suspend an issuer whose AEOs are recognised somewhere, to see them stop being
                    t[:2] for t in tins for c in COUNTRIES if c != t[:2] and w.cadena.verify(c, t).recognised
                ]
                subject = next(iter(suspended)) if suspended else rng.choice(recognised or COUNTRIES)
                voters = [c for c in admins if c != subject and c not in suspended]
                proposal = w.as_(admins[voters[0]]).propose(voters[0], kind, subject)
                for voter in voters:
                    w.as_(admins[voter]).vote(proposal, voter)
                carry_out(w.as_(HOLDER), proposal)
            else:
                tester = w.chain.w3.provider.ethereum_tester
                tester.time_travel(w.now() + rng.choice([1, 2, 4]) * 86400)
                tester.mine_blocks(1)
        except Exception as exc:  # refused by the contract: the mirror must not change either
            assert type(exc).__module__ == "cadena_client.errors", repr(exc)
        if step % 10 == 9:
            mirror.sync(w.cadena, chunk=7)
            verdicts |= assert_mirror_matches_contract(w, mirror, tins + ["MXNOBODY"])
    mirror.sync(w.cadena, chunk=7)
    verdicts |= assert_mirror_matches_contract(w, mirror, tins + ["PENOCONSENT1"])
    assert verdicts == set(Verdict), f"the random walk missed {set(Verdict) - verdicts}"
    known = {c.tin: c for c in mirror.all_certificates()}
    for tin in tins:  # current state equals the contract's: the same records, and no name (none sealed to it)
        if tin not in known:
            assert w.cadena.read_certificates([tin])[0].status == CertificateStatus.NONE
            continue
        shown = mirror.certificate(tin, Audience(officers_of=tin[:2]))  # no exchange key: nothing opened
        assert replace(shown, why_hidden=None) == w.cadena.certificate(tin) and shown.name is None
    rebuilt = w.mirror("rebuilt.sqlite")  # from the chain alone, in one go
    rebuilt.sync(w.cadena)
    assert rebuilt.all_certificates() == mirror.all_certificates()
    assert_mirror_matches_contract(w, rebuilt, tins)


def test_history_and_cursor_resume_without_duplicates(world):
    w = world
    mirror = w.mirror()
    officer = w.as_(OFFICER["MX"])
    today = w.now() // 86400
    officer.issue(master("MX1", today - 1))
    first = mirror.sync(w.cadena)
    assert [e.kind for e in first.events].count("issued") == 1
    mirror.close()
    officer.suspend("MX1", "security-incident")
    reopened = w.mirror()
    second = reopened.sync(w.cadena)
    assert [e.kind for e in second.events] == ["suspended"] and second.from_block == first.to_block + 1
    assert reopened.sync(w.cadena).events == []
    history = reopened.history("MX1")
    assert [(e.kind, e.reason) for e in history] == [("issued", 1), ("suspended", 10)]
    assert history[1].actor == w.accounts.address("dev:2") and history[1].tx_hash.startswith("0x")
    assert reopened.verify("PE", "MX1", at=w.now()).verdict.name == "NOT_ACTIVE"


def test_confirmations_hold_back_recent_blocks(world):
    w = world
    mirror = w.mirror()
    w.as_(OFFICER["MX"]).issue(master("MX1", w.now() // 86400 - 1))
    mirror.sync(w.cadena, confirmations=1)
    assert "MX1" not in mirror.recognition.certificates
    w.chain.w3.provider.ethereum_tester.mine_blocks(1)
    mirror.sync(w.cadena, confirmations=1)
    assert "MX1" in mirror.recognition.certificates


def test_reorg_drops_removed_events_and_never_reports_twice(world):
    w = world
    tester = w.chain.w3.provider.ethereum_tester
    mirror = w.mirror()
    officer = w.as_(OFFICER["MX"])
    today = w.now() // 86400
    officer.issue(master("MX1", today - 1))
    mirror.sync(w.cadena)
    fork_point = tester.take_snapshot()
    officer.suspend("MX1", "security-incident")  # on the branch that will be dropped
    officer.issue(master("MX2", today - 1))
    synced = mirror.sync(w.cadena)
    assert [e.kind for e in synced.events] == ["suspended", "issued"]
    tester.revert_to_snapshot(fork_point)
    tester.mine_blocks(1)
    officer.cancel("MX1", "serious-infringement")  # the canonical branch
    tester.mine_blocks(2)
    after = mirror.sync(w.cadena)
    assert [(e.kind, e.tin) for e in after.retracted] == [("suspended", "MX1"), ("issued", "MX2")]
    assert [(e.kind, e.tin) for e in after.events] == [("cancelled", "MX1")]
    assert [e.kind for e in mirror.history("MX1")] == ["issued", "cancelled"]
    assert mirror.history("MX2") == [] and "MX2" not in mirror.recognition.certificates
    assert {c.tin: c.status for c in mirror.all_certificates()} == {"MX1": CertificateStatus.CANCELLED}
    assert mirror.sync(w.cadena).events == []


def test_mirror_file_belongs_to_one_deployment(world, tmp_path):
    w = world
    w.mirror().close()
    with pytest.raises(MirrorError, match="use another mirror file") as refused:
        Mirror(tmp_path / "mirror.sqlite", w.chain.chain_id, "0x" + "11" * 20, w.cadena.deploy_block)
    assert hint(refused.value).endswith("(give --mirror FILE for another mirror)")  # what the CLI prints
    (tmp_path / "garbage.sqlite").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(MirrorError, match="is not a CADENA mirror database"):
        Mirror(tmp_path / "garbage.sqlite", w.chain.chain_id, w.cadena.address, w.cadena.deploy_block)


def test_partners_follow_mras_in_force(world):
    w = world
    mirror = w.mirror()
    mirror.sync(w.cadena)
    assert mirror.partners("MX", at=w.now()) == ["CR", "PE"]
    w.as_(ADMIN["CR"]).suspend_mra(1, "CR")
    mirror.sync(w.cadena)
    assert mirror.partners("MX", at=w.now()) == ["PE"] and mirror.partners("CR", at=w.now()) == []


@pytest.mark.parametrize("source", ["chain", "mirror"])
def test_both_readers_answer_alike(world, source):
    """The same assertions against the chain client and the mirror, through the `Reader` protocol."""
    w = world
    officer = w.as_(OFFICER["MX"])
    today = w.now() // 86400
    officer.issue(master("MXREAD1", today - 1))
    officer.issue(master("MXREAD2", today - 1, types="manufacturer"))
    officer.suspend("MXREAD2", "security-incident")
    mirror = w.mirror()
    mirror.sync(w.cadena)
    reader = w.cadena if source == "chain" else mirror
    assert isinstance(reader, Reader)
    cert = reader.certificate("MXREAD1")
    assert (cert.tin, cert.status, cert.aeo_types.labels(), cert.version) == (
        "MXREAD1",
        CertificateStatus.ACTIVE,
        ["exporter"],
        1,
    )
    with pytest.raises(NotFoundError, match="no certificate was ever issued for TIN MXNOBODY"):
        reader.certificate("MXNOBODY")
    assert sorted(c.tin for c in reader.certificates("MX")) == ["MXREAD1", "MXREAD2"]
    assert reader.certificates("PE") == []
    assert [
        (a.country, a.status, a.certificate_count, a.mra_count, a.admin_count)
        for a in sorted(reader.administrations(), key=lambda a: a.country)
    ] == [
        ("CR", AdministrationStatus.ACTIVE, 0, 1, 1),
        ("MX", AdministrationStatus.ACTIVE, 2, 1, 1),
        ("PE", AdministrationStatus.ACTIVE, 0, 1, 1),
    ]
    (mra,) = reader.mras()
    assert (mra.id, mra.status.name, {p.country for p in mra.parties}) == (1, "IN_FORCE", {"MX", "PE", "CR"})
    assert reader.mras("MX") == [mra]
    with pytest.raises(NotFoundError, match="CO has no customs administration"):
        reader.mras("CO")
    answers = reader.verify_many("PE", ["MXREAD1", "MXREAD2", "MXNOBODY"])
    assert [a.verdict for a in answers] == [Verdict.RECOGNISED, Verdict.NOT_ACTIVE, Verdict.UNKNOWN_TIN]
    assert reader.verify("PE", "MXREAD1") == answers[0]
    assert [(e.kind, e.reason) for e in reader.history("MXREAD2")] == [("issued", 1), ("suspended", 10)]
    if source == "mirror":  # and the two agree record for record
        mexico = Audience(officers_of="MX")
        assert [replace(c, why_hidden=None) for c in mirror.certificates("MX", mexico)] == sorted(
            w.cadena.certificates("MX"), key=lambda c: c.tin
        )
        assert (
            mirror.administrations() == sorted(w.cadena.administrations(), key=lambda a: a.country)
            and mirror.mras() == w.cadena.mras()
        )


def test_the_mirror_knows_who_holds_which_role(world):
    w = world
    mirror = w.mirror()
    officer = w.accounts.address(OFFICER["PE"])
    mirror.sync(w.cadena)
    assert ("PE", "officer") in mirror.roles()[officer]
    w.as_(ADMIN["PE"]).revoke_officer("PE", officer)
    mirror.sync(w.cadena)
    assert ("PE", "officer") not in mirror.roles().get(officer, [])
    admin = w.accounts.address(ADMIN["MX"])
    assert mirror.roles()[admin] == [("MX", "admin")]


def test_a_version_3_mirror_is_migrated_in_place_keeping_its_feed_marks_and_deliveries(world):
    """A mirror written by the previous release (schema 3: no roles, a webhook log table of its own)
    opens as the current schema without a re-sync: roles projected from its stored events, feed
    numbers, consumers' marks and the webhook delivery log kept."""
    w = world
    mirror = w.mirror()
    w.as_(OFFICER["MX"]).issue(master("MXOLD1", w.now() // 86400 - 1))
    mirror.sync(w.cadena)
    last_seq, cursor = mirror.last_seq, mirror.cursor
    mirror.mark("webhook:0123456789abcdef", last_seq - 1)
    mirror.log_delivery("http://hook.example/x", last_seq, 1, 1.0, 204, None)
    mirror.close()
    old = sqlite3.connect(w.tmp / "mirror.sqlite")  # back to version 3, as that release left it
    old.executescript(
        "DROP TABLE roles; DROP INDEX webhook_deliveries_by_url; DROP TABLE usage_seen; DROP TABLE usage_observers; "
        "DROP TABLE usage_answers; UPDATE meta SET value = '3' WHERE key = 'schema';"
        # and as schema 3 kept certificates: with the name and address the events carried in clear
        "ALTER TABLE certificates DROP COLUMN visibility; ALTER TABLE administrations DROP COLUMN exchange_key;"
        "ALTER TABLE mras DROP COLUMN consent_required;"
        "ALTER TABLE certificates ADD COLUMN name TEXT NOT NULL DEFAULT 'Old Name SA';"
        "ALTER TABLE certificates ADD COLUMN address TEXT NOT NULL DEFAULT 'Old Street';"
        "DROP TABLE master_data; DROP TABLE master_data_erased;"
    )
    old.commit()
    old.close()
    reopened = w.mirror()
    assert reopened.meta("schema") == "6" and (reopened.cursor, reopened.last_seq) == (cursor, last_seq)
    assert reopened.marked("webhook:0123456789abcdef") == last_seq - 1
    assert reopened.deliveries("http://hook.example/x") == [
        {"seq": last_seq, "attempt": 1, "time": 1.0, "status": 204, "error": None}
    ]
    assert ("MX", "officer") in reopened.roles()[w.accounts.address(OFFICER["MX"])]
    assert [(c.tin, c.name) for c in reopened.all_certificates()] == [("MXOLD1", None)]  # no clear name kept
    assert reopened.sync(w.cadena).retracted == []
    assert {"usage_seen", "usage_observers", "usage_answers"} <= {
        name for (name,) in reopened.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }

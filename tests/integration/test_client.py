"""The library end to end on the embedded chain: deployment, typed operations, errors, history."""

import dataclasses
from datetime import date

import pytest
from helpers import PILOT
from keystores import LIGHT_SCRYPT_N, scrypt_cost

from cadena_client import errors
from cadena_client.api.client import NotFoundError
from cadena_client.chain.connection import connect
from cadena_client.chain.keys import create_keystore, load_keystore
from cadena_client.chain.signer import Signer
from cadena_client.domain.model import (
    AEOType,
    Benefit,
    CertificateStatus,
    InputError,
    MasterData,
    MRAStatus,
    PartyStatus,
    Reason,
    Verdict,
)
from cadena_client.errors import ChainError, KeystoreError
from cadena_client.network.deploy import Accounts, DeploymentRecord, deploy_network, load_config

OPERATOR = dict(
    tin="MXEPA180101AB1",
    name="Exportadora del Pacífico S.A. de C.V.",
    address="Av. Reforma 505, CDMX",
    aeo_types="exporter,importer",
    valid_from="2018-11-05",
    expiry="2030-11-05",
)


def test_the_package_names_what_a_customs_system_needs(tmp_path):
    import cadena_client as cc

    assert all(getattr(cc, name) is not None for name in cc.__all__) and "Signer" in dir(cc)
    with pytest.raises(AttributeError, match="has no attribute 'Nothing'"):
        cc.Nothing  # noqa: B018
    chain = cc.connect()
    cc.deploy_network(chain, cc.load_config(PILOT), cc.Accounts(chain, PILOT.parent), tmp_path / "record.json")
    cadena = cc.DeploymentRecord.load(tmp_path / "record.json").open(chain)
    officer = cadena.as_signer(cc.Signer(chain, chain.dev_account(2)))
    officer.issue(cc.MasterData("MXEPA180101AB1", "Exportadora S.A.", "Av. Reforma 505", "exporter", "2024-01-01"))
    assert cadena.verify("PE", "MXEPA180101AB1").verdict is cc.Verdict.RECOGNISED
    with pytest.raises(cc.errors.AEOInvalidStatus):
        officer.reinstate("MXEPA180101AB1")


@pytest.fixture(scope="module")
def pilot(tmp_path_factory):
    chain = connect()
    accounts = Accounts(chain, PILOT.parent)
    record_path = tmp_path_factory.mktemp("deploy") / "record.json"
    report = deploy_network(chain, load_config(PILOT), accounts, record_path)
    return chain, accounts, report, record_path


@pytest.fixture
def env(pilot):
    chain, accounts, report, record_path = pilot
    tester = chain.w3.provider.ethereum_tester
    snapshot = tester.take_snapshot()
    cadena = report.cadena

    class Env:
        def __init__(self):
            self.chain, self.accounts, self.cadena, self.record_path = chain, accounts, cadena, record_path

        def as_(self, ref):
            return cadena.as_signer(accounts.signer(ref))

    yield Env()
    tester.revert_to_snapshot(snapshot)


def test_deploy_report_and_record(pilot):
    chain, _, report, record_path = pilot
    assert report.count("done") == 11 and report.count("pending") == 0
    record = DeploymentRecord.load(record_path)
    assert (record.chain_id, record.address) == (chain.chain_id, report.cadena.address)
    assert record.artifact["compiler"] == "0.8.30" and record.deploy_block > 0


def test_redeploy_changes_nothing(env):
    before = env.chain.w3.eth.block_number
    report = deploy_network(env.chain, load_config(PILOT), env.accounts, env.record_path)
    assert report.count("done") == 0 and report.count("already") == 11
    assert env.chain.w3.eth.block_number == before


def test_deploy_signs_only_what_it_has_keys_for(tmp_path):
    chain = connect()
    config = load_config(PILOT)
    cr_admin = Accounts(chain, PILOT.parent).address("dev:5")
    text = PILOT.read_text().replace('admin = "dev:5"', f'admin = "{cr_admin}"')
    (tmp_path / "partial.toml").write_text(text)
    report = deploy_network(chain, load_config(tmp_path / "partial.toml"), Accounts(chain, tmp_path), None)
    pending = [step.what for step in report.steps if step.outcome == "pending"]
    assert pending == ["CR officer " + Accounts(chain, tmp_path).address("dev:6"), "MRA 1: CR signs"]
    assert report.cadena.mra(1).status == MRAStatus.PROPOSED
    assert config.mras[0].parties == ("MX", "PE", "CR")


def test_typed_certificate_operations(env):
    officer = env.as_("dev:2")
    master = MasterData(**OPERATOR, holder=env.accounts.address("dev:9"))
    officer.issue(master)
    cert = env.cadena.certificate(master.tin)
    assert cert.status == CertificateStatus.ACTIVE and cert.version == 1
    assert cert.aeo_types == AEOType.EXPORTER | AEOType.IMPORTER
    assert (cert.valid_from, cert.expiry) == (date(2018, 11, 5), date(2030, 11, 5))
    assert cert.commitment == master.commitment and cert.holder == master.holder
    result = env.cadena.verify("PE", master.tin)
    assert result.recognised and result.verdict == Verdict.RECOGNISED
    assert (
        result.benefits
        == Benefit.REDUCED_PHYSICAL_INSPECTION | Benefit.REDUCED_DOCUMENTARY_CHECKS | Benefit.PRIORITY_TREATMENT
    )
    officer.suspend(master.tin, "security-incident")
    assert env.cadena.verify("CR", master.tin).verdict == Verdict.NOT_ACTIVE
    officer.reinstate(master.tin, Reason.REVALIDATION)
    renewed = MasterData(**{**OPERATOR, "expiry": "2035-11-05"}, holder=master.holder)
    officer.update(renewed, "renewal")
    assert env.cadena.certificate(master.tin).expiry == date(2035, 11, 5)
    env.as_("dev:9").withdraw(master.tin)
    assert env.cadena.certificate(master.tin).status == CertificateStatus.WITHDRAWN
    assert env.cadena.certificate_tins("MX") == [master.tin]
    assert [c.tin for c in env.cadena.certificates("MX")] == [master.tin]


def test_history_has_every_event_with_actor_reason_and_tx(env):
    officer = env.as_("dev:2")
    master = MasterData(**OPERATOR)
    receipts = [
        officer.issue(master),
        officer.suspend(master.tin, "security-incident"),
        officer.reinstate(master.tin, "revalidation"),
        officer.cancel(master.tin, 21),
    ]
    history = env.cadena.history(master.tin)
    assert [e.kind for e in history] == ["issued", "suspended", "reinstated", "cancelled"]
    assert [e.reason_label for e in history] == [
        "new-certification",
        "security-incident",
        "revalidation",
        "serious-infringement",
    ]
    assert [e.tx_hash for e in history] == [r.tx_hash for r in receipts]
    assert {e.actor for e in history} == {env.accounts.address("dev:2")}
    assert "name" not in history[0].master and history[0].version == 1  # no name on chain, only its commitment
    assert history[0].master["commitment"] == "0x" + master.commitment.hex()
    block_time = env.chain.w3.eth.get_block(receipts[1].block)["timestamp"]
    assert history[1].time == block_time and history[1].when.timestamp() == block_time


def test_mra_operations(env):
    mra_id = env.as_("dev:1").propose_mra("MX", ["MX", "CR"], "business-continuity", "aeo-s", title="MX-CR")
    found = env.cadena.mra(mra_id)
    assert (found.status, found.title, found.benefits) == (MRAStatus.PROPOSED, "MX-CR", Benefit.BUSINESS_CONTINUITY)
    env.as_("dev:1").sign_mra(mra_id, "MX")
    env.as_("dev:5").sign_mra(mra_id, "CR")
    assert env.cadena.mra(mra_id).status == MRAStatus.IN_FORCE
    env.as_("dev:5").suspend_mra(mra_id, "CR")
    assert env.cadena.mra(mra_id).parties[1].status == PartyStatus.SUSPENDED
    env.as_("dev:5").resume_mra(mra_id, "CR")
    env.as_("dev:5").leave_mra(mra_id, "CR")
    assert env.cadena.mra(mra_id).status == MRAStatus.TERMINATED
    assert [m.id for m in env.cadena.mras("CR")] == [1, mra_id]
    assert [a.country for a in env.cadena.administrations()] == ["MX", "PE", "CR"]


def test_reverts_are_named_exceptions_with_readable_messages(env):
    officer = env.as_("dev:2")
    master = MasterData(**OPERATOR)
    officer.issue(master)
    officer.suspend(master.tin)
    with pytest.raises(errors.AEOInvalidStatus, match="is Suspended; only an Active certificate can be suspended"):
        officer.suspend(master.tin)
    with pytest.raises(errors.AccessControlUnauthorizedAccount, match="is not a customs officer of MX"):
        env.as_("dev:4").cancel(master.tin)
    with pytest.raises(errors.MRAInvalidPartyStatus, match="MX is Signed in MRA 1; only a party that has not signed"):
        env.as_("dev:1").sign_mra(1, "MX")
    assert isinstance(errors.AEOInvalidStatus("", {}), errors.ContractError)


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda c: c.certificate("MX-12"), "is not a TIN"),
        (lambda c: c.certificate("XX12345"), "not an ISO 3166-1"),
        (lambda c: c.verify("Peru", "MX1"), "not an ISO 3166-1"),
        (lambda c: c.suspend("MX1", "not-a-reason"), "unknown reason"),
        (lambda c: c.issue(MasterData(**{**OPERATOR, "aeo_types": "pilot"})), "unknown AEO type 'pilot'"),
        (lambda c: c.issue(MasterData(**{**OPERATOR, "valid_from": "05/11/2018"})), "not a date; use YYYY-MM-DD"),
        (lambda c: c.issue(MasterData(**{**OPERATOR, "expiry": "2010-01-01"})), "must be after the validation date"),
        (lambda c: c.issue(MasterData(**{**OPERATOR, "holder": "0x12"})), "is not an Ethereum address"),
        (lambda c: c.propose_mra("MX", ["MX"], "priority-treatment", "importer"), "2 to 32 parties"),
        (lambda c: c.propose_mra("MX", ["PE", "CR"], "priority-treatment", "importer"), "must be one of the parties"),
        (lambda c: c.propose_mra("MX", ["MX", "PE"], "free-lunch", "importer"), "unknown benefit"),
        (lambda c: c.mra("first"), "is not an MRA id"),
    ],
)
def test_input_is_validated_before_sending(env, call, message):
    cadena = env.as_("dev:2")
    before = env.chain.w3.eth.get_transaction_count(cadena.signer.address)
    with pytest.raises(InputError, match=message):
        call(cadena)
    assert env.chain.w3.eth.get_transaction_count(cadena.signer.address) == before


def test_not_found(env):
    with pytest.raises(NotFoundError, match="no certificate was ever issued for TIN MXNOBODY"):
        env.cadena.certificate("MXNOBODY")
    with pytest.raises(NotFoundError, match="there is no MRA 7"):
        env.cadena.mra(7)
    with pytest.raises(NotFoundError, match="BR has no customs administration"):
        env.cadena.administration("BR")


def test_writes_need_a_signer(env):
    with pytest.raises(errors.CadenaError, match="needs a signing account"):
        env.cadena.suspend("MX1")


def test_signer_refuses_another_chain(env):
    signer = Signer(env.chain, env.chain.dev_account(2))
    signer.chain = dataclasses.replace(env.chain, chain_id=env.chain.chain_id + 1)
    with pytest.raises(ChainError, match="refusing to sign"):
        env.cadena.as_signer(signer).suspend("MX1")


@pytest.mark.slow
def test_keystores(tmp_path, light_keystores):
    path = tmp_path / "officer.json"
    address = create_keystore(path, "correct horse battery")
    assert scrypt_cost(path) == LIGHT_SCRYPT_N
    assert path.stat().st_mode & 0o077 == 0
    assert load_keystore(path, "correct horse battery").address == address
    with pytest.raises(KeystoreError, match="wrong password"):
        load_keystore(path, "wrong password!")
    with pytest.raises(KeystoreError, match="refusing to overwrite"):
        create_keystore(path, "another password")
    with pytest.raises(KeystoreError, match="does not exist"):
        load_keystore(tmp_path / "missing.json", "x")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(KeystoreError, match="not a readable keystore"):
        load_keystore(tmp_path / "bad.json", "x")


def test_unreachable_node_and_wrong_chain_id():
    with pytest.raises(ChainError, match="cannot reach a node at http://127.0.0.1:9"):
        connect("http://127.0.0.1:9")
    with pytest.raises(ChainError, match="must start with http"):
        connect("127.0.0.1:8545")
    chain = connect()
    with pytest.raises(ChainError, match=f"is on chain {chain.chain_id}, not 1"):
        connect(None, expected_chain_id=1)


def test_commitment_is_canonical():
    one = MasterData(**OPERATOR)
    two = MasterData(
        **{**OPERATOR, "name": "  Exportadora del  Pacífico S.A. de C.V. ", "aeo_types": "importer,exporter"},
        salt=one.salt,
    )
    assert one.commitment == two.commitment
    assert MasterData(**{**OPERATOR, "address": "Otra 1"}, salt=one.salt).commitment != one.commitment
    assert MasterData(**OPERATOR).commitment != one.commitment  # a fresh salt: no guessing names against it

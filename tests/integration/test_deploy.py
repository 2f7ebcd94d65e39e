"""`network deploy`: what it deploys (implementation, consortium, proxy and lens, recorded) and the
trust boundary of relayed calls: it refuses a forwarder that is an ordinary account or other code."""

import pytest
from helpers import PILOT

from cadena_client.chain.connection import connect
from cadena_client.chain.signer import Job, Signer
from cadena_client.contract.artifact import FORWARDER, load_artifact
from cadena_client.errors import ConfigError
from cadena_client.network.deploy import Accounts, DeploymentRecord, deploy_network, load_config


def config_with(tmp_path, forwarder: str):
    path = tmp_path / "pilot.toml"
    path.write_text(PILOT.read_text().replace("[network]\n", f'[network]\nforwarder = "{forwarder}"\n', 1))
    return load_config(path)


@pytest.fixture
def chain():
    return connect()


def test_deploy_records_the_proxy_and_its_consortium(chain, tmp_path):
    record_path = tmp_path / "deployment.json"
    report = deploy_network(chain, load_config(PILOT), Accounts(chain, PILOT.parent), record_path)
    record = DeploymentRecord.load(record_path)
    cadena = report.cadena
    assert record.address == cadena.address and record.consortium == cadena.consortium_address
    assert cadena.version() == 1 and cadena.implementation() != cadena.address
    assert [a.country for a in cadena.administrations()] == ["MX", "PE", "CR"]  # read through the lens
    assert cadena.read("trustedForwarder")[0] == "0x" + "00" * 20


def test_a_forwarder_that_is_an_ordinary_account_is_refused(chain, tmp_path):
    stranger = chain.dev_account(9).address  # it could append Mexico's admin to its calldata and act as it
    with pytest.raises(ConfigError, match=f"network.forwarder {stranger} has no code: an account there could act"):
        deploy_network(chain, config_with(tmp_path, stranger), Accounts(chain, PILOT.parent), None)


def test_a_forwarder_whose_code_is_not_cadena_forwarder_s_is_refused(chain, tmp_path):
    signer = Signer(chain, chain.dev_account(0))
    other = signer.transact(Job(["other"], bytes.fromhex(load_artifact("CadenaLens")["bytecode"][2:]) + bytes(32)))
    with pytest.raises(ConfigError, match="is not a cadena forwarder: its code is not CadenaForwarder's"):
        deploy_network(chain, config_with(tmp_path, str(other.contract_address)), Accounts(chain, PILOT.parent), None)
    forwarder = signer.transact(Job(["forwarder"], bytes.fromhex(load_artifact(FORWARDER)["bytecode"][2:])))
    report = deploy_network(
        chain, config_with(tmp_path, str(forwarder.contract_address)), Accounts(chain, PILOT.parent), None
    )
    assert report.cadena.read("trustedForwarder")[0].lower() == str(forwarder.contract_address).lower()

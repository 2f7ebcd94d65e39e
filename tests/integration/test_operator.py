"""The node operator's side on real nodes: a node behind JWT authentication (a real HTTP front that checks
the token's signature with joserfc before passing requests to anvil), the kit's allowlists written anew
from the chain after governance expels a member, and `cadena network check` against anvil in several
configurations and behind Besu-like fronts."""

import json
import time

import pytest
import rlp
import tomllib
from click.testing import CliRunner
from documents import check_document
from eth_account import Account
from eth_account.typed_transactions import TypedTransaction
from helpers import PILOT, carry_out, front, rpc
from hexbytes import HexBytes
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey
from keystores import light_scrypt

from cadena_client.chain.connection import connect
from cadena_client.chain.node import start_anvil
from cadena_client.chain.signer import Signer
from cadena_client.cli.main import cli
from cadena_client.contract.artifact import CONTRACT, load_artifact
from cadena_client.errors import NodeUnauthorized
from cadena_client.network.check import check_node
from cadena_client.network.deploy import DeploymentRecord


def run(*args: str, expect: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == expect, result.output
    return result.output


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The pilot's kit, for anvil's chain id."""
    folder = tmp_path_factory.mktemp("kit")
    config = folder / "pilot.toml"
    config.write_text(PILOT.read_text().replace('name = "CADENA pilot"', 'name = "CADENA pilot"\nchain_id = 31337', 1))
    with light_scrypt():  # its keystores: real scrypt, light cost
        run("network", "kit", str(config), "--out", str(folder / "kit"))
    return config, folder / "kit"


def jwt_front(target: str, public_key_pem: str):
    """A front that, like Besu with JWT public key authentication, passes only requests whose bearer
    token is signed by `public_key_pem` (ES256) and has not expired; others get 401."""
    key = ECKey.import_key(public_key_pem)

    def screen(headers):
        scheme, _, token = headers.get("Authorization", "").partition(" ")
        try:
            claims = jwt.decode(token, key, algorithms=["ES256"]).claims
            jwt.JWTClaimsRegistry(exp={"essential": True}).validate(claims)
        except (JoseError, ValueError):
            return 401, "Unauthorized"
        return None if scheme == "Bearer" and "permissions" in claims else (401, "Unauthorized")

    return front(target, screen=screen)


def test_the_client_sends_the_kit_s_token_and_a_node_with_jwt_authentication_serves_it(node, pilot_record, written):
    _, kit = written
    with jwt_front(node.url, (kit / "mx" / "rpc-jwt-public.pem").read_text()) as (url, forwarded):
        options = ["--rpc-url", url, "--deployment", str(pilot_record)]
        shown = run(*options, "--rpc-jwt", str(kit / "mx" / "rpc.jwt"), "network", "show", "--json")
        assert sorted(a["country"] for a in json.loads(shown)["administrations"]) == ["CR", "MX", "PE"]
        assert forwarded
        refused = run(*options, "network", "show", expect=1)
        assert refused.count("\n") == 1 and "HTTP 401" in refused and "--rpc-jwt FILE" in refused
        other = run(*options, "--rpc-jwt", str(kit / "pe" / "rpc.jwt"), "network", "show", expect=1)
        assert other.count("\n") == 1 and "refused the JSON Web Token" in other
        token = (kit / "mx" / "rpc.jwt").read_text()
        assert connect(url, jwt=token).chain_id == 31337  # the library's argument
        with pytest.raises(NodeUnauthorized, match="refused the JSON Web Token"):
            connect(url, jwt=(kit / "cr" / "rpc.jwt").read_text())


def test_the_allowlists_follow_the_members_on_the_chain(reverting, pilot_record, written):
    config, kit = written
    chain = connect(reverting.url)
    permissions = kit / "permissions_config.toml"
    options = ["--rpc-url", reverting.url, "--deployment", str(pilot_record)]
    before = tomllib.loads(permissions.read_text())
    run(*options, "network", "kit", str(config), "--out", str(kit), "--update")
    on_chain = {chain.dev_account(i).address for i in range(1, 7)}  # the pilot's admins and officers
    assert set(tomllib.loads(permissions.read_text())["accounts-allowlist"]) == on_chain
    cadena = DeploymentRecord.load(pilot_record).open(chain)
    mx, pe = (cadena.as_signer(Signer(chain, chain.dev_account(i))) for i in (1, 3))
    proposal = mx.propose("MX", "expulsion", "CR")
    mx.vote(proposal, "MX")
    pe.vote(proposal, "PE")
    carry_out(mx, proposal)  # queued, then carried out after its delay
    out = run(*options, "network", "kit", str(config), "--out", str(kit), "--update")
    assert "allowlists from the chain's 2 members" in out
    after = tomllib.loads(permissions.read_text())
    cr = {chain.dev_account(i).address for i in (5, 6)}
    assert set(after["accounts-allowlist"]) == on_chain - cr
    cr_node = next(e for e in before["nodes-allowlist"] if (kit / "cr/node-1/key.pub").read_text().strip()[2:] in e)
    assert (
        cr_node not in after["nodes-allowlist"] and len(after["nodes-allowlist"]) == len(before["nodes-allowlist"]) - 1
    )


def lines(checks) -> dict[str, tuple[bool, str]]:
    return {check.name: (check.passed, check.detail) for check in checks}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--hardfork", "berlin", "--base-fee", "0", "--gas-price", "0"), {"EVM": "Berlin-level", "fees": "mined"}),
        (("--hardfork", "shanghai"), {"EVM": "Shanghai (PUSH0 runs", "fees": "base fee 1000000000 wei"}),
        (("--base-fee", "7"), {"EVM": "Cancun or later", "fees": "gas is paid (base fee 7 wei)"}),
        (
            (
                "--code-size-limit",
                "19000",
            ),
            {
                "contract size": f"at most 19,000 bytes, and CADENA's has {len(load_artifact(CONTRACT)['deployedBytecode']) // 2 - 1:,}"
            },
        ),
    ],
)
def test_the_check_tells_each_configuration_of_a_node(args, expected):
    with start_anvil(extra_args=args) as local:
        found = lines(check_node(connect(local.url)))
    for name, text in expected.items():
        assert text in found[name][1], found[name]
    assert found["contract size"][0] is ("contract size" not in expected)
    assert all(passed for name, (passed, _) in found.items() if name != "contract size"), found


def test_the_check_finds_what_a_besu_like_node_would_break_and_says_what_to_fix(tmp_path):
    """Behind a front that refuses logs over 40 blocks and more than 6 transactions of a sender, with its
    latest block an hour ahead of the clock, and a record whose contract is not there."""

    def besu(call):
        if call["method"] == "eth_getLogs":
            query = call["params"][0]
            if int(query["toBlock"], 16) - int(query["fromBlock"], 16) + 1 > 40:
                return {"code": -32005, "message": "Requested range exceeds maximum range limit"}
        if call["method"] == "eth_sendRawTransaction":
            raw = HexBytes(call["params"][0])
            sender = Account.recover_transaction(raw)
            nonce = TypedTransaction.from_bytes(raw).as_dict()["nonce"] if raw[0] < 0x80 else rlp.decode(raw)[0]
            nonce = int.from_bytes(nonce, "big") if isinstance(nonce, bytes) else nonce
            if nonce >= int(rpc(local.url, "eth_getTransactionCount", sender, "latest"), 16) + 6:
                return {"code": -32000, "message": "Transaction nonce is too distant from current sender nonce"}
        return None

    with start_anvil(extra_args=("--hardfork", "berlin", "--base-fee", "0", "--gas-price", "0")) as local:
        for _ in range(50):
            rpc(local.url, "evm_mine")
        rpc(local.url, "evm_mine", int(time.time()) + 3600)
        record = tmp_path / "record.json"
        record.write_text(
            json.dumps(
                {
                    "chain_id": 31337,
                    "address": "0x" + "42" * 20,
                    "deploy_block": 1,
                    "deploy_tx": "0x" + "00" * 32,
                    "network": "CADENA pilot",
                    "artifact": {},
                    "deployed_at": "2026-01-01T00:00:00+00:00",
                }
            )
        )
        with front(local.url, refuse=besu) as (url, _):
            out = run("--rpc-url", url, "--deployment", str(record), "network", "check", expect=1)
    found = {line.split(":")[0].split(maxsplit=1)[1]: line.split(maxsplit=1) for line in out.splitlines()}
    assert found["log range"][0] == "FIX" and "raise rpc-max-logs-range" in found["log range"][1]
    assert found["sender pool"][0] == "FIX" and "give --max-in-flight 6" in found["sender pool"][1]
    assert found["clock"][0] == "FIX" and "ahead of this machine's clock" in found["clock"][1]
    assert found["deployment"][0] == "FIX" and "no contract at" in found["deployment"][1]
    assert found["chain id"][0] == found["fees"][0] == found["EVM"][0] == "ok"


def test_the_check_passes_a_node_that_holds_the_deployment(reverting, pilot_record):
    rpc(reverting.url, "evm_mine")
    out = run("--rpc-url", reverting.url, "--deployment", str(pilot_record), "network", "check", "--json")
    document = json.loads(out)
    check_document(document)
    checks = document["items"]
    assert [c["name"] for c in checks][-1] == "deployment" and checks[-1]["passed"]
    assert "expected code" in checks[-1]["detail"]

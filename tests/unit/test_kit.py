"""The Besu QBFT network kit, read as a Besu 25.10 operator would: Besu's documented genesis reproduced,
every key of every generated TOML a documented option of that release, keys that match their addresses
and enodes and stay in their administration's folder, allowlists filled, JSON-RPC bound to the
administration's own network behind JWT authentication with PERM for the README's reload, real
keystores in the deploy config, and a second run that keeps the keys."""

import json
import stat
from pathlib import Path

import pytest
import tomllib
import yaml
from click.testing import CliRunner
from eth_keys.datatypes import PrivateKey
from helpers import PILOT
from keystores import LIGHT_SCRYPT_N, light_scrypt, scrypt_cost

from cadena_client.chain.keys import load_keystore
from cadena_client.cli.main import cli
from cadena_client.network.deploy import load_config
from cadena_client.network.kit import BESU_VERSION, QBFT_MIX_HASH, qbft_extra_data

OPTIONS = Path(__file__).parents[1] / "data" / "besu-25.10-options.txt"
# Besu's genesis items (docs/public-networks/reference/genesis-items.md, QBFT's in its consensus how-to);
# Besu reads them whatever their case
GENESIS_ITEMS = {"config", "nonce", "timestamp", "gaslimit", "difficulty", "mixhash", "coinbase", "alloc", "extradata"}
GENESIS_CONFIG = {"chainid", "berlinblock", "londonblock", "zerobasefee", "qbft", "contractsizelimit"}
QBFT_ITEMS = {"blockperiodseconds", "epochlength", "requesttimeoutseconds"}
PERMISSIONS_ITEMS = {"nodes-allowlist", "accounts-allowlist"}  # Besu's local permissioning file

# Besu's QBFT how-to, "Block header validator selection" genesis: its four validators and extraData
BESU_VALIDATORS = [
    "0x64a702e6263b7297a96638cac6ae65e6541f4169",
    "0x3923390ad55e90c237593b3b0e401f3b08a03185",
    "0xaefdb9a738c9f433e5b6b212a6d62f6370c2f692",
    "0xc7eeb9a4e00ce683cf93039b212648e01c6c6b78",
]
BESU_EXTRA_DATA = (
    "0xf87aa00000000000000000000000000000000000000000000000000000000000000000f8549464a702e6263b7297a96638cac6"
    "ae65e6541f4169943923390ad55e90c237593b3b0e401f3b08a0318594aefdb9a738c9f433e5b6b212a6d62f6370c2f69294c7"
    "eeb9a4e00ce683cf93039b212648e01c6c6b78c080c0"
)


def test_besu_s_documented_extra_data_is_reproduced_byte_for_byte():
    assert qbft_extra_data(BESU_VALIDATORS) == BESU_EXTRA_DATA


@pytest.fixture(scope="module", autouse=True)
def light_kit_keystores():
    """The kit's keystores written at a light scrypt cost (`keystores.light_scrypt`)."""
    with light_scrypt():
        yield


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    """One kit for the tests that only read it."""
    folder = tmp_path_factory.mktemp("written")
    kit(pilot_config(folder), folder / "kit")
    return folder / "kit"


@pytest.fixture
def config(tmp_path) -> Path:
    return pilot_config(tmp_path)


def pilot_config(tmp_path: Path) -> Path:
    text = PILOT.read_text().replace('name = "CADENA pilot"', 'name = "CADENA pilot"\nchain_id = 648600', 1)
    text = text.replace('country = "MX"', 'country = "MX"\nvalidators = 2', 1)
    path = tmp_path / "pilot.toml"
    path.write_text(text)
    return path


def kit(config: Path, out: Path, expect: int = 0) -> str:
    result = CliRunner().invoke(cli, ["network", "kit", str(config), "--out", str(out)])
    assert result.exit_code == expect, result.output
    return result.output


def test_the_kit_holds_a_network_of_each_administration_s_validators(written):
    out = written
    genesis = json.loads((out / "genesis.json").read_text())
    assert genesis["config"]["chainId"] == 648600 and genesis["config"]["zeroBaseFee"] is True
    assert genesis["config"]["qbft"]["blockperiodseconds"] > 0 and genesis["mixHash"] == QBFT_MIX_HASH
    keys = sorted(out.glob("*/node-*/key"))
    assert [p.relative_to(out).as_posix() for p in keys] == [
        "cr/node-1/key",
        "mx/node-1/key",
        "mx/node-2/key",
        "pe/node-1/key",
    ]
    addresses, enodes = [], []
    for path in keys:
        key = PrivateKey(bytes.fromhex(path.read_text().strip()[2:]))
        assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert (path.parent / "key.pub").read_text().strip() == key.public_key.to_hex()
        addresses.append(key.public_key.to_checksum_address())
        enodes.append(f"enode://{key.public_key.to_hex()[2:]}@")
    assert genesis["extraData"] == qbft_extra_data(sorted(addresses, key=str.lower))
    permissions = tomllib.loads((out / "permissions_config.toml").read_text())
    assert sorted(e.split("@")[0] + "@" for e in permissions["nodes-allowlist"]) == sorted(enodes)
    node = tomllib.loads((out / "mx/node-2/config.toml").read_text())
    assert node["min-gas-price"] == 0 and node["permissions-accounts-config-file-enabled"] is True
    assert len(node["bootnodes"]) == 3  # each administration's first node
    compose = yaml.safe_load((out / "docker-compose.yml").read_text())
    assert sorted(compose["services"]) == ["cr-node-1", "mx-node-1", "mx-node-2", "pe-node-1"]
    assert all(s["image"].startswith("hyperledger/besu:") for s in compose["services"].values())
    for shared in (
        "genesis.json",
        "permissions_config.toml",
        "docker-compose.yml",
        "README.md",
        "mx/node-1/config.toml",
    ):
        text = (out / shared).read_text()
        assert not any(path.read_text().strip()[2:] in text for path in keys)  # no private key in a shared file
    assert "Add a node or an administration" in (out / "README.md").read_text()


def test_a_second_run_keeps_the_keys_and_writes_the_same_network(config, tmp_path):
    out = tmp_path / "kit"
    assert "4 validators of 3 administrations, chain id 648600" in kit(config, out)
    before = {p: p.read_text() for p in out.rglob("*") if p.is_file()}
    kit(config, out)
    after = {p: p.read_text() for p in out.rglob("*") if p.is_file()}
    assert after == before
    config.write_text(config.read_text().replace('country = "PE"', 'country = "PE"\nvalidators = 2', 1))
    kit(config, out)  # one more validator for PE: voted in, not written into another genesis
    assert (out / "genesis.json").read_text() == before[out / "genesis.json"] and (out / "pe/node-2/key").exists()
    assert len(tomllib.loads((out / "permissions_config.toml").read_text())["nodes-allowlist"]) == 5
    (out / "pe/node-1/key").write_text("not a key")
    assert "pe/node-1/key is not a node key" in kit(config, out, expect=1)


def test_a_kit_needs_the_chain_id(tmp_path):
    assert "give the new network's chain id as network.chain_id" in kit(PILOT, tmp_path / "kit", expect=1)


def test_every_generated_file_follows_besu_s_documented_options_and_formats(written):
    out = written
    documented = {line for line in OPTIONS.read_text().splitlines() if line and not line.startswith("#")}
    assert BESU_VERSION.startswith("25.10") and f"Besu {BESU_VERSION}" in (out / "README.md").read_text()
    for path in sorted(out.glob("*/node-*/config.toml")):
        node = tomllib.loads(path.read_text())
        assert set(node) <= documented, set(node) - documented
    assert set(tomllib.loads((out / "permissions_config.toml").read_text())) == PERMISSIONS_ITEMS
    genesis = json.loads((out / "genesis.json").read_text())
    assert {key.lower() for key in genesis} == GENESIS_ITEMS
    assert {key.lower() for key in genesis["config"]} <= GENESIS_CONFIG
    assert set(genesis["config"]["qbft"]) == QBFT_ITEMS


def test_the_kit_starts_as_written(written):
    """The README's reload needs PERM; the allowlist holds the config's accounts; JSON-RPC listens on the
    administration's own network only, with JWT authentication and no port on the host; the deploy step
    signs with real keystores, and every secret stays in its administration's folder."""
    out = written
    readme = (out / "README.md").read_text()
    compose = yaml.safe_load((out / "docker-compose.yml").read_text())
    permissions = tomllib.loads((out / "permissions_config.toml").read_text())
    for path in sorted(out.glob("*/node-*/config.toml")):
        node, service = tomllib.loads(path.read_text()), compose["services"][f"{path.parts[-3]}-{path.parts[-2]}"]
        assert "perm_reloadPermissionsFromFile" in readme and "PERM" in node["rpc-http-api"]
        assert node["rpc-http-host"] != "0.0.0.0" and "*" not in node["host-allowlist"] and "ports" not in service
        own = service["networks"][f"{path.parts[-3]}-rpc"]["ipv4_address"]
        assert node["rpc-http-host"] == own and node["host-allowlist"][0] == own
        assert service["environment"]["BESU_RPC_HTTP_HOST"] == own  # the image's 0.0.0.0 outranks config.toml
        assert (
            node["rpc-http-authentication-enabled"] is True and node["rpc-http-authentication-jwt-algorithm"] == "ES256"
        )
        assert any(
            v.endswith(":" + node["rpc-http-authentication-jwt-public-key-file"] + ":ro") for v in service["volumes"]
        )
    deploy = load_config(out / "deploy.toml")
    assert "dev:" not in (out / "deploy.toml").read_text().split("\n", 1)[1].replace('"dev:N"', "")
    assert deploy.deployer == "keystore:mx/accounts/deployer.json"
    addresses = []
    for country in ("mx", "pe", "cr"):
        password = (out / country / "accounts" / "password").read_text().strip()
        for keystore in sorted((out / country / "accounts").glob("*.json")):
            addresses.append(load_keystore(keystore, password).address)  # a real encrypted keystore
            assert scrypt_cost(keystore) == LIGHT_SCRYPT_N  # a real scrypt keystore
            assert stat.S_IMODE(keystore.stat().st_mode) == 0o600
    entries = deploy.administrations
    assert sorted(permissions["accounts-allowlist"], key=str.lower) == sorted(addresses, key=str.lower)
    assert {e.admin for e in entries} | {o for e in entries for o in e.officers} <= set(addresses)
    secrets = {
        path: path.read_bytes()
        for path in out.rglob("*")
        if path.is_file() and stat.S_IMODE(path.stat().st_mode) == 0o600
    }
    assert {path.relative_to(out).parts[0] for path in secrets} == {
        "mx",
        "pe",
        "cr",
    }  # in administrations' folders only
    for path in out.rglob("*"):
        if path.is_file() and path not in secrets:  # a shared or public file holds no secret
            text = path.read_bytes()
            assert not any(secret.strip() in text for secret in secrets.values())


def test_each_administration_gets_its_exchange_key_and_credential_signer_in_its_own_folder(written):
    """X25519 keys an independent implementation (cryptography's) agrees with, named as each
    administration's `exchange_key` in the deploy config, and a credential signer that sends nothing."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from cadena_client.confidential.keys import ExchangeKeys

    out = written
    deploy = tomllib.loads((out / "deploy.toml").read_text())
    allowlist = {a.lower() for a in tomllib.loads((out / "permissions_config.toml").read_text())["accounts-allowlist"]}
    publics = set()
    for entry in deploy["administration"]:
        folder = out / entry["country"].lower()
        assert entry["exchange_key"] == f"{entry['country'].lower()}/exchange.key"
        key = out / entry["exchange_key"]
        assert stat.S_IMODE(key.stat().st_mode) == 0o600 and stat.S_IMODE(key.parent.stat().st_mode) == 0o700
        owner, _, hex_key = key.read_text().strip().partition(":")
        assert owner == entry["country"]
        private = X25519PrivateKey.from_private_bytes(bytes.fromhex(hex_key))
        public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        assert (folder / "exchange.pub").read_text().strip() == "0x" + public.hex()
        publics.add(public)
        assert ExchangeKeys.load(key, entry["country"]).public_key == public  # what the mirror and issues read
        password = (folder / "accounts" / "password").read_text().strip()
        signer = load_keystore(folder / "credential-signer.json", password)
        assert stat.S_IMODE((folder / "credential-signer.json").stat().st_mode) == 0o600
        assert signer.address.lower() not in allowlist  # it signs credentials, not transactions
    assert len(publics) == 3
    assert "keys exchange set --country MX --key mx/exchange-2.key" in (out / "README.md").read_text()

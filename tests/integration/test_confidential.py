"""Confidentiality end to end on a real node (anvil) with the pilot network (MX, PE and CR under one MRA
covering every type but AEO-C): certificates issued, updated and imported in bulk with sealed master
data; then THE SCAN of every transaction input, log and storage slot written for the plaintext and its
unsalted hashes; who reads what (the partner after consent, not after withdrawal; not a member the MRA
does not cover, not a node operator); erasure reaching the partner; the chain-side verdicts untouched."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import replace

import pytest
from eth_account import Account
from eth_utils import keccak

from cadena_client.api.bulk import issue_all
from cadena_client.chain.connection import connect
from cadena_client.chain.signer import Signer
from cadena_client.confidential import ExchangeKeys, open_for
from cadena_client.confidential.envelope import reader_countries
from cadena_client.domain.model import MasterData, Verdict, Visibility
from cadena_client.mirror import Mirror
from cadena_client.network.record import DeploymentRecord

HOLDER = Account.from_key(keccak(text="cadena confidential holder"))
SECRET = MasterData(
    "MXZAFIRO77881",
    "Zafiro Confidencial Exportadora SA",
    "Calle Secreta 7788, Monterrey",
    "exporter",
    "2024-01-01",
    holder=HOLDER.address,
)
CUSTOMS_ONLY = MasterData(
    "MXAEOC000001", "Simplificada Aduanal Reservada SA", "Privada Oculta 12", "aeo-c", "2024-01-01"
)
BULK = [
    MasterData(f"MXLOTE{i:05d}", f"Operadora Discreta Numero {i} SA", f"Camino Privado {i}", "importer", "2024-02-01")
    for i in range(12)
]


@pytest.fixture(scope="module")
def world(node, pilot_record, tmp_path_factory):
    """Keys published by MX, PE and CR; an MX officer sealing with MX's keys; the certificates issued."""
    chain = connect(node.url)
    cadena = DeploymentRecord.load(pilot_record).open(chain)
    keys = {code: ExchangeKeys.create(code) for code in ("MX", "PE", "CR")}
    for code, admin in (("MX", 1), ("PE", 3), ("CR", 5)):
        cadena.as_signer(Signer(chain, chain.dev_account(admin))).set_exchange_key(code, keys[code].public_key)
    officer = cadena.as_signer(Signer(chain, chain.dev_account(2))).with_exchange(keys["MX"])
    first = chain.rpc.call("eth_blockNumber", [])
    officer.issue(SECRET, visibility=Visibility.ISSUER_ONLY)
    officer.issue(CUSTOMS_ONLY, visibility=Visibility.PARTNERS)
    outcomes = issue_all(officer, BULK, visibility=Visibility.PARTNERS, batch_size=5)
    assert {o.result.value for o in outcomes} == {"done"}
    officer.update(replace(SECRET, address="Calle Secreta 7789, Monterrey"))
    base = tmp_path_factory.mktemp("mirrors")
    mirrors = {
        code: Mirror(base / f"{code}.sqlite", chain.chain_id, cadena.address, cadena.deploy_block, exchange=keys[code])
        for code in keys
    }
    mirrors["operator"] = Mirror(base / "operator.sqlite", chain.chain_id, cadena.address, cadena.deploy_block)
    return dict(
        chain=chain, cadena=cadena, officer=officer, keys=keys, mirrors=mirrors, first=int(first, 16), node=node
    )


def synced(world, code):
    mirror = world["mirrors"][code]
    mirror.sync(world["cadena"])
    return mirror


def names(world, code) -> dict[str, str]:
    rows = synced(world, code).db.execute("SELECT tin, json_extract(json, '$.name') FROM master_data").fetchall()
    return dict(rows)


def secrets_of(master: MasterData) -> dict[str, bytes]:
    """What must appear nowhere on chain: the name and address, and their unsalted hashes."""
    record = json.loads(master.canonical())
    record.pop("salt")
    unsalted = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    found = {"name": master.name.encode(), "address": master.address.encode()}
    for label, data in (("name", master.name.encode()), ("address", master.address.encode()), ("json", unsalted)):
        found[f"keccak({label})"] = keccak(data)
        found[f"sha256({label})"] = hashlib.sha256(data).digest()
    return found


def test_the_scan_finds_no_master_data_and_no_unsalted_hash_anywhere_on_chain(world):
    rpc = world["chain"].rpc
    head = int(rpc.call("eth_blockNumber", []), 16)
    seen: list[tuple[str, bytes]] = []
    for number in range(world["cadena"].deploy_block, head + 1):
        block = rpc.call("eth_getBlockByNumber", [hex(number), True])
        for tx in block["transactions"]:
            seen.append((f"input of {tx['hash']}", bytes.fromhex(tx["input"][2:])))
            receipt = rpc.call("eth_getTransactionReceipt", [tx["hash"]])
            for log in receipt["logs"]:
                seen.append((f"log data of {tx['hash']}", bytes.fromhex(log["data"][2:])))
                seen += [(f"log topic of {tx['hash']}", bytes.fromhex(t[2:])) for t in log["topics"]]
            trace = rpc.call(
                "debug_traceTransaction", [tx["hash"], {"tracer": "prestateTracer", "tracerConfig": {"diffMode": True}}]
            )
            for account in trace["post"].values():
                for slot, value in (account.get("storage") or {}).items():
                    seen.append(
                        (f"storage written by {tx['hash']}", bytes.fromhex(slot[2:]) + bytes.fromhex(value[2:]))
                    )
    rows = synced(world, "operator").db.execute("SELECT data FROM events WHERE name LIKE 'Certificate%'").fetchall()
    assert sum(1 for (data,) in rows if json.loads(data).get("envelope", "0x") != "0x") >= 15  # every record sealed
    updated = replace(SECRET, address="Calle Secreta 7789, Monterrey")
    for master in (SECRET, updated, CUSTOMS_ONLY, *BULK):
        for what, needle in secrets_of(master).items():
            hits = [where for where, data in seen if needle in data]
            assert not hits, f"{what} of {master.tin} found in {hits[:3]}"


def test_who_reads_what(world):
    assert names(world, "MX")["MXZAFIRO77881"] == "Zafiro Confidencial Exportadora SA"  # the issuer's own copy
    pe = names(world, "PE")
    assert "MXZAFIRO77881" not in pe  # issuer only
    assert "MXAEOC000001" not in pe  # Partners, but no MRA with MX covers AEO-C: PE is no reader of it
    assert pe["MXLOTE00003"] == "Operadora Discreta Numero 3 SA"  # Partners, covered: PE reads it
    assert names(world, "operator") == {}  # a node operator with the full chain and no key
    stranger = ExchangeKeys.create("PE")
    events = synced(world, "operator").db.execute("SELECT data FROM events WHERE name LIKE 'Certificate%d'").fetchall()
    envelopes = [bytes.fromhex(json.loads(d)["envelope"][2:]) for (d,) in events if json.loads(d).get("envelope")]
    assert envelopes and all(open_for(e, "PE", stranger.private_key) is None for e in envelopes)
    pe_certificate = synced(world, "PE").certificate("MXZAFIRO77881")
    assert pe_certificate.name is None and pe_certificate.visibility is Visibility.ISSUER_ONLY


def test_a_partner_reads_after_consent_and_gets_nothing_new_after_withdrawal(world):
    chain, cadena, officer = world["chain"], world["cadena"], world["officer"]
    deadline = int(time.time()) + 3600
    signature = cadena.sign_consent(HOLDER.key, SECRET.tin, "partners", deadline)
    relayer = cadena.as_signer(Signer(chain, chain.dev_account(4)))  # PE's officer relays; the holder has no ether
    relayer.set_visibility_by_sig(SECRET.tin, "partners", deadline, signature)
    current = world["mirrors"]["MX"].master_data(SECRET.tin)
    officer.share(current)  # the issuer seals the version on chain to its readers now
    assert names(world, "PE")[SECRET.tin] == "Zafiro Confidencial Exportadora SA"
    assert synced(world, "PE").master_data(SECRET.tin).address == "Calle Secreta 7789, Monterrey"
    officer.set_visibility(SECRET.tin, "issuer", form="withdrawal form MX-2026-001")
    receipt = officer.update(replace(current, address="Nueva Calle 1"))
    assert synced(world, "MX").master_data(SECRET.tin).address == "Nueva Calle 1"
    assert synced(world, "PE").master_data(SECRET.tin) is None  # the new version was not sealed to PE
    envelope = cadena.codec.logs.decode(receipt.logs[0])[1]["envelope"]
    assert reader_countries(bytes.fromhex(envelope[2:])) == ["MX"]


def test_erasure_reaches_the_partner_and_leaves_the_certificate(world):
    tin = "MXLOTE00005"
    assert tin in names(world, "PE")
    before = world["cadena"].certificate(tin)
    world["officer"].erase(tin, 31)
    assert tin not in names(world, "PE") and tin not in names(world, "MX")
    after = world["cadena"].certificate(tin)
    assert (after.status, after.commitment, after.version) == (before.status, before.commitment, before.version)
    assert world["cadena"].verify("PE", tin).verdict is Verdict.RECOGNISED
    history = [e.name for e in world["cadena"].history(tin)]
    assert history[0] == "CertificateIssued"

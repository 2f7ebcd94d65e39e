"""Network kinds the library must handle: proof-of-authority blocks, free gas, nodes behind an API key."""

import json
import sqlite3
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aeo_list_files import generate, write_csv
from click.testing import CliRunner
from eth_account import Account
from eth_account.typed_transactions import TypedTransaction
from helpers import PILOT, front, rpc
from hexbytes import HexBytes
from web3.middleware import ExtraDataToPOAMiddleware

from cadena_client.chain.connection import connect
from cadena_client.chain.node import start_anvil
from cadena_client.chain.signer import Signer
from cadena_client.cli.main import cli
from cadena_client.contract.artifact import without_metadata
from cadena_client.domain.model import CertificateStatus, MasterData
from cadena_client.network.deploy import Accounts, DeploymentRecord, deploy_network, load_config

QBFT_BLOCK = {  # a block as a QBFT/IBFT node answers it: extraData longer than Ethereum's 32 bytes
    "number": "0x5",
    "hash": "0x" + "ab" * 32,
    "parentHash": "0x" + "cd" * 32,
    "extraData": "0x" + "00" * 97,
    "timestamp": "0x6000",
    "gasLimit": "0x1c9c380",
    "gasUsed": "0x0",
    "miner": "0x" + "00" * 20,
    "transactions": [],
    "difficulty": "0x1",
    "logsBloom": "0x" + "00" * 256,
    "nonce": "0x" + "00" * 8,
    "sha3Uncles": "0x" + "00" * 32,
    "stateRoot": "0x" + "00" * 32,
    "receiptsRoot": "0x" + "00" * 32,
    "transactionsRoot": "0x" + "00" * 32,
    "mixHash": "0x" + "00" * 32,
    "size": "0x100",
    "uncles": [],
}


@contextmanager
def qbft_like_node():
    """A JSON-RPC server on a free port that answers as a QBFT node at gas price 0 would; yields its URL."""
    answers = {"eth_chainId": "0x9e551", "eth_getBlockByNumber": QBFT_BLOCK, "eth_gasPrice": "0x0"}

    class Node(BaseHTTPRequestHandler):
        def do_POST(self):
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            calls = request if isinstance(request, list) else [request]
            replies = [{"jsonrpc": "2.0", "id": c["id"], "result": answers[c["method"]]} for c in calls]
            body = json.dumps(replies if isinstance(request, list) else replies[0]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Node)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_proof_of_authority_blocks_get_the_middleware():
    with qbft_like_node() as url:
        chain = connect(url, expected_chain_id=648529)
        assert chain.poa and chain.free_gas is True
        assert ExtraDataToPOAMiddleware in chain.w3.middleware_onion
        assert chain.w3.eth.get_block("latest")["proofOfAuthorityData"]


def test_transactions_at_gas_price_zero():
    with start_anvil(extra_args=("--base-fee", "0", "--gas-price", "0")) as node:
        chain = connect(node.url)
        chain.free_gas = True  # as detected on Besu (eth_gasPrice 0, no base fee; see the test above)
        cadena = deploy_network(chain, load_config(PILOT), Accounts(chain, PILOT.parent), None).cadena
        officer = cadena.as_signer(Signer(chain, chain.dev_account(2)))
        receipt = officer.issue(MasterData("MX1", "Operador", "Calle 1", "exporter", "2020-01-01"))
        tx = chain.w3.eth.get_transaction(receipt.tx_hash)
        assert tx["gasPrice"] == 0 and chain.w3.eth.get_transaction_receipt(receipt.tx_hash)["status"] == 1
        assert chain.w3.eth.get_balance(chain.dev_account(2).address) == 10**22  # nothing paid


def keyed_front(target: str, key: str):
    """A front that, like hosted nodes, forwards only requests carrying `X-Api-Key: key` and answers others 401."""
    return front(target, screen=lambda headers: None if headers.get("X-Api-Key") == key else (401, "wrong API key"))


def test_a_node_behind_an_api_key_header_serves_single_writes_and_imports_alike(reverting, pilot_record, tmp_path):
    node = reverting
    with keyed_front(node.url, "s3cret") as (url, forwarded):
        plain = ["--rpc-url", url, "--deployment", str(pilot_record), "--dev-account", "2"]
        keyed = [*plain, "--rpc-header", "X-Api-Key: s3cret"]
        refused = CliRunner().invoke(cli, [*plain, "cert", "show", "MXEPA180101AB1"])
        assert refused.exit_code == 1 and refused.output.count("\n") == 1 and "Traceback" not in refused.output
        assert "refused the request: HTTP 401" in refused.output and "--rpc-header" in refused.output
        issue = ["cert", "issue", "MXEPA180101AB1", "--name", "Exportadora", "--address", "Calle 1"]
        single = CliRunner().invoke(cli, [*keyed, *issue, "--types", "exporter", "--valid-from", "2020-01-01"])
        assert single.exit_code == 0, single.output
        rows = generate(12, bad=False)
        bulk = CliRunner().invoke(
            cli, [*keyed, "cert", "import", str(write_csv(tmp_path / "l.csv", rows.grid)), "--country", "MX"]
        )
        assert bulk.exit_code == 0, bulk.output
        cadena = DeploymentRecord.load(pilot_record).open(connect(node.url))
        assert all(c.status is not CertificateStatus.NONE for c in cadena.read_certificates(list(rows.masters)))
        sent = [call for call in forwarded if call["method"] == "eth_sendRawTransaction"]
        assert len(sent) >= 2  # both went through the front, with the key


def _opcodes(code: bytes):
    """The opcodes of EVM bytecode, skipping PUSH data."""
    i = 0
    while i < len(code):
        yield code[i]
        i += 1 + (code[i] - 0x5F if 0x60 <= code[i] <= 0x7F else 0)


def test_a_berlin_chain_without_base_fee_at_gas_price_zero_runs_everything(tmp_path):
    """LACChain's kind of chain: Berlin (no London: no base fee, no EIP-1559 transactions, no PUSH0),
    gas price 0. The fee model comes from the chain; the deployment, every lifecycle step, the import
    and the bulk path go through as legacy transactions at price 0."""
    with start_anvil(extra_args=("--hardfork", "berlin", "--gas-price", "0")) as node:
        chain = connect(node.url)
        assert chain.free_gas and "baseFeePerGas" not in chain.w3.eth.get_block("latest")
        record = tmp_path / "berlin.json"
        deploy = CliRunner().invoke(
            cli, ["--rpc-url", node.url, "--deployment", str(record), "network", "deploy", str(PILOT)]
        )
        assert deploy.exit_code == 0, deploy.output
        cadena = DeploymentRecord.load(record).open(chain)
        assert 0x5F not in set(_opcodes(without_metadata(bytes(chain.w3.eth.get_code(cadena.address)))))  # no PUSH0
        officer = cadena.as_signer(Signer(chain, chain.dev_account(2)))
        holder = chain.dev_account(9)
        receipts = [
            officer.issue(MasterData("MXB1", "Operador", "Calle 1", "exporter", "2020-01-01", None, holder.address))
        ]
        for step in ("suspend", "reinstate"):
            receipts.append(getattr(officer, step)("MXB1"))
        receipts.append(cadena.as_signer(Signer(chain, holder)).withdraw("MXB1"))
        receipts.append(officer.cancel("MXB1"))
        rows = generate(30, bad=False)
        imported = CliRunner().invoke(
            cli,
            [
                "--rpc-url",
                node.url,
                "--deployment",
                str(record),
                "--dev-account",
                "2",
                "cert",
                "import",
                str(write_csv(tmp_path / "l.csv", rows.grid)),
                "--country",
                "MX",
            ],
        )
        assert imported.exit_code == 0, imported.output
        assert all(c.status is CertificateStatus.ACTIVE for c in cadena.read_certificates(list(rows.masters)))
        assert cadena.certificate("MXB1").status is CertificateStatus.CANCELLED
        block = chain.w3.eth.block_number
        sent = [
            tx for n in range(1, block + 1) for tx in chain.w3.eth.get_block(n, full_transactions=True)["transactions"]
        ]
        assert len(sent) >= 14 and {(tx["type"], tx["gasPrice"]) for tx in sent} == {(0, 0)}  # 30 rows: one batch
        assert {r.tx_hash for r in receipts} <= {"0x" + bytes(tx["hash"]).hex() for tx in sent}


def test_a_berlin_chain_that_charges_gas_gets_legacy_transactions_at_its_price():
    """Without a base fee but with a price (eth_gasPrice), the client sends legacy transactions at that price."""
    with start_anvil(extra_args=("--hardfork", "berlin")) as node:
        chain = connect(node.url)
        assert not chain.free_gas
        cadena = deploy_network(chain, load_config(PILOT), Accounts(chain, PILOT.parent), None).cadena
        receipt = cadena.as_signer(Signer(chain, chain.dev_account(2))).issue(
            MasterData("MX2", "Operador", "Calle 1", "exporter", "2020-01-01")
        )
        tx = chain.w3.eth.get_transaction(receipt.tx_hash)
        assert tx["type"] == 0 and tx["gasPrice"] >= chain.w3.eth.gas_price > 0


def test_log_queries_over_a_node_s_range_limit_halve_their_range_and_miss_nothing(reverting, pilot_record, tmp_path):
    """Besu answers eth_getLogs over `--rpc-max-logs-range` blocks with an error: the mirror asks for
    half as many blocks until the node takes them, then keeps that range; it finds every event."""
    limit = 40
    asked = []

    def besu(call):
        if call["method"] != "eth_getLogs":
            return None
        query = call["params"][0]
        blocks = int(query["toBlock"], 16) - int(query["fromBlock"], 16) + 1
        asked.append(blocks)
        return {"code": -32005, "message": "Requested range exceeds maximum range limit"} if blocks > limit else None

    node = reverting
    for _ in range(150):
        rpc(node.url, "evm_mine")
    with front(node.url, refuse=besu) as (url, _):
        options = ["--rpc-url", url, "--deployment", str(pilot_record), "--mirror", str(tmp_path / "m.sqlite")]
        CliRunner().invoke(
            cli,
            [
                *options[:4],
                "--dev-account",
                "2",
                "cert",
                "issue",
                "MXLATE1",
                "--name",
                "A",
                "--address",
                "B",
                "--types",
                "exporter",
                "--valid-from",
                "2020-01-01",
            ],
        )
        synced = CliRunner().invoke(cli, [*options, "sync"])
        assert synced.exit_code == 0, synced.output
        history = CliRunner().invoke(cli, [*options, "history", "MXLATE1", "--json"])
        assert json.loads(history.output)["items"][0]["change"] == "issued"
    direct = ["--rpc-url", node.url, "--deployment", str(pilot_record), "--mirror", str(tmp_path / "d.sqlite")]
    assert CliRunner().invoke(cli, [*direct, "sync"]).exit_code == 0
    events = [
        sqlite3.connect(tmp_path / name).execute("SELECT block, log_index, name FROM events").fetchall()
        for name in ("m.sqlite", "d.sqlite")
    ]
    assert len(events[0]) > 10 and events[0] == events[1]  # the same events as a node without a limit gives
    assert max(asked) > limit and asked[-1] <= limit  # refused first, then within the limit
    assert asked.count(max(asked)) == 1  # the range the node took was kept: the big one was asked once


@pytest.mark.slow
def test_a_burst_beyond_the_pool_s_limit_for_a_sender_is_sent_as_the_pool_takes_it():
    """Besu's pool refuses a sender's transactions too far ahead of its mined nonce ("Transaction
    nonce is too distant from current sender nonce"): the signer sends those later, fewer at a time,
    and every one is mined. A burst of three times the limit takes three blocks (a second each) at least."""
    limit, refusals, burst = 6, [], 18
    with start_anvil() as node:
        chain = connect(node.url)
        cadena = deploy_network(chain, load_config(PILOT), Accounts(chain, PILOT.parent), None).cadena
        rpc(node.url, "evm_setAutomine", False)
        rpc(node.url, "evm_setIntervalMining", 1)  # a block a second: transactions wait in the pool

        def besu(call):
            if call["method"] != "eth_sendRawTransaction":
                return None
            raw = HexBytes(call["params"][0])
            sender, nonce = Account.recover_transaction(raw), TypedTransaction.from_bytes(raw).as_dict()["nonce"]
            if nonce < int(rpc(node.url, "eth_getTransactionCount", sender, "latest"), 16) + limit:
                return None
            refusals.append(nonce)
            return {"code": -32000, "message": "Transaction nonce is too distant from current sender nonce"}

        with front(node.url, refuse=besu) as (url, _):
            relayed = connect(url)
            signer = Signer(relayed, relayed.dev_account(2))
            officer = cadena.as_signer(signer)
            officer.chain = relayed
            masters = [MasterData(f"MXBURST{i}", "Operador", "Calle 1", "exporter", "2020-01-01") for i in range(burst)]
            outcomes = officer.send(
                [officer.job("issue", "issueCertificate", *officer.master_args(m, 1)) for m in masters]
            )
        assert refusals and signer.in_flight <= limit
        assert [o.result.value for o in outcomes] == ["done"] * burst
        assert all(c.status is CertificateStatus.ACTIVE for c in cadena.read_certificates([m.tin for m in masters]))

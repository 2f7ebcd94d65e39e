"""Network kinds the library must handle: proof-of-authority blocks, free gas, nodes behind an API key."""

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from aeo_list_files import generate, write_csv
from click.testing import CliRunner
from helpers import PILOT, rpc
from web3.middleware import ExtraDataToPOAMiddleware
from web3.providers import BaseProvider

from cadena_client.chain.connection import connect
from cadena_client.chain.node import start_anvil
from cadena_client.chain.signer import Signer
from cadena_client.cli.main import cli
from cadena_client.domain.model import CertificateStatus, MasterData
from cadena_client.network.deploy import Accounts, DeploymentRecord, deploy_network, load_config


class QBFTLikeProvider(BaseProvider):
    """Answers like a QBFT/IBFT node: blocks whose extraData is longer than 32 bytes."""

    def make_request(self, method, params):
        block = {
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
        answers = {"eth_chainId": "0x9e551", "eth_getBlockByNumber": block, "eth_gasPrice": "0x0"}
        return {"jsonrpc": "2.0", "id": 1, "result": answers[method]}


def test_proof_of_authority_blocks_get_the_middleware(monkeypatch):
    import cadena_client.chain.connection as chain_module

    monkeypatch.setattr(chain_module.Web3, "HTTPProvider", lambda url, request_kwargs=None: QBFTLikeProvider())
    chain = connect("http://qbft-node.invalid:8545", expected_chain_id=648529)
    assert ExtraDataToPOAMiddleware in chain.w3.middleware_onion
    assert chain.free_gas is True
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


@contextmanager
def keyed_front(target: str, key: str):
    """A real HTTP server in front of a node that, like hosted nodes, forwards only requests carrying
    `X-Api-Key: key` and answers others 401; yields (its URL, the JSON-RPC methods it forwarded)."""
    forwarded: list[str] = []

    class Front(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.headers.get("X-Api-Key") != key:
                self.send_response(401, "Unauthorized")
                self.end_headers()
                self.wfile.write(b"missing or wrong API key")
                return
            request = json.loads(body)
            forwarded.extend(call["method"] for call in (request if isinstance(request, list) else [request]))
            answer = requests.post(target, data=body, headers={"Content-Type": "application/json"}, timeout=60)
            self.send_response(answer.status_code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Front)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", forwarded
    finally:
        server.shutdown()
        server.server_close()


def test_a_node_behind_an_api_key_header_serves_single_writes_and_imports_alike(node, pilot_record, tmp_path):
    snapshot = rpc(node.url, "evm_snapshot")
    try:
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
            assert forwarded.count("eth_sendRawTransaction") >= 2  # both went through the front, with the key
    finally:
        rpc(node.url, "evm_revert", snapshot)

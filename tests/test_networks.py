"""Network kinds the library must handle: proof-of-authority blocks and free gas."""

from pathlib import Path

from web3.middleware import ExtraDataToPOAMiddleware
from web3.providers import BaseProvider

from cadena_client.chain.connection import connect
from cadena_client.chain.node import start_anvil
from cadena_client.chain.signer import Signer
from cadena_client.domain.model import MasterData
from cadena_client.network.deploy import Accounts, deploy_network, load_config

PILOT = Path(__file__).resolve().parent.parent / "deploy" / "cadena-pilot.toml"


class QBFTLikeProvider(BaseProvider):
    """Answers like a QBFT/IBFT node: blocks whose extraData is longer than 32 bytes."""

    def make_request(self, method, params):
        block = {"number": "0x5", "hash": "0x" + "ab" * 32, "parentHash": "0x" + "cd" * 32, "extraData": "0x" + "00" * 97,
                 "timestamp": "0x6000", "gasLimit": "0x1c9c380", "gasUsed": "0x0", "miner": "0x" + "00" * 20,
                 "transactions": [], "difficulty": "0x1", "logsBloom": "0x" + "00" * 256, "nonce": "0x" + "00" * 8,
                 "sha3Uncles": "0x" + "00" * 32, "stateRoot": "0x" + "00" * 32, "receiptsRoot": "0x" + "00" * 32,
                 "transactionsRoot": "0x" + "00" * 32, "mixHash": "0x" + "00" * 32, "size": "0x100", "uncles": []}  # fmt: skip
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

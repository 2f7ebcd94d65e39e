"""The deployment record: where a network's contract lives on which chain, and which network it is.
Read without the chain's stack (eth-utils is imported where a record meets the chain), so that
`verify --offline` finds its mirror quickly."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cadena_client.contract.artifact import load_artifact
from cadena_client.contract.codec import hex_text
from cadena_client.errors import CadenaError, RecordConflict, RecordError, RecordMissing

if TYPE_CHECKING:
    from cadena_client.api.client import Cadena
    from cadena_client.chain.connection import Chain
    from cadena_client.chain.relay import Submitter

ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


def artifact_fingerprint(artifact: dict | None = None) -> dict:
    from eth_utils import keccak

    artifact = artifact or load_artifact()
    return {
        "compiler": artifact["compiler"]["version"],
        "bytecode_hash": "0x" + keccak(hexstr=artifact["bytecode"]).hex(),
        "deployed_bytecode_hash": "0x" + keccak(hexstr=artifact["deployedBytecode"]).hex(),
        "abi_hash": "0x" + keccak(text=json.dumps(artifact["abi"], sort_keys=True)).hex(),
    }


def default_record_path(chain_id: int) -> Path:
    return Path("deployments") / f"{chain_id}.json"


@dataclass
class DeploymentRecord:
    """Where a network's contract lives, and which network it is: its name and its administrations
    with their first admins, so that another network's config is not deployed into it."""

    chain_id: int
    address: str
    deploy_block: int
    deploy_tx: str
    network: str
    artifact: dict
    deployed_at: str
    deploy_block_hash: str | None = None  # tells a reset node with the same chain id from the original
    administrations: dict[str, str] = field(default_factory=dict)  # country -> admin address, as deployed
    forwarder: str | None = None  # the trusted forwarder (or LACChain hub) the contract was deployed with
    consortium: str | None = None  # the members' consortium, the contract's only authority

    def save(self, path: Path) -> None:
        """Writes the record atomically (a temporary file renamed over it)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.__dict__, indent=2) + "\n")
        temporary.replace(path)

    @classmethod
    def load(cls, path: Path) -> DeploymentRecord:
        try:
            data = json.loads(Path(path).read_text())
            record = cls(**{key: data[key] for key in cls.__dataclass_fields__ if key in data})
            if not ADDRESS.fullmatch(str(record.address)):
                raise ValueError(f"address {record.address!r} is not 0x and 40 hex digits")
            return record
        except FileNotFoundError:
            raise RecordMissing(f"deployment record {path} does not exist") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise RecordError(f"deployment record {path} is corrupt ({type(exc).__name__}: {exc})") from None

    def check(self, chain: Chain) -> None:
        """Raises RecordError unless the chain is the record's and holds its contract."""
        from eth_utils import to_checksum_address

        if chain.chain_id != self.chain_id:
            raise RecordError(
                f"the deployment record is for chain {self.chain_id}, but the node is on chain {chain.chain_id}"
            )
        code = bytes.fromhex(hex_text(chain.rpc.call("eth_getCode", [to_checksum_address(self.address), "latest"]))[2:])
        if not code:
            raise RecordError(
                f"no contract at {self.address} on chain {self.chain_id}: was the node reset? "
                "Delete the record to deploy anew"
            )
        interface = artifact_fingerprint()["abi_hash"]
        if self.artifact.get("abi_hash", interface) != interface:
            raise RecordError(
                f"the contract at {self.address} has another interface than this version of CADENA: "
                "use the CADENA release that deployed it"
            )
        from cadena_client.api.client import Cadena

        try:  # the members upgrade the implementation; the proxy answers to its consortium whatever it runs
            authority = Cadena(chain, to_checksum_address(self.address)).consortium_address
        except CadenaError:
            authority = None
        if authority is None or (self.consortium and authority != to_checksum_address(self.consortium)):
            raise RecordError(
                f"the contract at {self.address} is not a CADENA network governed by "
                f"{self.consortium or 'a consortium'}: check the record"
            )
        if self.deploy_block_hash:
            block = chain.rpc.call("eth_getBlockByNumber", [hex(self.deploy_block), False])
            if not block or hex_text(block["hash"]) != self.deploy_block_hash:
                raise RecordConflict(
                    f"block {self.deploy_block} of the node at {chain.url} is not the block the record's contract was "
                    f"deployed in: this is another chain with the same id {self.chain_id} (a reset node?). Delete the "
                    "record to deploy anew"
                )

    def open(self, chain: Chain, signer: Submitter | None = None) -> Cadena:
        from eth_utils import to_checksum_address

        from cadena_client.api.client import Cadena

        self.check(chain)
        return Cadena(chain, to_checksum_address(self.address), signer, self.deploy_block)

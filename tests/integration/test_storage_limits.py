"""Limits a network reaches only after years, reached at once by writing anvil's storage directly."""

from eth_utils import keccak
from helpers import rpc

from cadena_client.chain.connection import connect
from cadena_client.chain.signer import Signer
from cadena_client.contract.codec import tin_to_bytes32
from cadena_client.domain.model import CertificateStatus, MasterData
from cadena_client.network.deploy import DeploymentRecord

VERSION_SHIFT, STATUS_SHIFT = 232, 160  # contracts/libraries/CertificateWord.sol
# the AEO registry's ERC-7201 namespace (contracts/libraries/StorageSlots.sol), whose first field is the records
AEO_REGISTRY = (
    int.from_bytes(
        keccak((int.from_bytes(keccak(text="cadena.storage.AEORegistry"), "big") - 1).to_bytes(32, "big")), "big"
    )
    & ~0xFF
)


def record_slot(url: str, address: str, tin: str, word_matches) -> int:
    """The storage slot of the certificate word of `tin`: keccak(tin . p) for the mapping's slot p."""
    for position in (AEO_REGISTRY, *range(64)):
        slot = int.from_bytes(keccak(tin_to_bytes32(tin) + position.to_bytes(32, "big")), "big")
        if word_matches(int(rpc(url, "eth_getStorageAt", address, hex(slot), "latest"), 16)):
            return slot
    raise AssertionError("no storage slot holds the certificate word")


def test_a_tin_re_issued_past_the_last_version_number_is_never_bricked(reverting, pilot_record):
    node = reverting
    chain = connect(node.url)
    officer = DeploymentRecord.load(pilot_record).open(chain, Signer(chain, chain.dev_account(2)))
    master = MasterData("MXVERSION0001", "Reexpedida S.A.", "Calle 1", "exporter", "2024-01-01")
    officer.issue(master)
    officer.cancel(master.tin)
    cancelled = int(CertificateStatus.CANCELLED) << STATUS_SHIFT
    slot = record_slot(node.url, officer.address, master.tin, lambda word: word >> STATUS_SHIFT & 0xFF == 3)
    word = int(rpc(node.url, "eth_getStorageAt", officer.address, hex(slot), "latest"), 16)
    assert word & cancelled and word >> VERSION_SHIFT == 1
    last = (word & ((1 << VERSION_SHIFT) - 1)) | (0xFFFFFF << VERSION_SHIFT)  # 16.7 million re-issues later
    rpc(node.url, "anvil_setStorageAt", officer.address, hex(slot), "0x" + last.to_bytes(32, "big").hex())
    for _ in range(2):  # re-issued at the last version number, and again: never an arithmetic panic
        officer.issue(master)
        assert officer.certificate(master.tin).version == 0xFFFFFF
        officer.cancel(master.tin)

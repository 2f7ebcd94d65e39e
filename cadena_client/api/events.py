"""The audit trail of certificates, read from the contract's logs."""

from __future__ import annotations

from cadena_client.chain.logs import DEFAULT_CHUNK, LogSource
from cadena_client.contract.codec import tin_to_bytes32
from cadena_client.domain.event import Event
from cadena_client.domain.lifecycle import BY_EVENT


def certificate_history(cadena, tin: str, chunk: int = DEFAULT_CHUNK) -> list[Event]:
    """Every lifecycle event of `tin`, oldest first."""
    source = LogSource(cadena.chain, cadena.address)
    topics = [[source.topic(name) for name in BY_EVENT], "0x" + tin_to_bytes32(tin).hex()]
    return [cadena.codec.event(log) for _, _, log in source.scan(cadena.deploy_block, topics, chunk)]

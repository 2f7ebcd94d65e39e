"""Confidential master data: each administration's X25519 exchange keys, the envelope that seals a
certificate's master data to the administrations allowed to read it, who those readers are, and
the holder's EIP-712 consent. The chain carries only the salted commitment and the envelope."""

from cadena_client.confidential.envelope import open_for, seal
from cadena_client.confidential.keys import ExchangeKeys
from cadena_client.confidential.readers import reader_countries, readers

__all__ = ["ExchangeKeys", "open_for", "reader_countries", "readers", "seal"]

"""Shared set-up of the benchmarks: a fresh anvil with the pilot network, and realistic records."""

from __future__ import annotations

import os
import platform
from pathlib import Path

from cadena_client.chain.connection import connect
from cadena_client.domain.model import MasterData
from cadena_client.network.deploy import Accounts, deploy_network, load_config

PILOT = Path(__file__).resolve().parent.parent / "deploy" / "cadena-pilot.toml"
# Zero base fee and gas price, as on LACChain and permissioned Besu networks. With anvil's default
# fees, automining a backlog packs full blocks and the base fee climbs 12.5% a block.
FREE_GAS = ("--base-fee", "0", "--gas-price", "0")


def pilot_on(url: str, record: Path | None = None):
    """(chain, cadena, accounts) with the pilot network deployed on the node at `url` (its deployment
    record written to `record`, if given)."""
    chain = connect(url)
    accounts = Accounts(chain, PILOT.parent)
    return chain, deploy_network(chain, load_config(PILOT), accounts, record).cadena, accounts


def operators(count: int, prefix: str = "MX", start: int = 0) -> list[MasterData]:
    """Mexican operators with names and addresses of realistic length (about 35 and 60 bytes)."""
    return [
        MasterData(
            f"{prefix}{i:012d}",
            f"Operador Logístico Número {i} S.A. de C.V.",
            f"Calle {i}, Colonia Centro, 06000 Ciudad de México",
            "exporter,importer",
            "2020-01-01",
            "2030-01-01",
        )
        for i in range(start, start + count)
    ]


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"

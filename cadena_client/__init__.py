"""CADENA: AEO certificates and Mutual Recognition Arrangements shared on an Ethereum-compatible chain.

The names a customs IT system needs, in one place:

    from cadena_client import connect, DeploymentRecord, Signer, load_keystore, MasterData

    chain = connect("http://node:8545", expected_chain_id=648529)
    cadena = DeploymentRecord.load(path).open(chain)
    officer = cadena.as_signer(Signer(chain, load_keystore(keystore, password)))
    officer.issue(MasterData("MXEPA180101AB1", "Exportadora S.A.", "Av. Reforma 505", "exporter", "2024-01-01"))
    cadena.verify("PE", "MXEPA180101AB1")

They are loaded on first use, so that importing the package (and `cadena --help`) stays quick.
"""

from importlib import import_module

_HOMES = {
    "Cadena": "api.client",
    "issue_all": "api.bulk",
    "Chain": "chain.connection",
    "connect": "chain.connection",
    "create_keystore": "chain.keys",
    "load_keystore": "chain.keys",
    "ForwarderSubmitter": "chain.relay",
    "LacchainSubmitter": "chain.lacchain",
    "Submitter": "chain.relay",
    "Job": "chain.signer",
    "Outcome": "chain.signer",
    "Receipt": "chain.signer",
    "Result": "chain.signer",
    "Signer": "chain.signer",
    "Event": "domain.event",
    "Proposal": "domain.governance",
    "ProposalKind": "domain.governance",
    "Rules": "domain.governance",
    "AEOType": "domain.model",
    "Administration": "domain.model",
    "AdministrationStatus": "domain.model",
    "Benefit": "domain.model",
    "Certificate": "domain.model",
    "CertificateStatus": "domain.model",
    "MasterData": "domain.model",
    "MRA": "domain.model",
    "MRAStatus": "domain.model",
    "Party": "domain.model",
    "PartyStatus": "domain.model",
    "Reason": "domain.model",
    "Verdict": "domain.model",
    "Verification": "domain.model",
    "Mirror": "mirror",
    "Accounts": "network.deploy",
    "DeploymentRecord": "network.deploy",
    "deploy_network": "network.deploy",
    "load_config": "network.deploy",
    "write_kit": "network.kit",
    "errors": "errors",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'cadena_client' has no attribute {name!r}")
    module = import_module(f"cadena_client.{_HOMES[name]}")
    value = module if name == "errors" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__

"""Who reads an operator's name, member by member, on the mirrors each administration keeps with its
exchange key: Peru (a partner under the trilateral MRA) reads a Mexican operator's name only after the
operator consents, never for a type the MRA does not cover, and loses it on erasure; the public reads
published operators only; a mirror without a key (a node operator's) holds no name at all."""

from __future__ import annotations

import sqlite3
import time

import pytest
from eth_account import Account

from cadena_client.chain.connection import connect
from cadena_client.chain.signer import Signer
from cadena_client.confidential.keys import ExchangeKeys
from cadena_client.domain.disclosure import PUBLIC, Audience
from cadena_client.domain.model import MasterData
from cadena_client.mirror import Mirror
from cadena_client.network.deploy import DeploymentRecord

ADMINS = {"MX": 1, "PE": 3, "CR": 5}
SECRET = MasterData(
    "MXZAFIRO0001", "Zafiro Confidencial Exportadora SA", "Calle Secreta 7788", "exporter", "2020-01-01"
)
UNCOVERED = MasterData("MXAEOC000001", "Simplificada Aduanera SA", "Calle Sola 3", "aeo-c", "2020-01-01")
PUBLISHED = MasterData("MXPUBLICO001", "Publicada del Golfo SA", "Malecón 1", "exporter", "2020-01-01")


@pytest.fixture
def network(reverting, pilot_record, tmp_path):
    """The pilot with each administration's exchange key on chain; (Mexico's officer, keys, mirrors)."""
    record = DeploymentRecord.load(pilot_record)
    chain = connect(reverting.url)
    cadena = record.open(chain)
    keys = {code: ExchangeKeys.create(code) for code in ADMINS}
    for code, account in ADMINS.items():
        cadena.as_signer(Signer(chain, chain.dev_account(account))).set_exchange_key(code, keys[code].public_key)
    officer = cadena.as_signer(Signer(chain, chain.dev_account(2))).with_exchange(keys["MX"])

    def mirror(name: str, exchange: ExchangeKeys | None) -> Mirror:
        return Mirror(
            tmp_path / f"{name}.sqlite", record.chain_id, record.address, record.deploy_block, exchange=exchange
        )

    mirrors = {"MX": mirror("mx", keys["MX"]), "PE": mirror("pe", keys["PE"]), "node": mirror("node", None)}
    yield officer, mirrors
    for each in mirrors.values():
        each.close()


def synced(mirrors: dict[str, Mirror], cadena) -> dict[str, Mirror]:
    for each in mirrors.values():
        each.sync(cadena)
    return mirrors


def names(mirror: Mirror, audience: Audience) -> dict[str, str | None]:
    return {c.tin: c.name or c.why_hidden for c in mirror.certificates("MX", audience)}


def test_a_partner_reads_a_name_only_under_consent_and_loses_it_on_erasure(network, tmp_path):
    officer, mirrors = network
    holder = Account.create()
    officer.issue(MasterData(**{**SECRET.__dict__, "holder": holder.address, "salt": ""}))
    officer.issue(UNCOVERED, visibility="partners")
    officer.issue(PUBLISHED, visibility="published")
    synced(mirrors, officer)
    mexico, peru = Audience(officers_of="MX"), Audience(officers_of="PE")
    assert names(mirrors["MX"], mexico) == {
        SECRET.tin: SECRET.name,
        UNCOVERED.tin: UNCOVERED.name,
        PUBLISHED.tin: PUBLISHED.name,
    }
    assert names(mirrors["PE"], peru) == {
        SECRET.tin: "the operator has not consented to share its data with Peru",
        UNCOVERED.tin: "Peru is not a partner of Mexico under an MRA covering this certificate",
        PUBLISHED.tin: PUBLISHED.name,
    }
    assert names(mirrors["MX"], PUBLIC)[SECRET.tin] == "the operator has not consented to publish its name and address"
    assert names(mirrors["MX"], Audience(holder=holder.address))[SECRET.tin] == SECRET.name  # its own record
    node = mirrors["node"].certificates("MX", PUBLIC)  # a node operator with the whole chain: no name at all
    assert [c.name for c in node] == [None] * 3 and node[1].why_hidden == (
        "this mirror holds no readable copy of the operator's data"  # even the published one: no key to open it
    )
    for file in ("pe", "node"):  # nothing of the secret operator in any table of their files
        dump = "\n".join(sqlite3.connect(tmp_path / f"{file}.sqlite").iterdump())
        assert "Zafiro" not in dump and "Secreta" not in dump and "Simplificada" not in dump

    deadline = int(time.time()) + 3600  # the holder consents with its key; anyone relays it
    signature = officer.sign_consent(holder.key, SECRET.tin, "partners", deadline)
    officer.set_visibility_by_sig(SECRET.tin, "partners", deadline, signature)
    master = mirrors["MX"].sync(officer) and mirrors["MX"].master_data(SECRET.tin)
    assert master is not None and master.name == SECRET.name
    officer.share(master)  # sealed again, now to the partners
    synced(mirrors, officer)
    assert names(mirrors["PE"], peru)[SECRET.tin] == SECRET.name
    assert names(mirrors["PE"], PUBLIC)[SECRET.tin] == "the operator has not consented to publish its name and address"
    assert mirrors["PE"].readers(mirrors["PE"].certificate(SECRET.tin)) == ["CR", "MX", "PE"]

    officer.erase(SECRET.tin)
    synced(mirrors, officer)
    assert names(mirrors["PE"], peru)[SECRET.tin] == "erased by the issuing administration"
    assert names(mirrors["MX"], mexico)[SECRET.tin] == "erased by the issuing administration"
    assert mirrors["PE"].certificate(SECRET.tin, peru).status.name == "ACTIVE"  # the status stays

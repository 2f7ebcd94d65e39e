"""`cadena demo`: the story of the CADENA pilot, told on the embedded chain.

Mexico certifies an operator and Peru and Costa Rica recognise it at once with the MRA's benefits,
but Peru reads the operator's name only once the operator consents with its own key;
Mexico suspends it and the partners' verification fails in the next block; it is reinstated; Peru
cancels another; a Costa Rican company withdraws its own certificate; a new MRA comes into force only
when its last party signs; Colombia applies, the members vote it in, and it signs an MRA with Mexico;
Mexico gives its operator a verifiable credential, which a Peruvian freight forwarder checks.
At each step the tables show what every administration sees.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from importlib import resources
from pathlib import Path

from eth_account import Account
from rich.console import Console
from rich.rule import Rule

from cadena_client.api.client import Cadena
from cadena_client.chain.connection import connect
from cadena_client.cli.render import (
    administration_table,
    ballot,
    certificate_table,
    flags,
    history_table,
    mra_table,
    status_text,
    titled_table,
)
from cadena_client.confidential.keys import ExchangeKeys
from cadena_client.contract.codec import quantity
from cadena_client.domain.disclosure import Audience
from cadena_client.domain.model import MasterData, Reason, Visibility, country_name
from cadena_client.mirror import Mirror
from cadena_client.network.deploy import Accounts, deploy_network, load_config

PILOT = Path(str(resources.files("cadena_client.network") / "configs" / "cadena-pilot.toml"))  # package data
COUNTRIES = ("MX", "PE", "CR")

OPERATORS = [
    MasterData(
        "MXEPA180101AB1",
        "Exportadora del Pacífico S.A. de C.V.",
        "Av. Paseo de la Reforma 505, Cuauhtémoc, 06500 Ciudad de México",
        "exporter,importer,aeo-s",
        "2018-11-05",
        "2027-11-05",
    ),
    MasterData(
        "PE20100070970",
        "Agroexportadora Andina S.A.C.",
        "Av. Javier Prado Este 4200, Santiago de Surco, Lima",
        "exporter",
        "2019-03-12",
        "2028-03-12",
    ),
    MasterData(
        "CR3101123456",
        "Logística Central de Costa Rica S.A.",
        "Zona Franca Coyol, Alajuela",
        "logistics-operator",
        "2020-06-01",
        None,
    ),
]
COLOMBIAN = MasterData(
    "CO9001234567",
    "Flores de la Sabana S.A.S.",
    "Km 7 Vía Funza, Cundinamarca",
    "exporter",
    "2021-05-20",
    "2030-05-20",
)


class Story:
    def __init__(self, out: Console):
        self.out = out
        self.chain = connect()
        config = load_config(PILOT)
        self.accounts = Accounts(self.chain, PILOT.parent)
        self.refs = {a.country: a for a in config.administrations}
        report = deploy_network(self.chain, config, self.accounts, record_path=None)
        self.cadena = report.cadena
        self.config = config
        self.steps = report.steps
        self.keys = {code: ExchangeKeys.create(code) for code in COUNTRIES}  # each administration's own
        for code, keys in self.keys.items():
            self.as_admin(code).set_exchange_key(code, keys.public_key)

    def as_officer(self, code: str) -> Cadena:
        """An officer of `code`, sealing the master data it issues with its administration's exchange keys."""
        return self.as_(self.refs[code].officers[0]).with_exchange(self.keys[code])

    def as_admin(self, code: str) -> Cadena:
        return self.as_(self.refs[code].admin)

    def as_(self, ref: str) -> Cadena:
        signer = self.accounts.signer(ref)
        assert signer is not None  # the demo's accounts are dev accounts
        return self.cadena.as_signer(signer)

    def chapter(self, title: str) -> None:
        self.out.print()
        self.out.print(Rule(f"[bold]{title}", align="left"))

    def seen(self, tin: str, note: str = "") -> None:
        """What each administration sees of `tin` in the latest block."""
        block = quantity(self.chain.rpc.call("eth_blockNumber", []))
        table = titled_table(
            f"{tin} as each administration sees it, block {block}{note}",
            ("administration", "status on chain", "as importing country", "benefits / why not"),
        )
        cert = self.cadena.certificate(tin)
        for code in COUNTRIES:
            result = self.cadena.verify(code, tin)
            if code == cert.country:
                seen = ("[dim]issuing administration[/]", "its own AEO programme")
            elif result.recognised:
                seen = ("[green]recognised[/]", flags(result.benefits))
            else:
                seen = ("[red]not recognised[/]", result.verdict.label)
            table.add_row(f"{code} {country_name(code)}", status_text(cert.status), *seen)
        self.out.print(table)

    def mirror(self, code: str, folder: Path) -> Mirror:
        """The mirror `code`'s administration keeps with its exchange key, synced to the latest block."""
        mirror = Mirror(
            folder / f"{code}.sqlite", self.chain.chain_id, self.cadena.address, 0, exchange=self.keys[code]
        )
        mirror.sync(self.cadena)
        return mirror

    def tx_note(self, receipt, what: str) -> None:
        self.out.print(f"[dim]{what}: tx {receipt.tx_hash[:18]}… in block {receipt.block}[/]")


def consent_chapter(story: Story, mex: MasterData, operator, folder: Path) -> None:
    """Peru reads the Mexican operator's name only once the operator consents with its own key."""
    story.chapter("3. Peru sees the operator's name only after the operator consents")
    peru = Audience(officers_of="PE")
    mirror = story.mirror("PE", folder)
    before = mirror.certificate(mex.tin, peru)
    story.out.print(certificate_table([before], "Peru's mirror, before consent: TIN and status only"))
    deadline = int(story.chain.w3.eth.get_block("latest")["timestamp"]) + 3600
    signature = story.cadena.sign_consent(operator.key, mex.tin, Visibility.PARTNERS, deadline)
    receipt = story.as_("dev:0").set_visibility_by_sig(mex.tin, Visibility.PARTNERS, deadline, signature)
    story.tx_note(receipt, "the operator signs its consent to share with Mexico's MRA partners; anyone relays it")
    officer = story.as_officer("MX")
    receipt = officer.share(officer.salted(mex))
    story.tx_note(receipt, "SAT seals the master data again, now to Peru and Costa Rica too")
    mirror.sync(story.cadena)
    story.out.print(certificate_table([mirror.certificate(mex.tin, peru)], "Peru's mirror, after consent"))
    mirror.close()


def run_demo(out: Console) -> None:
    out.print("[bold]CADENA[/]: AEO certificates shared in real time under Mutual Recognition Arrangements")
    story = Story(out)
    mex, peru, costa_rica = OPERATORS
    holder = story.chain.dev_account(9)

    story.chapter("1. The pilot network is deployed")
    done = sum(step.outcome == "done" for step in story.steps)
    out.print(
        f"{done} steps on the embedded chain: contract {story.cadena.address}, whose constructor seated "
        "Mexico, Peru and Costa Rica as its founding members (the deployer keeps no power), their officers, "
        "and the trilateral MRA."
    )
    out.print(mra_table(story.cadena.mras(), "MRAs of the network"))

    story.chapter("2. Mexico certifies an operator; Peru and Costa Rica recognise it at once")
    operator = Account.create()  # the company's own key: it signs, others pay
    mex = replace(mex, holder=operator.address)
    receipt = story.as_officer("MX").issue(mex)
    story.tx_note(receipt, "SAT issues the certificate: its name and address sealed to Mexico alone")
    story.seen(mex.tin)
    with tempfile.TemporaryDirectory() as folder:
        consent_chapter(story, mex, operator, Path(folder))

    story.chapter("4. Mexico suspends it: the partners' verification fails in the next block")
    receipt = story.as_officer("MX").suspend(mex.tin, Reason.SECURITY_INCIDENT)
    story.tx_note(receipt, "SAT suspends it for a security incident")
    story.seen(mex.tin)

    story.chapter("5. The suspension is lifted")
    receipt = story.as_officer("MX").reinstate(mex.tin, Reason.REVALIDATION)
    story.tx_note(receipt, "SAT reinstates it after revalidation")
    story.seen(mex.tin)

    story.chapter("6. Peru cancels another operator's certificate")
    story.as_officer("PE").issue(peru)
    story.seen(peru.tin, " (issued)")
    receipt = story.as_officer("PE").cancel(peru.tin, Reason.REQUIREMENTS_NO_LONGER_MET)
    story.tx_note(receipt, "SUNAT cancels it")
    story.seen(peru.tin)

    story.chapter("7. A Costa Rican company withdraws its own certificate")
    company = MasterData(
        costa_rica.tin,
        costa_rica.name,
        costa_rica.address,
        costa_rica.aeo_types,
        costa_rica.valid_from,
        costa_rica.expiry,
        holder.address,
    )
    story.as_officer("CR").issue(company)
    story.seen(company.tin, " (issued, holder set)")
    receipt = story.as_("dev:9").withdraw(company.tin)
    story.tx_note(receipt, f"the company ({holder.address}) withdraws it")
    story.seen(company.tin)

    story.chapter("8. A new MRA comes into force only when its last party signs")
    mra_id = story.as_admin("MX").propose_mra(
        "MX",
        ["MX", "CR"],
        "business-continuity,simplified-procedures",
        "exporter,aeo-s",
        title="Mexico - Costa Rica business continuity MRA",
    )
    for signer in (None, "MX", "CR"):
        if signer:
            story.as_admin(signer).sign_mra(mra_id, signer)
        found = story.cadena.mra(mra_id)
        result = story.cadena.verify("CR", mex.tin)
        who = f"after {signer} signs" if signer else "proposed"
        out.print(
            f"MRA {mra_id} {who}: [bold]{found.status.label}[/]; in Costa Rica {mex.tin} gets: {flags(result.benefits)}"
        )
    out.print(mra_table(story.cadena.mras(), "MRAs of the network"))

    story.chapter("9. Colombia applies to join; the members admit it by vote")
    colombia = story.chain.dev_account(7)
    proposal = story.as_admin("MX").propose(
        "MX", "admission", "CO", colombia.address, "Dirección de Impuestos y Aduanas Nacionales (DIAN)"
    )
    for voter in ("MX", "PE", "CR"):
        story.as_admin(voter).vote(proposal, voter)
        standing = story.cadena.proposal(proposal)
        out.print(f"{voter} votes: proposal {proposal} has {ballot(standing.votes, standing.needed)}")
    story.as_("dev:8").execute(proposal)
    delay = story.cadena.proposal(proposal).executable_from
    assert delay is not None  # queued
    out.print(f"anyone queues the decision; it waits until {delay:%Y-%m-%d %H:%M} UTC (the embedded chain skips ahead)")
    # eth-tester moves its clock only through its own API (no JSON-RPC method does it), so the demo keeps it
    tester = story.chain.w3.provider.ethereum_tester  # type: ignore[attr-defined]
    tester.time_travel(int(delay.timestamp()) + 1)
    tester.mine_blocks(1)
    receipt = story.as_("dev:8").execute(proposal)
    story.tx_note(receipt, "anyone executes the decision; Colombia's first admin is seated")
    out.print(administration_table(story.cadena.administrations()))
    admin_co = story.as_("dev:7")
    admin_co.grant_officer("CO", story.chain.dev_account(8).address)
    mra_id = admin_co.propose_mra(
        "CO",
        ["CO", "MX"],
        "reduced-physical-inspection,priority-treatment",
        "exporter,importer",
        title="Colombia - Mexico MRA",
    )
    admin_co.sign_mra(mra_id, "CO")
    story.as_admin("MX").sign_mra(mra_id, "MX")
    story.as_("dev:8").issue(COLOMBIAN)
    result = story.cadena.verify("MX", COLOMBIAN.tin)
    out.print(
        f"Colombia signs MRA {mra_id} with Mexico and certifies {COLOMBIAN.tin}: in Mexico it is "
        f"[bold]{'recognised' if result.recognised else result.verdict.label}[/] with {flags(result.benefits)}"
    )

    story.chapter("10. The audit trail: who changed what, and when")
    out.print(history_table(story.cadena.history(mex.tin), f"History of {mex.tin}"))
    out.print(
        certificate_table(
            [replace(story.cadena.certificate(op.tin), why_hidden="the chain holds no name") for op in OPERATORS],
            "Every certificate, as the chain holds it",
        )
    )
    story.chapter("11. The joint committee's view of the trilateral MRA")
    from cadena_client.cli.report import demo_report

    demo_report(story.cadena, 1, COUNTRIES, [op.tin for op in OPERATORS], out)
    story.chapter("11. Mexico gives its operator a verifiable credential; a Peruvian freight forwarder checks it")
    from cadena_client.credential.demo import credential_story

    credential_story(out, story.as_admin("MX"), mex.tin)
    out.print(
        "\n[bold green]Done.[/] Status changes reached every partner in the block that made them, not a month later."
    )

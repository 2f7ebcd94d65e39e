"""Issuing a whole AEO list at node speed.

`issue_all` packs certificates into the contract's bounded `issueCertificates` batch and reads the
chain first, so a run that was cut short completes exactly the missing records when it is run again.
The sending itself is the signer's, as for every write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from cadena_client.api.client import Cadena
from cadena_client.chain.signer import Job, Outcome, Result
from cadena_client.contract.codec import master_struct, tin_to_bytes32
from cadena_client.domain.lifecycle import LIVE, Operation
from cadena_client.domain.model import Certificate, MasterData, Reason, Visibility
from cadena_client.errors import InputError

MAX_BATCH = 100  # the contract's bound on issueCertificates
DEFAULT_BATCH = 50


def live_certificates(cadena: Cadena, tins: list[str]) -> dict[str, Certificate]:
    """The Active or Suspended certificates among `tins`, by TIN. Only a country's officers issue its
    TINs, so a country that has issued nothing has none of them: its TINs are not read (a first issue
    of a list reads one count, not every certificate)."""
    issued = {country: cadena.read("certificateCount", country.encode())[0] for country in {tin[:2] for tin in tins}}
    to_read = [tin for tin in tins if issued[tin[:2]]]
    found = cadena.read_certificates(to_read) if to_read else []
    return {tin: stored for tin, stored in zip(to_read, found, strict=True) if stored.status in LIVE}


def issue_all(
    cadena: Cadena,
    masters: list[MasterData],
    reason: int | str = Reason.NEW_CERTIFICATION,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[int], None] | None = None,
    suspended: frozenset[str] = frozenset(),
    visibility: Visibility | Mapping[str, Visibility] = Visibility.ISSUER_ONLY,
) -> list[Outcome]:
    """Issues every certificate not yet on-chain as given; one Outcome per record, in order. The TINs
    in `suspended` are issued suspended in the same transaction: never recognised, even for a block.
    `visibility` is every record's consent, or each TIN's (absent ones: issuer only); with the
    client's exchange keys each record goes sealed to the readers it allows.

    A certificate already Active or Suspended with the same commitment is "already" (so re-running
    after a crash sends only the rest); with another commitment it "failed" (update it instead).
    """
    if not 1 <= batch_size <= MAX_BATCH:
        raise InputError(f"batch size must be 1 to {MAX_BATCH}, not {batch_size}")
    code = Reason.parse(reason)
    masters = [cadena.salted(m) for m in masters]
    consent = visibility if isinstance(visibility, Mapping) else dict.fromkeys((m.tin for m in masters), visibility)
    outcomes: dict[str, Outcome] = {}
    to_send = []
    sealing: dict = {}  # the readers of each (types, visibility), read once per run
    live = live_certificates(cadena, [m.tin for m in masters])
    for master in masters:
        stored = live.get(master.tin)
        if stored is not None:
            same = stored.commitment == master.commitment
            outcomes[master.tin] = (
                Outcome(master.tin, Result.ALREADY)
                if same
                else Outcome(
                    master.tin,
                    Result.FAILED,
                    f"{master.tin} is {stored.status.label} with other master data; update it",
                )
            )
            if progress:
                progress(1)
        else:
            to_send.append(master)

    def job(chunk: list[MasterData]) -> Job:
        mask = sum(1 << i for i, m in enumerate(chunk) if m.tin in suspended)
        return cadena.job(
            Operation.ISSUE,
            "issueCertificates",
            [tin_to_bytes32(m.tin) for m in chunk],
            [master_struct(m, *_sealed(cadena, m, consent, sealing)) for m in chunk],
            code,
            mask,
            keys=[m.tin for m in chunk],
        )

    chunks = [to_send[i : i + batch_size] for i in range(0, len(to_send), batch_size)]
    first = cadena.send([job(chunk) for chunk in chunks], progress)
    batched = {m.tin for chunk in chunks if len(chunk) > 1 for m in chunk}
    # A batch the contract refused: its records one by one, to isolate the faulty ones.
    retry = [m for m, o in zip(to_send, first, strict=True) if o.result is Result.FAILED and m.tin in batched]
    retried_keys = {m.tin for m in retry}
    second = cadena.send([job([m]) for m in retry], progress)
    for outcome in [o for o in first if o.key not in retried_keys] + second:
        outcomes[outcome.key] = outcome
    if progress:  # the signer leaves failures to its caller
        progress(sum(1 for m in to_send if outcomes[m.tin].result is Result.FAILED))
    # A record another run put on-chain meanwhile (a killed run's transactions mined late) is there.
    unsettled = [m for m in to_send if outcomes[m.tin].result in (Result.FAILED, Result.NOT_SENT)]
    for master, stored in zip(unsettled, cadena.read_certificates([m.tin for m in unsettled]), strict=True):
        if stored.status in LIVE and stored.commitment == master.commitment:
            outcomes[master.tin] = Outcome(master.tin, Result.ALREADY)
    return [outcomes[m.tin] for m in masters]


def _sealed(cadena: Cadena, master: MasterData, consent: Mapping[str, Visibility], cache: dict) -> tuple:
    """The visibility of `master` and its envelope."""
    visibility = Visibility.parse(consent.get(master.tin, Visibility.ISSUER_ONLY))
    return visibility, cadena.envelope(master, visibility, cache)

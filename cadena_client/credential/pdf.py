"""The printable AEO certificate: one A4 page in Spanish and English with a QR code carrying the
credential itself, so that a phone or `cadena credential verify` checks it without a network call
to the issuer (fpdf2 for the page, segno for the code)."""

from __future__ import annotations

import io
from pathlib import Path

from cadena_client.credential.document import HIDEABLE
from cadena_client.credential.sdjwt import open_sd_jwt, present
from cadena_client.errors import InputError
from cadena_client.report.documents import _matplotlib_fonts


def render(credential: str, path: Path) -> None:
    """Writes the certificate of `credential` (an SD-JWT) as a PDF to `path`."""
    from fpdf import FPDF

    _, claims, _ = open_sd_jwt(credential)
    subject, anchor = claims["credentialSubject"], claims["credentialSubject"]["certificate"]
    document = FPDF(format="A4")
    font = Path(_matplotlib_fonts()) / "DejaVuSans.ttf"
    document.add_font("DejaVu", fname=str(font))
    document.add_font("DejaVu", style="B", fname=str(font.with_name("DejaVuSans-Bold.ttf")))

    def line(height: float, text: str) -> None:
        document.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")

    document.set_title(f"AEO {subject['tin']}")
    document.add_page()
    document.set_font("DejaVu", "B", 16)
    line(8, "Certificado de Operador Económico Autorizado (OEA)")
    document.set_font("DejaVu", "", 12)
    line(7, "Authorized Economic Operator (AEO) certificate")
    document.ln(4)
    document.set_font("DejaVu", "B", 11)
    line(6, claims["issuer"].get("name", ""))
    document.set_font("DejaVu", "", 10)
    rows = [
        ("Número de identificación (TIN) / Trader identification number", subject["tin"]),
        ("Razón social / Name", subject.get("name", "— (reservado / not shared)")),
        ("Domicilio / Address", subject.get("address", "— (reservado / not shared)")),
        ("Tipos OEA / AEO types", ", ".join(subject["aeoTypes"])),
        ("Válido desde / Valid from", anchor.get("validFrom") or "—"),
        ("Vence / Expires", anchor.get("expiry") or "sin vencimiento / no expiry"),
        ("Versión del certificado / Certificate version", str(anchor["version"])),
        ("Cadena / Chain", f"{anchor['chainId']}, contrato / contract {anchor['contract']}"),
    ]
    for mra in subject.get("recognition", []):
        rows.append(
            (
                f"Reconocido por / Recognised by ({mra['title']})",
                f"{', '.join(mra['recognisedBy'])}: {', '.join(mra['benefits'])}",
            )
        )
    for label, value in rows:
        document.set_font("DejaVu", "B", 9)
        line(5, label)
        document.set_font("DejaVu", "", 10)
        line(6, value)
    document.ln(3)
    picture = io.BytesIO()
    code = _qr_code(credential)
    code.save(picture, kind="png", scale=4, border=4)
    picture.seek(0)
    document.image(picture, x=(210 - 120) / 2, w=120)
    document.set_font("DejaVu", "", 8)
    document.multi_cell(
        0,
        4,
        "Escanee el código y verifíquelo con `cadena credential verify` o en la página /verify de una aduana. "
        "Scan the code and check it with `cadena credential verify` or on a customs administration's /verify page.",
    )
    document.output(str(path))


def _qr_code(credential: str):
    """The QR code of the credential, or of it showing less (the page prints the rest): without name and
    address, then without the MRAs, as far as a QR code needs (the signature holds whatever is left out)."""
    import segno

    for hide in ((), ("name", "address"), HIDEABLE):
        try:
            return segno.make(present(credential, set(hide)), error="l", micro=False)
        except segno.DataOverflowError:
            continue
    raise InputError(f"the credential ({len(credential)} characters) is too long for a QR code")

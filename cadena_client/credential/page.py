"""The page's `/verify`: paste a credential (or the text of its QR code, or a verify link) or upload
its file, and read the verdict in words, in Spanish or English, without JavaScript. A verify link
(`/verify?credential=...`) answers at once. The verdict is the mirror's, as the API's."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from cadena_client.page import TEXT, _templates, language, names
from cadena_client.service.routes.credentials import published

VERIFY_TEXT = {
    "en": {
        "verify_title": "Verify an AEO credential",
        "paste": "Paste the credential, the text of its QR code or a verify link",
        "upload": "Or upload the credential file",
        "check": "Verify",
        "verdict": "Verdict",
        "nothing": "Paste a credential or choose a file first.",
        "operator": "Operator",
        "issued_by": "Issued by",
        "types": "AEO types",
        "recognised_by": "Recognised by",
        "valid": "Valid",
        "suspended": "Suspended",
        "revoked": "Revoked",
        "expired": "Expired",
        "superseded": "Superseded by a later version",
        "forged": "Forged: the signature does not hold",
        "unknown issuer": "Unknown issuer",
    },
    "es": {
        "verify_title": "Verificar una credencial OEA",
        "paste": "Pegue la credencial, el texto de su código QR o un enlace de verificación",
        "upload": "O suba el archivo de la credencial",
        "check": "Verificar",
        "verdict": "Resultado",
        "nothing": "Primero pegue una credencial o elija un archivo.",
        "operator": "Operador",
        "issued_by": "Emitida por",
        "types": "Tipos OEA",
        "recognised_by": "Reconocida por",
        "valid": "Válida",
        "suspended": "Suspendida",
        "revoked": "Revocada",
        "expired": "Vencida",
        "superseded": "Sustituida por una versión posterior",
        "forged": "Falsificada: la firma no es válida",
        "unknown issuer": "Emisor desconocido",
    },
}


def mount_verify(app: FastAPI) -> None:
    """Adds GET and POST /verify to the page of `app`."""
    follower = app.state.follower

    def render(request: Request, lang: str | None, text: str, status: int = 200) -> HTMLResponse:
        chosen = language(request, lang)
        checked = published(request).check(text) if text.strip() else None
        html = _templates.get_template("verify.html").render(
            t={**TEXT[chosen], **VERIFY_TEXT[chosen]},
            lang=chosen,
            other="en" if chosen == "es" else "es",
            path=request.url.path,
            query="",
            as_of=follower.as_of(),
            country_name=names(request, lang),
            checked=checked,
            subject=(checked.claims or {}).get("credentialSubject", {}) if checked else {},
            nothing=status == 400,
        )
        response = HTMLResponse(html, status_code=status)
        if lang in VERIFY_TEXT:
            response.set_cookie("lang", lang, samesite="lax")
        return response

    @app.get("/verify", response_class=HTMLResponse, include_in_schema=False)
    def verify_form(request: Request, credential: str = "", lang: str | None = None) -> HTMLResponse:
        return render(request, lang, credential)

    @app.post("/verify", response_class=HTMLResponse, include_in_schema=False)
    async def verify_posted(
        request: Request,
        credential: Annotated[str, Form()] = "",
        upload: Annotated[UploadFile | None, File()] = None,
        lang: str | None = None,
    ) -> HTMLResponse:
        text = credential
        if upload is not None and upload.filename:
            text = (await upload.read(1 << 20)).decode("utf-8", "replace")
        if not text.strip():
            return render(request, lang, "", 400)
        return render(request, lang, text)

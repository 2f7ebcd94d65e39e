"""The web page `cadena serve` shows at `/`: look up a TIN, browse an administration's AEOs and its
MRA partners', see the network's MRAs. Server-rendered (Jinja2), no JavaScript, read-only, in Spanish
or English (the browser's choice, switchable); it reads the same mirror as the API."""

from __future__ import annotations

from importlib import resources
from urllib.parse import parse_qs

from babel import Locale
from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from cadena_client.document import actor_label, aeo_row
from cadena_client.domain.disclosure import Audience
from cadena_client.domain.model import AEOType, Benefit, country_name, parse_country, parse_tin
from cadena_client.errors import InputError, NotFoundError
from cadena_client.service.signin import COOKIE, SESSION_SECONDS, SignIn

PAGE_SIZE = 50
LANGUAGES = ("es", "en")
LOCALES = {lang: Locale.parse(lang) for lang in LANGUAGES}  # country names in each language

TEXT = {
    "en": {
        "title": "CADENA: Authorized Economic Operators",
        "lookup": "Look up a certificate",
        "tin": "Trader Identification Number (TIN)",
        "search": "Search",
        "administrations": "Administrations",
        "mras": "Mutual Recognition Arrangements",
        "status": "Status",
        "valid": "Valid",
        "from": "from",
        "until": "until",
        "no_expiry": "no expiry",
        "types": "AEO types",
        "recognised_in": "Recognised today in",
        "not_recognised_in": "Not recognised in",
        "benefits": "Benefits",
        "why_not": "Why not",
        "history": "History",
        "when": "When (UTC)",
        "change": "Change",
        "by": "By",
        "reason": "Reason",
        "not_found": "No certificate was ever issued for this TIN.",
        "aeos_of": "AEOs seen by",
        "own": "its own and its MRA partners'",
        "filter": "Filter by name or TIN",
        "country": "Country",
        "name": "Operator",
        "previous": "Previous",
        "next": "Next",
        "page": "Page",
        "of": "of",
        "parties": "Parties",
        "as_of": "As of block",
        "language": "Español",
        "read_only": "Read-only: a company withdraws its certificate with its own key (the cadena CLI or library).",
        "Active": "Active",
        "Suspended": "Suspended",
        "Cancelled": "Cancelled",
        "Withdrawn": "Withdrawn",
        "Expired": "Expired",
        "bad_tin": "That is not a TIN: a 2-letter country code and 1 to 15 letters A-Z or digits (e.g. MXAAA010101AAA).",
        "bad_country": "That is not a country code: use the 2 letters of ISO 3166-1 (e.g. MX, PE, CR).",
        "officer": "officer",
        "admin": "admin",
        "holder": "holder",
        "hidden": "Name and address not shown",
        "hidden_short": "(not shown)",
        "hidden_note": "Names are shown only for operators that consented to publish them; open a TIN to see why "
        "one is not shown.",
        "visibility": "Visibility",
        "issuer-only": "the issuing administration only",
        "partners": "the issuer and its partners under MRAs covering it",
        "published": "published: everyone",
        "who_can_see": "Administrations that can read your name and address",
        "sign_in": "Company sign-in",
        "sign_in_help": "Sign this text with your certificate's holder key (EIP-191 personal_sign): with the "
        "command below, or with any Ethereum wallet's message signing. Then paste the signature.",
        "challenge": "Text to sign",
        "signature": "Signature (0x followed by 130 hex digits)",
        "sign_out": "Sign out",
        "signed_in_as": "Signed in as",
        "my_records": "Your certificates",
        "no_records": "No certificate names this account as its holder.",
        "bad_signature": "The signature was not accepted",
    },
    "es": {
        "title": "CADENA: Operadores Económicos Autorizados",
        "lookup": "Consultar un certificado",
        "tin": "Número de Identificación del Operador (TIN)",
        "search": "Buscar",
        "administrations": "Administraciones",
        "mras": "Acuerdos de Reconocimiento Mutuo",
        "status": "Estado",
        "valid": "Vigencia",
        "from": "desde",
        "until": "hasta",
        "no_expiry": "sin vencimiento",
        "types": "Tipos de OEA",
        "recognised_in": "Reconocido hoy en",
        "not_recognised_in": "No reconocido en",
        "benefits": "Beneficios",
        "why_not": "Motivo",
        "history": "Historial",
        "when": "Fecha (UTC)",
        "change": "Cambio",
        "by": "Por",
        "reason": "Motivo",
        "not_found": "Nunca se emitió un certificado para este TIN.",
        "aeos_of": "OEA que ve",
        "own": "los propios y los de sus socios de ARM",
        "filter": "Filtrar por nombre o TIN",
        "country": "País",
        "name": "Operador",
        "previous": "Anterior",
        "next": "Siguiente",
        "page": "Página",
        "of": "de",
        "parties": "Partes",
        "as_of": "Según el bloque",
        "language": "English",
        "read_only": "Solo lectura: una empresa retira su certificado con su propia llave (la CLI o la biblioteca cadena).",
        "Active": "Vigente",
        "Suspended": "Suspendido",
        "Cancelled": "Cancelado",
        "Withdrawn": "Retirado",
        "Expired": "Vencido",
        "bad_tin": "Eso no es un TIN: un código de país de 2 letras y de 1 a 15 letras A-Z o dígitos (p. ej. MXAAA010101AAA).",
        "bad_country": "Eso no es un código de país: use las 2 letras de ISO 3166-1 (p. ej. MX, PE, CR).",
        "officer": "funcionario",
        "admin": "administrador",
        "holder": "titular",
        "hidden": "Nombre y dirección no mostrados",
        "hidden_short": "(no mostrado)",
        "hidden_note": "Solo se muestran los nombres de los operadores que consintieron publicarlos; abra un TIN para "
        "ver por qué no se muestra uno.",
        "visibility": "Visibilidad",
        "issuer-only": "solo la administración emisora",
        "partners": "la emisora y sus socios en ARM que lo cubren",
        "published": "publicado: todos",
        "who_can_see": "Administraciones que pueden leer su nombre y dirección",
        "sign_in": "Acceso de empresas",
        "sign_in_help": "Firme este texto con la llave de titular de su certificado (EIP-191 personal_sign): con "
        "el comando de abajo o con la firma de mensajes de cualquier billetera Ethereum. Luego pegue la firma.",
        "challenge": "Texto a firmar",
        "signature": "Firma (0x seguido de 130 dígitos hexadecimales)",
        "sign_out": "Cerrar sesión",
        "signed_in_as": "Sesión iniciada como",
        "my_records": "Sus certificados",
        "no_records": "Ningún certificado nombra a esta cuenta como su titular.",
        "bad_signature": "La firma no fue aceptada",
    },
}

# the library's labels (AEO types, benefits, verdicts, changes, reasons, MRA and party statuses) as the
# page says them; any other label shows with its hyphens as spaces
WORDS = {
    "en": {"aeo-s": "AEO-S (security)", "aeo-c": "AEO-C (customs simplifications)"},
    "es": {
        "importer": "importador",
        "exporter": "exportador",
        "manufacturer": "fabricante",
        "warehouse": "almacén",
        "customs-broker": "agente de aduanas",
        "carrier": "transportista",
        "logistics-operator": "operador logístico",
        "aeo-s": "OEA-S (seguridad)",
        "aeo-c": "OEA-C (simplificaciones aduaneras)",
        "reduced-physical-inspection": "menos inspecciones físicas",
        "reduced-documentary-checks": "menos controles documentales",
        "priority-treatment": "trato prioritario",
        "simplified-procedures": "procedimientos simplificados",
        "business-continuity": "continuidad del negocio",
        "lower-risk-score": "menor puntaje de riesgo",
        "recognised": "reconocido",
        "unknown TIN": "TIN desconocido",
        "same country": "mismo país",
        "not active": "no vigente",
        "not yet valid": "aún no vigente",
        "expired": "vencido",
        "no MRA": "sin ARM",
        "MRA not in force": "ARM no vigente",
        "type not covered": "tipo de OEA no cubierto",
        "issuer suspended": "administración emisora suspendida",
        "issued": "emitido",
        "updated": "actualizado",
        "suspended": "suspendido",
        "reinstated": "rehabilitado",
        "cancelled": "cancelado",
        "withdrawn": "retirado por la empresa",
        "unspecified": "sin especificar",
        "new-certification": "nueva certificación",
        "renewal": "renovación",
        "data-correction": "corrección de datos",
        "revalidation": "revalidación",
        "security-incident": "incidente de seguridad",
        "non-compliance": "incumplimiento",
        "ongoing-investigation": "investigación en curso",
        "failed-revalidation": "revalidación fallida",
        "requirements-no-longer-met": "ya no cumple los requisitos",
        "serious-infringement": "infracción grave",
        "ceased-activity": "cese de actividad",
        "company-request": "a pedido de la empresa",
        "Proposed": "Propuesto",
        "Concluded": "Concluido",
        "In force": "Vigente",
        "Terminated": "Terminado",
        "Suspended": "Suspendido",
        "Pending": "pendiente",
        "Signed": "firmado",
        "Left": "retirado",
    },
}

_templates = Environment(
    loader=FileSystemLoader(str(resources.files("cadena_client") / "templates")),
    autoescape=select_autoescape(["html"]),
)


def language(request: Request, lang: str | None) -> str:
    """`lang` if given, else the language cookie, else the browser's first of Spanish and English."""
    if lang in LANGUAGES:
        return lang
    if request.cookies.get("lang") in LANGUAGES:
        return request.cookies["lang"]
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip()[:2].lower()
        if code in LANGUAGES:
            return code
    return "en"


def names(request: Request, lang: str | None):
    """Country names in the page's language."""
    chosen = language(request, lang)
    return lambda code: LOCALES[chosen].territories.get(code) or country_name(code)


def mount_page(app: FastAPI) -> None:
    """Adds the page's routes to `app`, over the mirror of its follower (`app.state.follower`)."""
    follower = app.state.follower
    mirror = follower.mirror
    signin = app.state.signin = SignIn()

    def render(request: Request, lang: str | None, template: str, status: int = 200, **context) -> HTMLResponse:
        chosen = language(request, lang)
        other = "en" if chosen == "es" else "es"
        html = _templates.get_template(template).render(
            t=TEXT[chosen],
            lang=chosen,
            other=other,
            path=request.url.path,
            query=request.url.query,
            as_of=follower.as_of(),
            country_name=names(request, lang),
            words=lambda value: words(chosen, value),
            **context,
        )
        response = HTMLResponse(html, status_code=status)
        if lang in LANGUAGES:
            response.set_cookie("lang", lang, samesite="lax")
        return response

    def mistake(request: Request, lang: str | None, key: str, typed: str = "") -> HTMLResponse:
        """The home page with the mistake explained in the page's language."""
        said = TEXT[language(request, lang)][key]
        return render(request, lang, "home.html", 400, error=said, tin=typed, **_network(mirror, follower))

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request, tin: str = "", lang: str | None = None) -> Response:
        if tin.strip():
            try:
                return RedirectResponse(f"/tin/{parse_tin(tin)}", status_code=303)
            except InputError:
                return mistake(request, lang, "bad_tin", tin)
        return render(request, lang, "home.html", error=None, tin="", **_network(mirror, follower))

    def audience(request: Request) -> Audience:
        """The public, or the company signed in with its holder key."""
        return Audience(holder=signin.session(request.cookies.get(COOKIE)))

    @app.get("/tin/{tin}", response_class=HTMLResponse, include_in_schema=False)
    def certificate(request: Request, tin: str, lang: str | None = None) -> HTMLResponse:
        try:
            code = parse_tin(tin)
        except InputError:
            return mistake(request, lang, "bad_tin", tin)
        with follower.lock:
            try:
                shown = mirror.certificate(code, audience(request), language(request, lang), names(request, lang))
                cert, hidden = aeo_row(shown), shown.why_hidden
            except NotFoundError:
                cert, hidden = None, None
            history = mirror.history(code)
            roles = mirror.roles()
            others = [a.country for a in mirror.administrations() if a.country != code[:2]]
            answers = [mirror.verify(country, code) for country in others]
        return render(
            request,
            lang,
            "certificate.html",
            404 if cert is None else 200,
            tin=code,
            cert=cert,
            hidden=hidden,
            history=history,
            answers=answers,
            actor=lambda event: actor_label(
                event, roles, names(request, lang), lambda role: TEXT[language(request, lang)].get(role, role)
            ),
        )

    @app.get("/administrations/{country}", response_class=HTMLResponse, include_in_schema=False)
    def administration(
        request: Request, country: str, q: str = "", page: int = Query(1, ge=1), lang: str | None = None
    ) -> HTMLResponse:
        try:
            code = parse_country(country)
        except InputError:
            return mistake(request, lang, "bad_country")
        with follower.lock:
            rows = [aeo_row(cert, answer) for cert, answer in mirror.aeo_list(code)]
        needle = q.strip().lower()
        found = [r for r in rows if needle in r["name"].lower() or needle in r["tin"].lower()] if needle else rows
        pages = max(1, -(-len(found) // PAGE_SIZE))
        page = min(page, pages)
        shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        return render(
            request,
            lang,
            "administration.html",
            country=code,
            rows=shown,
            q=q,
            page=page,
            pages=pages,
            total=len(found),
        )

    @app.get("/mras", response_class=HTMLResponse, include_in_schema=False)
    def mras(request: Request, lang: str | None = None) -> HTMLResponse:
        return render(request, lang, "mras.html", **_network(mirror, follower))

    @app.get("/sign-in", response_class=HTMLResponse, include_in_schema=False)
    def sign_in(request: Request, lang: str | None = None, error: str = "") -> HTMLResponse:
        site = f"{request.url.scheme}://{request.url.netloc}"
        return render(
            request, lang, "sign-in.html", 400 if error else 200, challenge=signin.challenge(site), error=error
        )

    @app.post("/sign-in", include_in_schema=False)
    async def signed(request: Request) -> Response:
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        try:
            account = signin.holder(form.get("challenge", [""])[0], form.get("signature", [""])[0].strip())
        except InputError as exc:
            return sign_in(request, None, str(exc))
        response = RedirectResponse("/me", status_code=303)
        response.set_cookie(
            COOKIE,
            signin.cookie(account),
            max_age=SESSION_SECONDS,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
        return response

    @app.post("/sign-out", include_in_schema=False)
    def sign_out() -> Response:
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    @app.get("/me", response_class=HTMLResponse, include_in_schema=False)
    def me(request: Request, lang: str | None = None) -> Response:
        reader = audience(request)
        if reader.holder is None:
            return RedirectResponse("/sign-in", status_code=303)
        chosen = language(request, lang)
        with follower.lock:
            held = mirror.held_by(reader.holder, reader, chosen, names(request, lang))
            records = [(aeo_row(c), c.visibility.label, c.why_hidden, mirror.readers(c)) for c in held]
        return render(request, lang, "me.html", holder=reader.holder, records=records)


def _network(mirror, follower) -> dict:
    with follower.lock:
        return {"administrations": mirror.administrations(), "mras": mirror.mras()}


def words(lang: str, value) -> str:
    """Labels (one, a list, or AEO types or benefits) in `lang`, joined by commas."""
    if isinstance(value, (AEOType, Benefit)):
        value = value.labels()
    items = [value] if isinstance(value, str) else list(value or [])
    return ", ".join(WORDS[lang].get(item, item.replace("-", " ")) for item in items)

"""`cadena serve` over real HTTP: every endpoint and error, the live feed with a reconnect, against anvil."""

from __future__ import annotations

import csv
import io
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
import uvicorn
from documents import check_document
from helpers import cadena_process, free_port
from openpyxl import load_workbook

from cadena_client.chain.connection import connect
from cadena_client.domain.model import MasterData
from cadena_client.mirror import Mirror
from cadena_client.network.deploy import DeploymentRecord
from cadena_client.service import Follower, create_app

TIN = "MXSERVE00001"


def get(url: str, **params) -> dict | None:
    """The document at `url` (validated against the CLI's schema, one for both), or None if not found."""
    answer = requests.get(url, params=params, timeout=10)
    if answer.status_code == 404:
        return None
    assert answer.status_code == 200, answer.text
    body = answer.json()
    check_document(body)
    return body


def wait_for(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (found := check()) is not None:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")


def issue(officer, tin: str = TIN) -> None:
    officer.issue(
        MasterData(tin, "Exportadora Andina", "Av. Reforma 1", "exporter,importer", "2020-01-01", "2035-01-01")
    )


def test_verify_one_and_many_with_the_block_it_reflects(service):
    url, officer = service
    issue(officer)
    answer = wait_for(lambda: (a := get(f"{url}/v1/verify", importer="PE", tin=TIN))["recognised"] and a or None)
    assert answer is not None
    assert answer["kind"] == "verification" and answer["verdict"] == "recognised" and answer["benefits"]
    assert answer["as_of"]["block"] >= 1 and answer["as_of"]["block_time"].endswith("Z")
    routed = get(f"{url}/v1/verify", importer="PE", tin=["MXOTHER", TIN])  # not QuickVerify's: the route's
    assert {**routed, "as_of": None} == {**answer, "as_of": None}  # the same document either way
    many = requests.post(f"{url}/v1/verify", json={"importer": "PE", "tins": [TIN, "MXNOBODY", TIN]}, timeout=10).json()
    check_document(many)
    assert [v["verdict"] for v in many["items"]] == ["recognised", "unknown_tin", "recognised"]


@pytest.mark.parametrize(
    "method,path,params,status,code",
    [
        ("GET", "/v1/verify", {"importer": "PE", "tin": "MX-1"}, 400, "bad-tin"),
        ("GET", "/v1/verify", {"importer": "XX", "tin": TIN}, 400, "unknown-country"),
        ("GET", "/v1/verify", {"importer": "PE"}, 400, "bad-request"),
        ("GET", "/v1/certificates/MXNOBODY", {}, 404, "not-found"),
        ("GET", "/v1/certificates", {"country": "MX", "limit": 5000}, 400, "bad-request"),
        ("GET", "/v1/aeo-list", {"country": "MX", "format": "pdf"}, 400, "bad-request"),
        ("GET", "/v1/nothing", {}, 404, "not-found"),
        ("PUT", "/v1/verify", {}, 405, "method-not-allowed"),
    ],
)
def test_every_error_is_json_with_a_code_and_a_message(service, method, path, params, status, code):
    url, _ = service
    answer = requests.request(method, url + path, params=params, timeout=10)
    assert answer.status_code == status and answer.headers["content-type"].startswith("application/json")
    error = answer.json()["error"]
    assert error["code"] == code and error["message"] and "Traceback" not in answer.text


def test_a_batch_over_the_limit_is_refused(service):
    url, _ = service
    answer = requests.post(f"{url}/v1/verify", json={"importer": "PE", "tins": ["MX1"] * 10_001}, timeout=30)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "batch-too-large"


@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "chunked"])
def test_a_body_over_the_limit_is_refused_as_it_is_read(service, chunked):
    url, _ = service
    body = b'{"importer": "PE", "tins": [' + b'"MXAAA010101AAA", ' * 100_000 + b'"MX1"]}'  # 1.8 MB
    sent = (body[i : i + 65536] for i in range(0, len(body), 65536)) if chunked else body
    answer = requests.post(f"{url}/v1/verify", data=sent, headers={"Content-Type": "application/json"}, timeout=30)
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "body-too-large"
    assert "1,048,576 bytes" in answer.json()["error"]["message"]


def test_certificates_history_administrations_mras_and_aeo_lists(service):
    url, officer = service
    issue(officer)
    officer.suspend(TIN)
    one = wait_for(lambda: (a := get(f"{url}/v1/certificates/{TIN}")) and a["status"] == "suspended" and a or None)
    assert one["kind"] == "certificate" and one["status_label"] == "Suspended" and one["as_of"]["block"] >= 1
    assert one["aeo_types"] == ["importer", "exporter"] and one["visibility"] == "issuer_only"
    assert (one["name"], one["address"]) == (None, None)  # the public reads published operators' names only
    assert one["why_hidden"] == "the operator has not consented to publish its name and address"
    history = get(f"{url}/v1/certificates/{TIN}/history")
    assert [e["change"] for e in history["items"]] == ["issued", "suspended"]
    assert [e["actor"]["administration"] for e in history["items"]] == ["MX", "MX"]
    page = get(f"{url}/v1/certificates", country="MX", limit=1)
    assert page["total"] == 1 and [c["tin"] for c in page["items"]] == [TIN] and page["kind"] == "certificates"
    administrations = get(f"{url}/v1/administrations")
    assert [
        (a["country"], a["status"], a["certificate_count"], a["mra_count"], a["admin_count"])
        for a in administrations["items"]
    ] == [("CR", "active", 0, 1, 1), ("MX", "active", 1, 1, 1), ("PE", "active", 0, 1, 1)]
    mras = get(f"{url}/v1/mras")
    assert mras["items"][0]["status"] == "in_force" and {p["country"] for p in mras["items"][0]["parties"]} == {
        "MX",
        "PE",
        "CR",
    }
    rows = json.loads(requests.get(f"{url}/v1/aeo-list", params={"country": "PE"}, timeout=10).content)
    assert [r["tin"] for r in rows] == [TIN] and rows[0]["recognised"] == "no: not active"
    text = requests.get(f"{url}/v1/aeo-list", params={"country": "PE", "format": "csv"}, timeout=10).text
    assert list(csv.reader(io.StringIO(text)))[1][1] == TIN and "Exportadora Andina" not in text
    book = requests.get(f"{url}/v1/aeo-list", params={"country": "PE", "format": "xlsx"}, timeout=10).content
    assert load_workbook(io.BytesIO(book)).active.max_row == 2


def test_health_and_readiness_say_how_old_the_view_is(service):
    url, _ = service
    assert requests.get(f"{url}/healthz", timeout=5).json() == {"status": "ok"}
    ready = requests.get(f"{url}/readyz", timeout=5).json()
    assert ready["ready"] is True and ready["sync"] == "ok" and ready["as_of"]["node"] == "reachable"


def read_events(url: str, headers: dict, until, timeout: float = 15) -> list[tuple[str, dict]]:
    """The events of the SSE stream, as (id, data), up to the first for which `until(data)` holds."""
    found, current = [], {}
    with requests.get(f"{url}/v1/events", headers=headers, stream=True, timeout=timeout) as stream:
        for line in stream.iter_lines(decode_unicode=True):
            if line.startswith("id: "):
                current["id"] = line[4:]
            elif line.startswith("data: "):
                found.append((current.pop("id"), json.loads(line[6:])))
                if until(found[-1][1]):
                    return found
    return found


def test_the_feed_streams_a_suspension_and_resumes_after_a_reconnect(service):
    url, officer = service
    issue(officer)
    first = read_events(url, {"Last-Event-ID": "0"}, lambda e: e["change"] == "issued")  # from the deployment on
    assert first[-1][1]["tin"] == TIN and "administration-registered" in {e["change"] for _, e in first}
    assert [int(i) for i, _ in first] == list(range(1, len(first) + 1))
    last_id = first[-1][0]
    officer.suspend(TIN)
    officer.reinstate(TIN)
    resumed = read_events(url, {"Last-Event-ID": last_id}, lambda e: e["change"] == "reinstated")
    assert [(e["change"], e["tin"]) for _, e in resumed] == [("suspended", TIN), ("reinstated", TIN)]  # none missed
    assert int(resumed[0][0]) == int(last_id) + 1


def test_metrics_and_no_cross_origin_calls_by_default(service):
    url, officer = service
    text = requests.get(f"{url}/metrics", timeout=5).text
    assert "cadena_mirror_block " in text and "cadena_node_reachable 1" in text
    answer = requests.get(f"{url}/healthz", headers={"Origin": "https://elsewhere.example"}, timeout=5)
    assert "access-control-allow-origin" not in answer.headers


def test_the_page_browses_an_administration_with_search_and_paging(service):
    url, officer = service
    from cadena_client.api.bulk import issue_all

    masters = [
        MasterData(f"MXPAGED{i:03d}", f"Operador {i:03d}", "Calle 1", "exporter", "2020-01-01") for i in range(60)
    ]
    issue_all(officer, masters)
    wait_for(lambda: "Page 1 of 2" in requests.get(f"{url}/administrations/MX?lang=en", timeout=5).text or None)
    second = requests.get(f"{url}/administrations/MX", params={"page": 2, "lang": "en"}, timeout=5).text
    assert "MXPAGED059" in second and "MXPAGED000" not in second and 'rel="prev"' in second
    found = requests.get(f"{url}/administrations/MX", params={"q": "paged042", "lang": "es"}, timeout=5).text
    assert "MXPAGED042" in found and "MXPAGED041" not in found and "Página 1 de 1" in found
    guessed = requests.get(f"{url}/administrations/MX", params={"q": "operador 042"}, timeout=5).text
    assert "MXPAGED042" not in guessed  # a name not published cannot be found by guessing it
    assert requests.get(f"{url}/tin/MXNOBODY", timeout=5).status_code == 404


def test_the_page_says_everything_in_the_chosen_language(service):
    url, officer = service
    issue(officer)
    wait_for(lambda: requests.get(f"{url}/tin/{TIN}", timeout=5).status_code == 200 or None)
    spanish = requests.get(f"{url}/tin/{TIN}", params={"lang": "es"}, timeout=5).text
    for words in ("menos inspecciones físicas", "importador, exportador", "emitido", "nueva certificación"):
        assert words in spanish
    english = requests.get(f"{url}/tin/{TIN}", params={"lang": "en"}, timeout=5).text
    assert "reduced physical inspection" in english and "new certification" in english
    assert "reduced-physical-inspection" not in spanish + english  # labels, not codes
    mras = requests.get(f"{url}/mras", params={"lang": "es"}, timeout=5).text
    assert "Vigente" in mras and "firmado" in mras and "In force" not in mras
    assert "PE (Perú)" in spanish and "PE (Peru)" in english  # country names too
    assert "México, funcionario" in spanish and "Mexico, officer" in english  # who acted, not an address
    for path, params, said in [
        ("/", {"tin": "MX-1", "lang": "es"}, "Eso no es un TIN"),
        ("/tin/MX-1", {"lang": "en"}, "That is not a TIN"),
        ("/administrations/ZZ", {"lang": "es"}, "Eso no es un código de país"),
    ]:  # a mistake in the browser is explained on a page, in its language
        typo = requests.get(url + path, params=params, timeout=5)
        assert typo.status_code == 400 and typo.headers["content-type"].startswith("text/html") and said in typo.text


def test_cadena_serve_runs_as_a_process_and_lets_only_its_cors_origin_call(node, pilot_record, tmp_path):
    port = free_port()
    process = cadena_process(
        "--rpc-url",
        node.url,
        "--deployment",
        str(pilot_record),
        "--mirror",
        str(tmp_path / "m.sqlite"),
        "serve",
        "--port",
        str(port),
        "--cors-origin",
        "https://risk.example",
    )
    url = f"http://127.0.0.1:{port}"
    ready = wait_for(lambda: _ready(url), timeout=30)
    assert ready["ready"] is True
    allowed = requests.get(f"{url}/healthz", headers={"Origin": "https://risk.example"}, timeout=5)
    assert allowed.headers.get("access-control-allow-origin") == "https://risk.example"
    other = requests.get(f"{url}/healthz", headers={"Origin": "https://elsewhere.example"}, timeout=5)
    assert "access-control-allow-origin" not in other.headers
    process.terminate()
    assert process.wait(timeout=20) in (0, -15)


def _ready(url: str):
    try:
        answer = requests.get(f"{url}/readyz", timeout=1)
    except requests.ConnectionError:
        return None
    return answer.json() if answer.status_code == 200 else None


def test_a_reorg_comes_down_the_feed_as_a_retraction(service, node):
    url, officer = service
    before = requests.post(node.url, json={"jsonrpc": "2.0", "id": 1, "method": "evm_snapshot", "params": []}).json()
    issue(officer, "MXREORG1")
    seen = read_events(url, {"Last-Event-ID": "0"}, lambda e: e["tin"] == "MXREORG1", timeout=20)
    last_id = seen[-1][0]
    requests.post(node.url, json={"jsonrpc": "2.0", "id": 1, "method": "evm_revert", "params": [before["result"]]})
    for _ in range(3):  # another branch, longer than the one the issue was on
        requests.post(node.url, json={"jsonrpc": "2.0", "id": 1, "method": "evm_mine", "params": []})
    retracted = read_events(url, {"Last-Event-ID": last_id}, lambda e: e["retracted"], timeout=20)
    assert retracted[-1][1]["tin"] == "MXREORG1" and retracted[-1][1]["change"] == "issued"
    assert int(retracted[-1][0]) > int(last_id)  # a retraction has its own number


def test_before_its_first_sync_the_service_says_it_is_not_ready(pilot_record, tmp_path):
    import threading

    import uvicorn

    record = DeploymentRecord.load(pilot_record)
    mirror = Mirror(tmp_path / "new.sqlite", record.chain_id, record.address, record.deploy_block)
    port = free_port()
    app = create_app(Follower(mirror, None))  # its follower never starts: nothing is synced
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _up(url))
        answer = requests.get(f"{url}/v1/verify", params={"importer": "PE", "tin": TIN}, timeout=5)
        assert answer.status_code == 503 and answer.json()["error"]["code"] == "not-ready"
        assert requests.get(f"{url}/readyz", timeout=5).status_code == 503
    finally:
        server.should_exit = True


def _up(url: str) -> bool | None:
    try:
        return requests.get(f"{url}/healthz", timeout=1).ok or None
    except requests.ConnectionError:
        return None


def test_the_page_speaks_the_browser_s_language(service):
    url, _ = service
    spanish = requests.get(url, headers={"Accept-Language": "es-CO,es;q=0.9,en;q=0.5"}, timeout=5).text
    english = requests.get(url, headers={"Accept-Language": "en-GB,en;q=0.9"}, timeout=5).text
    assert '<html lang="es">' in spanish and "Consultar un certificado" in spanish
    assert '<html lang="en">' in english and "Look up a certificate" in english


def test_the_openapi_page_lists_every_endpoint(service):
    url, _ = service
    paths = requests.get(f"{url}/openapi.json", timeout=5).json()["paths"]
    assert {"/v1/verify", "/v1/certificates", "/v1/certificates/{tin}", "/v1/events", "/v1/aeo-list"} <= set(paths)
    assert {p["name"] for p in paths["/v1/verify"]["get"]["parameters"]} == {"importer", "tin", "at"}
    assert "post" in paths["/v1/verify"]
    for path, operations in paths.items():  # the refusals it sends, and none it never sends
        for operation in operations.values():
            assert "422" not in operation["responses"] and "4XX" in operation["responses"]
            takes_input = operation.get("parameters") or operation.get("requestBody")
            assert "400" in operation["responses"] or not takes_input, path
    tin = next(p for p in paths["/v1/verify"]["get"]["parameters"] if p["name"] == "tin")
    assert tin["schema"]["pattern"].startswith("^(?:AD|AE|")  # only country codes that exist


@pytest.mark.slow
def test_schemathesis_with_every_check_finds_nothing(service, tmp_path):
    """An independent fuzzer (Schemathesis, every check) against the service's own OpenAPI document:
    valid requests by the document are answered, invalid ones refused, every answer and status as
    documented. The event stream is left out: it never ends, which a fuzzer cannot judge."""
    url, officer = service
    issue(officer)
    wait_for(lambda: get(f"{url}/v1/certificates/{TIN}"))
    run = subprocess.run(
        [
            str(Path(sys.executable).with_name("schemathesis")),
            "run",
            f"{url}/openapi.json",
            "--checks",
            "all",
            "--exclude-path",
            "/v1/events",
            "--max-examples",
            "30",
            "--seed",
            "21",
            "--workers",
            "1",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,  # its cache of failures stays out of the tree
    )
    assert run.returncode == 0, run.stdout[run.stdout.find("FAILURES") :][:4000] + run.stderr[-1000:]


# -- doors that must not fail under use ------------------------------------------------------------------


@pytest.fixture
def make_service(reverting, pilot_record, tmp_path):
    """Starts the service over a synced mirror with `create_app`'s options; yields a function that
    returns (its URL, its follower)."""
    record = DeploymentRecord.load(pilot_record)
    chain = connect(reverting.url)
    started = []

    def make(**options):
        mirror = Mirror(tmp_path / f"m{len(started)}.sqlite", record.chain_id, record.address, record.deploy_block)
        follower = Follower(mirror, record.open(chain), 0.1)
        server = uvicorn.Server(
            uvicorn.Config(create_app(follower, **options), host="127.0.0.1", port=free_port(), log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        started.append((server, thread, follower))
        url = f"http://127.0.0.1:{server.config.port}"
        wait_for(lambda: _ready(url), timeout=30)
        return url, follower

    yield make
    for server, thread, follower in started:
        follower.stopping.set()
        server.should_exit = True
        thread.join(timeout=10)


def open_stream(url: str, source: str = "127.0.0.1") -> tuple[socket.socket, bytes]:
    """A client of /v1/events from address `source` that reads the answer's head (and the stream's
    first line) and then stays idle; (its socket, what it read)."""
    host, port = url.removeprefix("http://").split(":")
    client = socket.create_connection((host, int(port)), timeout=10, source_address=(source, 0))
    client.sendall(b"GET /v1/events HTTP/1.1\r\nHost: cadena\r\nAccept: text/event-stream\r\n\r\n")
    read = b""
    while b"\r\n\r\n" not in read or not (b"retry:" in read or b"}" in read):
        read += client.recv(4096)
    return client, read


def median_latency(url: str, path: str, times: int = 15) -> float:
    spent = []
    for _ in range(times):
        began = time.perf_counter()
        assert requests.get(url + path, timeout=30).status_code == 200
        spent.append(time.perf_counter() - began)
    return statistics.median(spent)


def test_80_idle_event_streams_do_not_slow_other_requests(make_service):
    url, _ = make_service(streams=100, streams_per_client=100)
    alone = median_latency(url, "/v1/certificates?country=MX")
    streams = [open_stream(url) for _ in range(80)]
    try:
        assert all(head.startswith(b"HTTP/1.1 200") for _, head in streams)
        beside = median_latency(url, "/v1/certificates?country=MX")
        mras = median_latency(url, "/v1/mras")
    finally:
        for client, _ in streams:
            client.close()
    print(f"/v1/certificates median alone {alone * 1000:.1f} ms, beside 80 idle streams {beside * 1000:.1f} ms")
    assert beside < 10 * alone and mras < 10 * alone  # (each stream held a worker thread: 12 s)


def test_event_streams_are_capped_per_client_and_in_all_with_a_clear_503(make_service):
    url, _ = make_service(streams=3, streams_per_client=2)
    first, second = open_stream(url), open_stream(url)
    third, head = open_stream(url)  # a third from the same client
    assert head.startswith(b"HTTP/1.1 503") and b'"streams-full"' in head and b"2 event streams" in head
    other = open_stream(url, "127.0.0.2")  # another client still gets one: 3 in all
    assert other[1].startswith(b"HTTP/1.1 200")
    fourth, head = open_stream(url, "127.0.0.3")
    assert head.startswith(b"HTTP/1.1 503") and b"serves 3 event streams" in head
    first[0].close()  # a stream closed frees its place
    wait_for(lambda: open_stream(url, "127.0.0.3")[1].startswith(b"HTTP/1.1 200") or None)
    for client in (second[0], third, other[0], fourth):
        client.close()


class Gate:
    """A lock the test can hold shut, which notes every thread that waits on it."""

    def __init__(self):
        self.shut = threading.Lock()
        self.waiting: set[str] = set()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        self.waiting.add(threading.current_thread().name)
        return self.shut.acquire(blocking, timeout)

    def release(self) -> None:
        self.shut.release()

    __enter__ = acquire

    def __exit__(self, *exc) -> None:
        self.release()


def test_a_big_batch_is_answered_off_the_event_loop(make_service):
    """While a batch of 10,000 TINs waits for the mirror (a sync holds it), the service answers others."""
    url, follower = make_service()
    gate = Gate()
    gate.shut.acquire()
    follower.lock = gate  # type: ignore[assignment]
    answer: list = []
    batch = {"importer": "PE", "tins": [f"MX{i:08d}" for i in range(10_000)]}
    sender = threading.Thread(
        target=lambda: answer.append(requests.post(f"{url}/v1/verify", json=batch, timeout=60)), daemon=True
    )
    sender.start()
    wait_for(lambda: (gate.waiting - {"cadena-sync"}) or None)  # the batch waits in a worker thread
    assert requests.get(f"{url}/healthz", timeout=5).json() == {"status": "ok"}
    assert requests.get(f"{url}/openapi.json", timeout=5).status_code == 200
    assert not answer  # still waiting
    gate.release()
    sender.join(timeout=60)
    assert answer[0].status_code == 200 and len(answer[0].json()["items"]) == 10_000


def test_no_answer_shows_the_node_url_or_an_exception(make_service):
    url, follower = make_service()
    follower.cadena.chain.rpc.url = "http://127.0.0.1:9/rpc?apikey=node-credential"  # the node goes away
    wait_for(lambda: requests.get(f"{url}/readyz", timeout=5).json()["sync"] == "failing" or None)
    ready = requests.get(f"{url}/readyz", timeout=5)
    assert ready.status_code == 200 and ready.json()["as_of"]["node"] == "unreachable"
    follower.mirror.db.close()  # the service fails below the library: a 500, its cause only in the log
    failed = requests.get(f"{url}/v1/administrations", timeout=5)
    assert failed.status_code == 500 and failed.json()["error"]["code"] == "internal"
    for text in (ready.text, failed.text):
        assert "node-credential" not in text and "127.0.0.1:9" not in text and "Error" not in text


def test_the_public_reads_published_operators_only_on_the_api_the_page_and_the_lists(service):
    url, officer = service
    officer.issue(
        MasterData("MXPUBLISHED1", "Publicada del Golfo SA", "Malecón 1, Veracruz", "exporter", "2020-01-01"),
        visibility="published",
    )
    officer.issue(MasterData("MXPRIVATE01", "Reservada del Bajío SA", "Calle Oculta 2", "exporter", "2020-01-01"))
    shown = wait_for(lambda: get(f"{url}/v1/certificates/MXPRIVATE01"))
    assert (shown["name"], shown["visibility"]) == (None, "issuer_only")  # Mexico's mirror holds it: not published
    assert shown["why_hidden"] == "the operator has not consented to publish its name and address"
    public = get(f"{url}/v1/certificates/MXPUBLISHED1")
    assert (public["name"], public["address"], public["why_hidden"]) == (
        "Publicada del Golfo SA",
        "Malecón 1, Veracruz",
        None,
    )
    listed = {c["tin"]: c["name"] for c in get(f"{url}/v1/certificates", country="MX")["items"]}
    assert listed == {"MXPRIVATE01": None, "MXPUBLISHED1": "Publicada del Golfo SA"}
    text = requests.get(f"{url}/v1/aeo-list", params={"country": "PE", "format": "csv"}, timeout=10).text
    assert "Publicada del Golfo SA" in text and "Reservada" not in text and "MXPRIVATE01" in text
    page = requests.get(f"{url}/tin/MXPUBLISHED1", params={"lang": "es"}, timeout=5).text
    assert "Publicada del Golfo SA" in page
    hidden = requests.get(f"{url}/tin/MXPRIVATE01", params={"lang": "es"}, timeout=5).text
    assert "Reservada" not in hidden and "el operador no ha consentido publicar su nombre y dirección" in hidden
    found = requests.get(f"{url}/administrations/MX", params={"q": "golfo"}, timeout=5).text
    assert "MXPUBLISHED1" in found

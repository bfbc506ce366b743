"""TAXII 2.1 round trip through a real server: medallion with its memory backend, on a free loopback port."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tests.sharing.conftest import free_port, run_cli

COLLECTION = "9cfa669c-ee94-4ece-afd2-f8edac37d8fd"


@pytest.fixture
def taxii_server(tmp_path):
    import base64
    import urllib.error
    import urllib.request

    port = free_port()
    root = f"http://127.0.0.1:{port}/api1/"
    config = {
        "backend": {"module_class": "MemoryBackend", "module": "medallion.backends.memory_backend",
                    "filename": str(tmp_path / "data.json")},
        "users": {"partner": "secret"},
        "taxii": {"max_page_size": 100},
    }
    data = {
        "/discovery": {"title": "test TAXII server", "default": root, "api_roots": [root]},
        "api1": {"information": {"title": "api1", "versions": ["application/taxii+json;version=2.1"],
                                 "max_content_length": 50_000_000},
                 "status": [],
                 "collections": [{"id": COLLECTION, "title": "distillation indicators", "can_read": True,
                                  "can_write": True, "media_types": ["application/stix+json;version=2.1"],
                                  "objects": [], "manifest": []}]},
    }
    (tmp_path / "data.json").write_text(json.dumps(data))
    (tmp_path / "config.json").write_text(json.dumps(config))
    proc = subprocess.Popen([sys.executable, "-m", "medallion.scripts.run", "--host", "127.0.0.1", "--port", str(port),
                             str(tmp_path / "config.json")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"medallion exited early: {proc.stderr.read()}")
            req = urllib.request.Request(f"http://127.0.0.1:{port}/taxii2/", headers={
                "Accept": "application/taxii+json;version=2.1",
                "Authorization": "Basic " + base64.b64encode(b"partner:secret").decode()})
            try:
                with urllib.request.urlopen(req, timeout=2) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            if time.monotonic() > deadline:
                pytest.fail("medallion did not answer within 30 s")
            time.sleep(0.2)
        yield root
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_push_and_pull_round_trip(taxii_server, bundle, detected, key_file, tmp_path):
    results, store = detected
    env = {**os.environ, "DISTILLGUARD_TAXII_PASSWORD": "secret"}
    push = subprocess.run([sys.executable, "-m", "distillguard.cli.main", "export", "stix", "--results", str(results),
                           "--store", str(store), "--out", str(tmp_path / "b.json"), "--share-key", str(key_file),
                           "--taxii", taxii_server, "--collection", COLLECTION, "--user", "partner", "--json",
                           "--taxii-skip", "extension-definition"],
                          capture_output=True, text=True, env=env)
    assert push.returncode == 0, push.stderr
    sent = [o for o in json.loads((tmp_path / "b.json").read_text())["objects"]
            if o["type"] != "extension-definition"]  # medallion 3.0 cannot serve one (see sharing/taxii.py)
    assert json.loads(push.stdout)["taxii"]["success"] == len(sent)

    pulled = subprocess.run([sys.executable, "-m", "distillguard.cli.main", "import", "stix", "--taxii", taxii_server,
                             "--collection", COLLECTION, "--user", "partner", "--out", str(tmp_path / "p.json"),
                             "--json"], capture_output=True, text=True, env=env)
    assert pulled.returncode == 0, pulled.stderr
    got = json.loads((tmp_path / "p.json").read_text())
    from_file = json.loads(run_cli("import", "stix", str(bundle), "--out", str(tmp_path / "f.json"),
                                   "--json").stdout)
    assert json.loads(pulled.stdout)["objects"] == len(sent)
    assert got == json.loads((tmp_path / "f.json").read_text()) | {"bundle_id": got["bundle_id"]}
    assert from_file["campaigns"] + from_file["flagged_tier"] == len(got["campaigns"]) and from_file["campaigns"] > 0
    # The lower-confidence tier travels through TAXII too, still marked apart.
    assert from_file["flagged_tier"] == 1 and [c["tier"] for c in got["campaigns"]].count("flagged") == 1

    # A re-export of unchanged results adds nothing: the server already holds each id and version.
    again = subprocess.run([sys.executable, "-m", "distillguard.cli.main", "export", "stix", "--results", str(results),
                            "--store", str(store), "--out", str(tmp_path / "b2.json"), "--share-key", str(key_file),
                            "--taxii", taxii_server, "--collection", COLLECTION, "--user", "partner", "--json",
                           "--taxii-skip", "extension-definition"],
                           capture_output=True, text=True, env=env)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["taxii"]["success"] == 0


def test_wrong_password_is_one_clear_line(taxii_server, bundle, tmp_path):
    env = {**os.environ, "DISTILLGUARD_TAXII_PASSWORD": "wrong"}
    proc = subprocess.run([sys.executable, "-m", "distillguard.cli.main", "import", "stix", "--taxii", taxii_server,
                           "--collection", COLLECTION, "--user", "partner", "--out", str(tmp_path / "p.json")],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 3
    assert proc.stderr.startswith("error: TAXII pull") and "Traceback" not in proc.stderr

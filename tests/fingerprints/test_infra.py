"""Infrastructure lists: the shipped ones work without any folder; a user's folder replaces them file by file."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyarrow as pa
import pytest

from distillguard.errors import ConfigError
from distillguard.fingerprints._infra import (SHIPPED, check_infra_dir, disposable_domains, infra_dir, ip_flags,
                                              use_infra)


def _flags(ips: list[str], folder: Path | None, asns: list[int | None] | None = None) -> dict[str, tuple]:
    t = ip_flags(pa.array(ips), folder, pa.array(asns, pa.int64()) if asns is not None else None)
    assert t is not None
    return {r["client_ip"]: (r["is_datacenter"], r["is_vpn"]) for r in t.to_pylist()}


def test_shipped_lists_need_no_folder():
    assert {p.name for p in SHIPPED.glob("*.txt.gz")} == {"datacenter_ipv4.txt.gz", "vpn_ipv4.txt.gz"}
    flags = _flags(["1.12.0.1", "192.0.2.1", "not an ip"], None)
    assert flags["1.12.0.1"][0] is True  # 1.12.0.0/14 is on the shipped datacenter list
    assert flags["192.0.2.1"] == (False, False) and flags["not an ip"] == (False, False)
    domains = set(disposable_domains(None).column("domain").to_pylist())
    assert "mailinator.com" in domains and "gmail.com" not in domains and len(domains) > 1000


def test_user_folder_replaces_lists_file_by_file(tmp_path):
    (tmp_path / "vpn_ipv4.txt").write_text("# my VPN exits\n192.0.2.0/24\n\n2001:db8::/32\n")
    (tmp_path / "hosting_asns.txt.gz").write_bytes(gzip.compress(b"AS64500\n64501 # a comment\n"))
    (tmp_path / "disposable_domains.txt").write_text("Throwaway.Example\n")
    flags = _flags(["192.0.2.7", "1.12.0.1", "203.0.113.9", "203.0.113.10"], tmp_path, [None, None, 64500, 1])
    assert flags["192.0.2.7"] == (False, True)     # the user's VPN list
    assert flags["1.12.0.1"][0] is True            # datacenter: still the shipped list
    assert flags["203.0.113.9"][0] is True         # in a hosting ASN of the user's list
    assert flags["203.0.113.10"][0] is False
    assert disposable_domains(tmp_path).column("domain").to_pylist() == ["throwaway.example"]


def test_use_infra_sets_the_folder_for_a_block(tmp_path):
    (tmp_path / "vpn_ipv4.txt").write_text("192.0.2.0/24\n")
    assert infra_dir() is None or infra_dir() != tmp_path.resolve()
    with use_infra(tmp_path):
        assert infra_dir() == tmp_path.resolve()
    assert infra_dir() != tmp_path.resolve()


def test_a_bad_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="no such folder"):
        check_infra_dir(tmp_path / "missing")
    (tmp_path / "vpn.txt").write_text("192.0.2.0/24\n")  # a typo in the file name
    with pytest.raises(ConfigError, match="holds none of"):
        check_infra_dir(tmp_path)
    (tmp_path / "vpn_ipv4.txt").write_text("192.0.2.0/abc\n")
    with pytest.raises(ConfigError, match="prefix length"):
        ip_flags(pa.array(["192.0.2.1"]), tmp_path)

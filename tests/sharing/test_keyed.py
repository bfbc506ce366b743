"""Keyed values: canonical forms agree across spellings, kinds never collide, keys are checked."""

from __future__ import annotations

import pytest

from distillguard.errors import ConfigError
from distillguard.sharing.keyed import KeyedSet, hmac_value, key_id, keyed_set, load_key
from distillguard.sharing.observe import ip_prefix

KEY = b"unit-test-key-0123456789abcdef"


def test_two_spellings_of_one_value_key_alike():
    assert hmac_value(KEY, "ip", "2001:DB8:0:0::1") == hmac_value(KEY, "ip", "2001:db8::1")
    assert hmac_value(KEY, "email_domain", "Example.ORG ") == hmac_value(KEY, "email_domain", "example.org")


def test_kind_is_part_of_the_digest():
    assert hmac_value(KEY, "payment", "x1") != hmac_value(KEY, "account", "x1")


def test_prefixes_are_cidr():
    assert ip_prefix("203.0.113.77") == "203.0.113.0/24"
    assert ip_prefix("2001:db8:1:2::9") == "2001:db8:1::/48"
    assert ip_prefix("not-an-ip") is None


def test_sets_switch_to_bloom_above_the_limit():
    small = keyed_set([hmac_value(KEY, "ip", f"10.0.0.{i}") for i in range(5)], bloom_above=10, fp_rate=1e-4)
    big = keyed_set([hmac_value(KEY, "ip", f"10.0.0.{i}") for i in range(50)], bloom_above=10, fp_rate=1e-4)
    assert small["encoding"] == "hmac-sha256-list" and big["encoding"] == "bloom-hmac-sha256"
    assert hmac_value(KEY, "ip", "10.0.0.49") in KeyedSet(big)
    assert hmac_value(KEY, "ip", "10.0.0.3") in KeyedSet(small)
    with pytest.raises(ValueError):
        KeyedSet({"encoding": "rot13"})


def test_key_file_checks(tmp_path):
    good = tmp_path / "k"
    good.write_bytes(KEY + b"\n")
    assert load_key(good) == KEY and len(key_id(KEY)) == 16 and key_id(KEY) != key_id(KEY + b"x")
    short = tmp_path / "short"
    short.write_bytes(b"abc")
    with pytest.raises(ConfigError, match="at least 16"):
        load_key(short)
    with pytest.raises(ConfigError, match="cannot read"):
        load_key(tmp_path / "missing")

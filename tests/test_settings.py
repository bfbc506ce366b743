"""settings.toml is the one place for detection thresholds: equal to the code's defaults, every key
documented, unknown keys and wrong types refused, and `detect --config` applied."""

from __future__ import annotations

import dataclasses
import tomllib

import pytest

from distillguard.decisions import Policy
from distillguard.errors import ConfigError
from distillguard.settings import SECTIONS, SHIPPED, PolicySettings, Settings, load_settings


def test_shipped_file_equals_the_code_defaults():
    assert load_settings() == Settings()
    p = Policy()
    assert Policy.from_settings(Settings()) == Policy(settings=Settings())
    assert (p.flag_threshold, p.unlinked_weight, p.unsupervised_unlinked_weight, p.full_tie_strength,
            p.classify_per_account, p.lone_min_extraction, p.lone_min_exchanges, p.flag_lone
            ) == dataclasses.astuple(PolicySettings())


def test_every_setting_is_in_the_file_with_a_comment_above_it():
    doc = tomllib.loads(SHIPPED.read_text())
    assert set(doc) == set(SECTIONS)
    lines = SHIPPED.read_text().splitlines()
    for section, cls in SECTIONS.items():
        assert set(doc[section]) == {f.name for f in dataclasses.fields(cls)}, section
        for key in doc[section]:
            at = next(i for i, line in enumerate(lines) if line.startswith(f"{key} ="))
            # a comment directly above, or above the run of settings it belongs to
            above = next(line for line in reversed(lines[:at]) if not line.split("=")[0].strip() in doc[section])
            assert above.startswith("#"), f"{section}.{key} has no comment"


def test_user_file_overrides_only_what_it_names(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text("[coordination]\nalpha = 0.001\nmin_accounts = 8\n[policy]\nflag_threshold = 0.6\n")
    s = load_settings(f)
    assert s.coordination.alpha == 0.001 and s.coordination.min_accounts == 8
    assert s.coordination.max_common == Settings().coordination.max_common
    assert Policy.from_settings(s).flag_threshold == 0.6


@pytest.mark.parametrize("text, words", [
    ("[nope]\nx = 1\n", "unknown settings section"),
    ("[coordination]\nalpah = 0.1\n", "unknown setting coordination.alpah"),
    ("[coordination]\nmin_accounts = 2.5\n", "must be an integer"),
    ("[policy]\nflag_threshold = 'high'\n", "must be a number"),
    ("[policy\n", "not valid TOML"),
])
def test_bad_files_are_one_clear_error(tmp_path, text, words):
    f = tmp_path / "s.toml"
    f.write_text(text)
    with pytest.raises(ConfigError, match=words):
        load_settings(f)


def test_detect_reads_config(tmp_path):
    from typer.testing import CliRunner

    from distillguard.cli.main import app

    bad = tmp_path / "bad.toml"
    bad.write_text("[coordination]\nalpah = 1\n")
    r = CliRunner().invoke(app, ["detect", str(tmp_path), "--out", str(tmp_path / "o"), "--config", str(bad)])
    assert r.exit_code != 0
    assert "alpah" in (r.output + (r.stderr if r.stderr_bytes else "")) and "Traceback" not in r.output

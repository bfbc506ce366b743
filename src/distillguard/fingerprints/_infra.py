"""Infrastructure lookups: datacenter / VPN CIDR lists, hosting ASNs, disposable e-mail domains.

Shipped lists are used unless the user gives their own: `detect --infra DIR` (or
``$DISTILLGUARD_INFRA_DIR``) names a folder whose files replace the shipped list of the same
name; a file absent there keeps the shipped one. The files (see docs/infra.md):

``datacenter_ipv4.txt``   IPv4 CIDRs of hosting / datacenter networks (shipped: X4BNet, MIT)
``vpn_ipv4.txt``          IPv4 CIDRs of VPN exits (shipped: X4BNet, MIT)
``hosting_asns.txt``      autonomous system numbers of hosting providers (not shipped); an
                          address in one of them counts as a datacenter address
``disposable_domains.txt`` e-mail domains of throw-away mailboxes (shipped: the
                          ``disposable-email-domains`` package, MIT)

One entry per line; ``#`` starts a comment; blank lines and IPv6 entries are ignored. Files
may be gzip-compressed (``.txt.gz``).
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.errors import ConfigError

SHIPPED = Path(__file__).resolve().parent / "infra"
LISTS = ("datacenter_ipv4.txt", "vpn_ipv4.txt", "hosting_asns.txt", "disposable_domains.txt")

_override: Path | None = None


@contextmanager
def use_infra(folder: Path | None) -> Iterator[None]:
    """Use `folder`'s lists (over the shipped ones) while the block runs; None changes nothing.

    Raises `ConfigError` when `folder` is no folder or holds none of the known list files.
    """
    global _override
    if folder is None:
        yield
        return
    check_infra_dir(folder)
    previous, _override = _override, folder.resolve()
    try:
        yield
    finally:
        _override = previous


def check_infra_dir(folder: Path) -> None:
    """A user's infrastructure folder must exist and hold at least one known list."""
    if not folder.is_dir():
        raise ConfigError(f"--infra {folder}: no such folder", hint="see docs/infra.md for the list files it may hold")
    if not any(_find(folder, name) for name in LISTS):
        raise ConfigError(f"--infra {folder}: holds none of {', '.join(LISTS)}",
                          hint="name the files as docs/infra.md lists them (.txt or .txt.gz)")


def infra_dir(path: Path | str | None = None) -> Path | None:
    """The user's folder of infrastructure lists (argument, `use_infra`, $DISTILLGUARD_INFRA_DIR), or None."""
    if path is not None:
        return Path(path)
    if _override is not None:
        return _override
    env = os.environ.get("DISTILLGUARD_INFRA_DIR")
    return Path(env) if env else None


def _find(folder: Path | None, name: str) -> Path | None:
    if folder is None:
        return None
    for cand in (folder / name, folder / (name + ".gz")):
        if cand.is_file():
            return cand
    return None


def list_file(folder: Path | None, name: str) -> Path | None:
    """The file to read for list `name`: the user's, else the shipped one, else None."""
    return _find(folder, name) or _find(SHIPPED, name)


def read_entries(path: Path | None) -> list[str]:
    """Entries of a list file (comments, blanks stripped); [] for None."""
    if path is None:
        return []
    try:
        data = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
        text = data.decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read infrastructure list {path}: {exc}",
                          hint="one entry per line, UTF-8 text, optionally gzip-compressed") from exc
    lines = (ln.split("#", 1)[0].strip() for ln in text.splitlines())
    return [ln for ln in lines if ln]


def load_cidrs(path: Path | None) -> tuple[np.ndarray, np.ndarray] | None:
    """Sorted, merged [start, end] uint32 ranges of an IPv4 CIDR list (one per line, '#' comments)."""
    lines = [ln for ln in read_entries(path) if ":" not in ln]
    if not lines:
        return None
    net = [ln.split("/", 1) for ln in lines]
    starts = ipv4_to_int(pa.array([n[0] for n in net]))
    try:
        lens = np.array([int(n[1]) if len(n) > 1 else 32 for n in net], dtype=np.int64)
    except ValueError as exc:
        raise ConfigError(f"infrastructure list {path}: a prefix length is not a number ({exc})",
                          hint="write one CIDR per line, e.g. 203.0.113.0/24") from exc
    ok = (starts >= 0) & (lens >= 0) & (lens <= 32)
    starts, lens = starts[ok], lens[ok]
    if not len(starts):
        return None
    size = np.left_shift(np.int64(1), 32 - lens)
    starts = starts & ~(size - 1)
    ends = starts + size - 1
    order = np.argsort(starts)
    starts, ends = starts[order], ends[order]
    # merge overlapping ranges
    run_end = np.maximum.accumulate(ends)
    new = np.concatenate(([True], starts[1:] > run_end[:-1] + 1))
    idx = np.flatnonzero(new)
    merged_s = starts[idx]
    merged_e = np.maximum.reduceat(ends, idx)
    return merged_s, merged_e


def hosting_asns(folder: Path | None) -> set[int]:
    """Hosting-provider ASNs of the user's list ("AS16509" or "16509" per line)."""
    out = set()
    for ln in read_entries(list_file(folder, "hosting_asns.txt")):
        digits = ln.upper().removeprefix("AS").split()[0] if ln.split() else ""
        if digits.isdigit():
            out.add(int(digits))
    return out


def ipv4_to_int(ips: pa.Array) -> np.ndarray:
    """IPv4 dotted quads to int64 (-1 for anything else), vectorised."""
    n = len(ips)
    out = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return out
    ips = pc.fill_null(ips.cast(pa.string()), "")
    ok = pc.match_substring_regex(ips, r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$").to_numpy(zero_copy_only=False)
    if not ok.any():
        return out
    parts = pc.split_pattern(pc.filter(ips, pa.array(ok)), ".")
    octets = parts.flatten().cast(pa.int64()).to_numpy().reshape(-1, 4)
    valid = (octets <= 255).all(axis=1)
    vals = (octets[:, 0] << 24) | (octets[:, 1] << 16) | (octets[:, 2] << 8) | octets[:, 3]
    vals[~valid] = -1
    out[np.flatnonzero(ok)] = vals
    return out


def in_ranges(values: np.ndarray, ranges: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Boolean: value inside any merged range (values < 0 are never inside)."""
    starts, ends = ranges
    i = np.searchsorted(starts, values, side="right") - 1
    inside = (i >= 0) & (values >= 0)
    inside[inside] = values[inside] <= ends[i[inside]]
    return inside


def ip_flags(ips: pa.Array, folder: Path | None, asns: pa.Array | None = None) -> pa.Table | None:
    """Table (client_ip, is_datacenter, is_vpn) for distinct IPs, or None without lists.

    `asns` (aligned with `ips`, may hold nulls) marks an address in a hosting ASN of the
    user's `hosting_asns.txt` as a datacenter address too.
    """
    dc = load_cidrs(list_file(folder, "datacenter_ipv4.txt"))
    vpn = load_cidrs(list_file(folder, "vpn_ipv4.txt"))
    hosting = hosting_asns(folder)
    if dc is None and vpn is None and not hosting:
        return None
    vals = ipv4_to_int(ips)
    cols = {"client_ip": ips.cast(pa.string())}
    is_dc = in_ranges(vals, dc) if dc is not None else None
    if hosting and asns is not None:
        in_asn = np.isin(np.asarray(pc.fill_null(asns.cast(pa.int64()), -1).to_numpy(zero_copy_only=False)),
                         np.fromiter(hosting, dtype=np.int64))
        is_dc = in_asn if is_dc is None else (is_dc | in_asn)
    cols["is_datacenter"] = pa.array(is_dc) if is_dc is not None else pa.nulls(len(ips), pa.bool_())
    cols["is_vpn"] = pa.array(in_ranges(vals, vpn)) if vpn is not None else pa.nulls(len(ips), pa.bool_())
    return pa.table(cols)


def disposable_domains(folder: Path | None) -> pa.Table | None:
    """Table (domain) of disposable e-mail domains: the user's list, else the shipped package's."""
    user = _find(folder, "disposable_domains.txt")
    if user is not None:
        names = {ln.lower() for ln in read_entries(user)}
    else:
        from disposable_email_domains import blocklist

        names = {d.lower() for d in blocklist}
    return pa.table({"domain": pa.array(sorted(names), pa.string())}) if names else None


UA_FAMILY_SQL = """CASE
  WHEN {ua} IS NULL OR {ua} = '' THEN NULL
  WHEN lower({ua}) LIKE '%openai%' OR lower({ua}) LIKE '%anthropic%' OR lower({ua}) LIKE '%langchain%'
       OR lower({ua}) LIKE '%litellm%' OR lower({ua}) LIKE '%stainless%' THEN 'sdk'
  WHEN lower({ua}) LIKE '%python%' OR lower({ua}) LIKE '%httpx%' OR lower({ua}) LIKE '%aiohttp%'
       OR lower({ua}) LIKE '%requests%' OR lower({ua}) LIKE '%urllib%' THEN 'python'
  WHEN lower({ua}) LIKE '%node%' OR lower({ua}) LIKE '%axios%' OR lower({ua}) LIKE '%undici%'
       OR lower({ua}) LIKE '%deno%' OR lower({ua}) LIKE '%bun/%' THEN 'node'
  WHEN lower({ua}) LIKE 'curl%' OR lower({ua}) LIKE 'wget%' OR lower({ua}) LIKE '%powershell%' THEN 'cli'
  WHEN {ua} LIKE 'Mozilla/%' THEN 'browser'
  ELSE 'other' END"""

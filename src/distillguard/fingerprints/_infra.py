"""Infrastructure lookups: datacenter / VPN CIDR lists, disposable e-mail domains.

The lists are not shipped with distillguard. `infra_dir()` finds a folder holding
``datacenter_ipv4.txt``, ``vpn_ipv4.txt`` and ``disposable_domains.txt``: the argument, else
``$DISTILLGUARD_INFRA_DIR``, else ``../shared/data/infra`` (from the working directory or the
repository). Without it the dependent features are null.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def infra_dir(path: Path | str | None = None) -> Path | None:
    """The folder of infrastructure lists to use, or None."""
    cands: list[Path] = []
    if path is not None:
        cands.append(Path(path))
    elif os.environ.get("DISTILLGUARD_INFRA_DIR"):
        cands.append(Path(os.environ["DISTILLGUARD_INFRA_DIR"]))
    else:
        cands += [Path.cwd() / "../shared/data/infra", Path(__file__).resolve().parents[3] / "../shared/data/infra"]
    for c in cands:
        if c.is_dir():
            return c.resolve()
    return None


def load_cidrs(path: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """Sorted, merged [start, end] uint32 ranges of an IPv4 CIDR list (one per line, '#' comments)."""
    if not path.is_file():
        return None
    lines = [ln.split("#", 1)[0].strip() for ln in path.read_text().splitlines()]
    lines = [ln for ln in lines if ln and ":" not in ln]
    if not lines:
        return None
    net = [ln.split("/", 1) for ln in lines]
    starts = ipv4_to_int(pa.array([n[0] for n in net]))
    lens = np.array([int(n[1]) if len(n) > 1 else 32 for n in net], dtype=np.int64)
    ok = starts >= 0
    starts, lens = starts[ok], lens[ok]
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


def ip_flags(ips: pa.Array, folder: Path | None) -> pa.Table | None:
    """Table (client_ip, is_datacenter, is_vpn) for distinct IPs, or None without lists."""
    if folder is None:
        return None
    dc = load_cidrs(folder / "datacenter_ipv4.txt")
    vpn = load_cidrs(folder / "vpn_ipv4.txt")
    if dc is None and vpn is None:
        return None
    vals = ipv4_to_int(ips)
    cols = {"client_ip": ips.cast(pa.string())}
    cols["is_datacenter"] = pa.array(in_ranges(vals, dc)) if dc is not None else pa.nulls(len(ips), pa.bool_())
    cols["is_vpn"] = pa.array(in_ranges(vals, vpn)) if vpn is not None else pa.nulls(len(ips), pa.bool_())
    return pa.table(cols)


def disposable_domains(folder: Path | None) -> pa.Table | None:
    if folder is None or not (folder / "disposable_domains.txt").is_file():
        return None
    names = sorted({ln.strip().lower() for ln in (folder / "disposable_domains.txt").read_text().splitlines()
                    if ln.strip() and not ln.startswith("#")})
    return pa.table({"domain": pa.array(names, pa.string())})


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

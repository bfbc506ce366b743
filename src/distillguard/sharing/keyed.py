"""Keyed values a partner holding the same key can match, and nobody else can read.

Three forms, all under one shared secret key (`--share-key FILE`):

- **HMAC-SHA256** of a canonical value (`hmac_value`): equal values give equal digests under
  one key. The key is what protects low-entropy values: all 2^32 IPv4 addresses can be hashed
  in minutes, so an HMAC without its key would be a lookup table, not a secret.
- **Bloom filters** (`BloomFilter`) of those digests for long lists: bit positions come from the
  HMAC digest itself, so membership can only be tested by a holder of the key; the false-positive
  rate is computed from (bits, hashes, items) and written beside the filter.
- **Keyed MinHash** (`template_sketch`): each word n-gram is HMAC'd before MinHash, and the
  permutation seed comes from the key too. With public hashing, a dictionary attack recovers the
  words that reach each minimum; keyed, only key holders can test a guess.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from distillguard.errors import ConfigError

MIN_KEY_BYTES = 16
_WORD = re.compile(r"\w+", re.UNICODE)
_SLOT = re.compile(r"\{…\}|<(?:n|q|url|code)>")


def load_key(path: Path) -> bytes:
    """Read a shared key file (raw bytes, surrounding whitespace ignored); at least 16 bytes."""
    try:
        key = path.read_bytes().strip()
    except OSError as exc:
        raise ConfigError(f"cannot read share key {path}: {exc.strerror}",
                          hint="create one with: head -c 32 /dev/urandom | base64 > share.key") from exc
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(f"share key {path} has {len(key)} bytes, need at least {MIN_KEY_BYTES}",
                          hint="create one with: head -c 32 /dev/urandom | base64 > share.key")
    return key


def key_id(key: bytes) -> str:
    """A public name for a key (HMAC of a constant): tells partners which key a bundle used, reveals nothing."""
    return hmac.new(key, b"distillguard key id", hashlib.sha256).hexdigest()[:16]


def canonical(kind: str, value: str) -> str:
    """The form a value is keyed in, so two providers' spellings agree (IPs compressed, domains lower case)."""
    value = value.strip()
    if kind == "ip":
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            return value
    if kind in ("email_domain", "ip_prefix"):
        return value.lower()
    return value


def hmac_value(key: bytes, kind: str, value: str) -> str:
    """Hex HMAC-SHA256 of `kind` and the canonical value: equal only for the same kind and value."""
    msg = f"{kind}\x00{canonical(kind, value)}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


@dataclass
class BloomFilter:
    """A Bloom filter over hex HMAC digests (positions by double hashing of the digest)."""

    bits: int
    hashes: int
    items: int
    data: bytearray

    @classmethod
    def build(cls, digests: list[str], fp_rate: float) -> BloomFilter:
        n = max(len(digests), 1)
        m = max(64, math.ceil(-n * math.log(fp_rate) / math.log(2) ** 2))
        m = (m + 7) // 8 * 8
        k = max(1, round(m / n * math.log(2)))
        bf = cls(m, k, len(digests), bytearray(m // 8))
        for d in digests:
            for p in bf._positions(d):
                bf.data[p >> 3] |= 1 << (p & 7)
        return bf

    def _positions(self, digest: str) -> list[int]:
        raw = bytes.fromhex(digest)
        h1 = int.from_bytes(raw[:8], "little")
        h2 = int.from_bytes(raw[8:16], "little") | 1
        return [(h1 + i * h2) % self.bits for i in range(self.hashes)]

    def __contains__(self, digest: str) -> bool:
        return all(self.data[p >> 3] >> (p & 7) & 1 for p in self._positions(digest))

    @property
    def fp_rate(self) -> float:
        """Expected false-positive rate at the number of items it holds: (1 - e^(-kn/m))^k."""
        return (1 - math.exp(-self.hashes * self.items / self.bits)) ** self.hashes

    def to_dict(self) -> dict[str, object]:
        return {"bits": self.bits, "hashes": self.hashes, "items": self.items,
                "false_positive_rate": float(f"{self.fp_rate:.3g}"),
                "filter_b64": base64.b64encode(bytes(self.data)).decode()}

    @classmethod
    def from_dict(cls, d: dict) -> BloomFilter:
        data = bytearray(base64.b64decode(d["filter_b64"]))
        if len(data) * 8 != int(d["bits"]):
            raise ValueError(f"Bloom filter has {len(data) * 8} bits, header says {d['bits']}")
        return cls(int(d["bits"]), int(d["hashes"]), int(d["items"]), data)


def keyed_set(digests: list[str], bloom_above: int, fp_rate: float) -> dict[str, object]:
    """A set of digests as it travels: a sorted list, or a Bloom filter when longer than `bloom_above`."""
    digests = sorted(set(digests))
    if len(digests) <= bloom_above:
        return {"encoding": "hmac-sha256-list", "count": len(digests), "values": digests}
    return {"encoding": "bloom-hmac-sha256", "count": len(digests), **BloomFilter.build(digests, fp_rate).to_dict()}


class KeyedSet:
    """Membership test over a shared set in either encoding."""

    def __init__(self, doc: dict) -> None:
        self.encoding = doc.get("encoding")
        if self.encoding == "hmac-sha256-list":
            self._values: set[str] | BloomFilter = set(doc.get("values") or [])
        elif self.encoding == "bloom-hmac-sha256":
            self._values = BloomFilter.from_dict(doc)
        else:
            raise ValueError(f"unknown keyed-set encoding {self.encoding!r}")
        self.count = int(doc.get("count", 0))

    def __contains__(self, digest: str) -> bool:
        return digest in self._values


def template_words(text: str) -> list[str]:
    """Lower-cased words of a template's fixed text; slot marks and numbers-as-slots removed."""
    return [w.lower() for w in _WORD.findall(_SLOT.sub(" ", text or ""))]


def shingles(words: list[str], sizes: tuple[int, ...]) -> set[str]:
    out: set[str] = set()
    for n in sizes:
        out.update(" ".join(words[i:i + n]) for i in range(max(len(words) - n + 1, 0)))
    return out


def _seed(key: bytes) -> int:
    return int.from_bytes(hmac.new(key, b"distillguard minhash seed", hashlib.sha256).digest()[:4], "little")


def keyed_minhash(key: bytes, tokens: set[str], num_perm: int, domain: bytes) -> np.ndarray | None:
    """Keyed MinHash (uint32 array of `num_perm`) of a token set; None for an empty set.

    Each token is HMAC'd (with `domain`, so template and behaviour sketches never compare equal)
    before datasketch hashes it, and the permutation seed is derived from the key.
    """
    from datasketch import MinHash

    if not tokens:
        return None

    def keyed_hash(b: bytes) -> int:
        return int.from_bytes(hmac.new(key, domain + b"\x00" + b, hashlib.sha256).digest()[:4], "little")

    mh = MinHash(num_perm=num_perm, seed=_seed(key), hashfunc=keyed_hash)
    mh.update_batch([t.encode() for t in sorted(tokens)])
    return np.asarray(mh.hashvalues, dtype=np.uint32)


def template_sketch(key: bytes, text: str, num_perm: int, sizes: tuple[int, ...]) -> np.ndarray | None:
    """Keyed MinHash of a template's word n-grams (`sizes`); None for a text without words."""
    return keyed_minhash(key, shingles(template_words(text), sizes), num_perm, b"tpl")


def sketch_b64(sig: np.ndarray) -> str:
    return base64.b64encode(sig.astype("<u4").tobytes()).decode()


def sketch_from_b64(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<u4").copy()


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two sketches of equal length (share of equal minima)."""
    if len(a) != len(b) or not len(a):
        return 0.0
    return float(np.mean(a == b))

"""Infrastructure realism: networks (IP, ASN, country), user agents, TLS fingerprints, e-mail domains.

Address blocks of residential ISPs, campuses and companies are simulated; datacenter and VPN blocks
come from the corpus lists when given (their ASN and country are simulated: the lists carry none).
"""

from __future__ import annotations

import hashlib
import ipaddress

import numpy as np

from distillguard.simulate.corpus import Corpus

# (cidr, asn, country, utc offset hours)
RESIDENTIAL = [
    ("73.0.0.0/8", 7922, "US", -5), ("24.0.0.0/12", 20115, "US", -6), ("71.160.0.0/11", 701, "US", -5),
    ("99.0.0.0/10", 7018, "US", -8), ("86.128.0.0/10", 2856, "GB", 0), ("87.128.0.0/10", 3320, "DE", 1),
    ("90.0.0.0/9", 3215, "FR", 1), ("83.32.0.0/11", 3352, "ES", 1), ("126.0.0.0/8", 17676, "JP", 9),
    ("175.192.0.0/10", 4766, "KR", 9), ("122.160.0.0/12", 24560, "IN", 5), ("49.32.0.0/11", 55836, "IN", 5),
    ("177.0.0.0/10", 26599, "BR", -3), ("114.224.0.0/12", 4134, "CN", 8), ("123.112.0.0/12", 4837, "CN", 8),
    ("95.24.0.0/13", 12389, "RU", 3), ("101.160.0.0/11", 1221, "AU", 10), ("99.224.0.0/11", 812, "CA", -5),
    ("116.14.0.0/15", 7473, "SG", 8), ("188.96.0.0/12", 3209, "DE", 1), ("41.96.0.0/12", 36947, "DZ", 1),
    ("105.0.0.0/12", 36935, "NG", 1), ("151.24.0.0/13", 30722, "IT", 1), ("82.160.0.0/12", 5617, "PL", 1),
]
RES_WEIGHTS = np.array([9, 6, 5, 5, 4, 4, 3, 2, 3, 2, 4, 3, 3, 4, 3, 1, 1, 2, 1, 2, 1, 1, 2, 1], float)
CAMPUSES = [  # (cidr, asn, country, tz, e-mail domain)
    ("18.0.0.0/16", 3, "US", -5, "mit.example.edu"), ("171.64.0.0/16", 32, "US", -8, "stanford.example.edu"),
    ("128.32.0.0/16", 25, "US", -8, "berkeley.example.edu"), ("166.111.0.0/16", 4538, "CN", 8, "mails.tsinghua.example.cn"),
    ("129.67.0.0/16", 786, "GB", 0, "ox.example.ac.uk"), ("129.132.0.0/16", 559, "CH", 1, "ethz.example.ch"),
    ("141.20.0.0/16", 680, "DE", 1, "hu-berlin.example.de"), ("202.120.0.0/16", 4538, "CN", 8, "sjtu.example.edu.cn"),
    ("147.46.0.0/16", 9488, "KR", 9, "snu.example.ac.kr"), ("133.11.0.0/16", 2907, "JP", 9, "u-tokyo.example.ac.jp"),
]
CORPORATE = [
    ("64.124.0.0/16", 393225, "US", -5, "northwind.example.com"), ("194.73.0.0/16", 204957, "GB", 0, "contoso.example.co.uk"),
    ("193.17.0.0/16", 398101, "DE", 1, "fabrikam.example.de"), ("122.15.0.0/16", 138915, "IN", 5, "tailspin.example.in"),
]
CLOUD_ASNS = [(16509, "US"), (15169, "US"), (8075, "US"), (14061, "US"), (24940, "DE"), (16276, "FR"),
              (45102, "SG"), (132203, "HK"), (63949, "US"), (20473, "NL"), (396982, "US"), (37963, "CN")]
VPN_ASNS = [(9009, "GB"), (212238, "NL"), (60068, "GB"), (136787, "SG"), (209854, "SE"), (51852, "CH"),
            (141039, "US"), (62240, "NL")]
CONSUMER_DOMAINS = ["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me", "qq.com",
                    "163.com", "hotmail.com", "gmx.de", "mail.ru", "naver.com", "yandex.ru"]
CONSUMER_W = np.array([40, 14, 8, 8, 4, 6, 4, 6, 3, 2, 2, 3], float)
STARTUP_DOMAINS = [f"{a}{b}.example.{t}" for a in ("nimbus", "quanta", "lattice", "vector", "helio", "arbor")
                   for b in ("labs", "ai") for t in ("io", "ai")]
SDK = {  # family -> (form, format, major/minor choices)
    "openai-py": ("openai", "OpenAI/Python 1.{a}.{b}", (40, 80)),
    "openai-js": ("openai", "OpenAI/JS 4.{a}.{b}", (60, 90)),
    "anthropic-py": ("anthropic", "Anthropic/Python 0.{a}.{b}", (30, 60)),
    "anthropic-ts": ("anthropic", "Anthropic/TypeScript 0.{a}.{b}", (20, 50)),
}
AGENT_CLI = ["claude-cli/1.0.{b} (external, cli)", "codex_cli_rs/0.{a}.{b}", "aider/0.{a}.{b}",
             "Mozilla/5.0 (compatible; Google-Gemini-CLI/1.0; +https://github.com/google-gemini/gemini-cli)",
             "opencode/0.{a}.{b}", "Cline/3.{a}.{b}"]
AUTOMATION = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/120.0.0.0 Safari/537.36 Playwright/1.{a}.0",
              "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/1{a}.0.0.0 Safari/537.36"]


def ip_str(x: int) -> str:
    return f"{(x >> 24) & 255}.{(x >> 16) & 255}.{(x >> 8) & 255}.{x & 255}"


def _net(cidr: str) -> tuple[int, int]:
    n = ipaddress.IPv4Network(cidr)
    return int(n.network_address), n.num_addresses


def ip_in(base: int, size: int, r: int) -> str:
    """An address inside a block, avoiding network and broadcast addresses."""
    if size <= 4:
        return ip_str(base + 1)
    return ip_str(base + 1 + r % (size - 2))


def _h(s: str) -> int:
    return int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "little")


class Networks:
    """Draws addresses of each network kind; returns (ip, asn, country)."""

    def __init__(self, corpus: Corpus) -> None:
        self.res = [(*_net(c), a, cc, tz) for c, a, cc, tz in RESIDENTIAL]
        self.res_w = RES_WEIGHTS / RES_WEIGHTS.sum()
        self.dc_blocks = corpus.dc_cidrs
        self.vpn_blocks = corpus.vpn_cidrs

    def residential(self, rng: np.random.Generator, n: int, country_idx: np.ndarray | None = None):
        idx = rng.choice(len(self.res), size=n, p=self.res_w) if country_idx is None else country_idx
        off = rng.integers(0, 2**31, n)
        return [(ip_in(self.res[i][0], self.res[i][1], int(o)), self.res[i][2], self.res[i][3])
                for i, o in zip(idx, off)], idx

    def _hosted(self, blocks, asns, rng: np.random.Generator, n: int, cluster: int | None = None):
        pick = rng.integers(0, len(blocks), n) if cluster is None else \
            rng.integers(0, len(blocks), max(1, cluster))[rng.integers(0, max(1, cluster), n)]
        off = rng.integers(0, 2**31, n)
        out = []
        for i, o in zip(pick, off):
            base, plen = blocks[i]
            asn, cc = asns[_h(f"{base}/{plen}") % len(asns)]
            out.append((ip_in(base, 2 ** (32 - plen), int(o)), asn, cc))
        return out

    def datacenter(self, rng, n, cluster=None):
        return self._hosted(self.dc_blocks, CLOUD_ASNS, rng, n, cluster)

    def vpn(self, rng, n, cluster=None):
        return self._hosted(self.vpn_blocks, VPN_ASNS, rng, n, cluster)


def tz_of_country(cc: str) -> int:
    for _c, _a, country, tz in RESIDENTIAL:
        if country == cc:
            return tz
    return 0


def user_agent(rng: np.random.Generator, kind: str, form: str, corpus: Corpus, drift: int = 0) -> str:
    """A User-Agent for a client kind: browser, sdk, http, agent_cli or automation."""
    a, b = int(rng.integers(0, 30)), int(rng.integers(0, 12))
    if kind == "browser":
        return corpus.ua_browser[int(rng.choice(len(corpus.ua_browser), p=corpus.ua_browser_w))]
    if kind == "sdk":
        fams = [k for k, v in SDK.items() if v[0] == form]
        fam = fams[int(rng.integers(0, len(fams)))]
        lo, hi = SDK[fam][2]
        return SDK[fam][1].format(a=min(hi, lo + int(rng.integers(0, hi - lo)) + drift), b=b)
    if kind == "http":
        return corpus.ua_http[int(rng.integers(0, len(corpus.ua_http)))]
    if kind == "agent_cli":
        return AGENT_CLI[int(rng.integers(0, len(AGENT_CLI)))].format(a=a + drift, b=b)
    return AUTOMATION[int(rng.integers(0, len(AUTOMATION)))].format(a=20 + a % 30)


def tls_fingerprint(ua: str) -> str:
    """A JA4-shaped fingerprint determined by the client library family of the UA."""
    low = ua.lower()
    fam = ("chrome" if "chrome" in low else "safari" if "safari" in low else "firefox" if "firefox" in low
           else "python" if "python" in low or "aiohttp" in low or "requests" in low else
           "node" if any(x in low for x in ("js", "typescript", "node", "axios")) else
           "go" if "go-http" in low else "java" if "java" in low or "okhttp" in low else "other")
    h = hashlib.sha256(fam.encode()).hexdigest()
    return f"t13d{15 + len(fam) % 5}{10 + len(fam)}h2_{h[:12]}_{h[12:24]}"


def email_domain(rng: np.random.Generator, kind: str, corpus: Corpus, campus: int = 0, corp: int = 0) -> str:
    if kind == "consumer":
        return CONSUMER_DOMAINS[int(rng.choice(len(CONSUMER_DOMAINS), p=CONSUMER_W / CONSUMER_W.sum()))]
    if kind == "edu":
        return CAMPUSES[campus % len(CAMPUSES)][4]
    if kind == "corp":
        return CORPORATE[corp % len(CORPORATE)][4]
    if kind == "startup":
        return STARTUP_DOMAINS[int(rng.integers(0, len(STARTUP_DOMAINS)))]
    return corpus.disposable[int(rng.integers(0, len(corpus.disposable)))]


def ipv6_of(ip: str, hosted: bool) -> str:
    """A stable IPv6 address standing for the same host as IPv4 `ip` (same ASN and country).

    Residential lines get a /64 of their own inside a simulated ISP /32; hosted (datacenter,
    PaaS) addresses fall in a simulated cloud /32. The mapping is a hash, so two accounts behind
    one IPv4 address share the IPv6 address too.
    """
    h = _h("v6:" + ip)
    words = [(h >> (16 * i)) & 0xFFFF for i in range(4)]
    if hosted:
        return f"2600:1f{words[0] & 0xFF:02x}:{words[1]:x}:{words[2]:x}::{words[3] or 1:x}"
    return f"2a02:{0x8000 | words[0] & 0x7FFF:x}:{words[1]:x}:{words[2]:x}::1"

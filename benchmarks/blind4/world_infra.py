"""Network / identity infrastructure for blind4 worlds: IP space, ASNs, user agents, e-mail domains."""
import bisect
import hashlib
import zlib

COUNTRY_TZ = {"US": -6, "GB": 0, "DE": 1, "FR": 1, "IN": 5, "JP": 9, "KR": 9, "BR": -3, "CA": -5, "AU": 10,
              "SG": 8, "NL": 1, "ES": 1, "IT": 1, "PL": 1, "MX": -6, "TR": 3, "NG": 1, "PK": 5, "ID": 7,
              "VN": 7, "TW": 8, "HK": 8, "RU": 3, "CN": 8, "AE": 4, "IL": 2, "SE": 1, "CH": 1, "KZ": 5}
BENIGN_COUNTRIES = [("US", 30), ("GB", 6), ("DE", 6), ("FR", 4), ("IN", 9), ("JP", 5), ("KR", 4), ("BR", 5),
                    ("CA", 4), ("AU", 3), ("SG", 2), ("NL", 2), ("ES", 2), ("IT", 2), ("PL", 2), ("MX", 2),
                    ("TR", 1), ("NG", 1), ("PK", 1), ("ID", 2), ("VN", 2), ("TW", 1), ("HK", 1), ("SE", 1),
                    ("CH", 1), ("IL", 1), ("AE", 1)]
# residential / mobile ISPs per country (ASNs as commonly published)
ISP_ASNS = {"US": [7922, 7018, 701, 20115, 22773, 21928], "GB": [2856, 5089, 5607, 12576], "DE": [3320, 3209, 6805, 8881],
            "FR": [3215, 12322, 5410, 15557], "IN": [55836, 24560, 9829, 45609], "JP": [2516, 4713, 17676, 2527],
            "KR": [4766, 9318, 3786], "BR": [28573, 18881, 26599, 8167], "CA": [812, 577, 6327, 5769],
            "AU": [1221, 4804, 7545, 4739], "SG": [9506, 4773, 10091], "NL": [1136, 33915, 50266],
            "ES": [3352, 12479, 12430], "IT": [3269, 30722, 1267], "PL": [5617, 12741, 6830], "MX": [8151, 13999],
            "TR": [9121, 34984, 47331], "NG": [29465, 36873], "PK": [17557, 45595], "ID": [7713, 17974, 23693],
            "VN": [7552, 45899, 18403], "TW": [3462, 9924], "HK": [4760, 9269, 9304], "RU": [12389, 8359, 25513],
            "CN": [4134, 4837, 9808], "AE": [5384, 15802], "IL": [1680, 12849], "SE": [3301, 2119],
            "CH": [3303, 6730], "KZ": [9198, 21299]}
CLOUD_ASNS = [16509, 14618, 15169, 396982, 8075, 14061, 24940, 16276, 63949, 20473, 45102, 37963, 132203,
              31898, 13335, 51167, 36352, 46606, 53667, 12876]
VPN_ASNS = [9009, 60068, 212238, 136787, 39351, 51852, 206092, 207137, 44066, 147049, 20473, 62240]
DC_COUNTRIES = ["US", "US", "US", "DE", "NL", "SG", "GB", "FR", "JP", "HK", "CA", "IN", "AU", "KR", "BR", "SE"]

WEBMAIL = ["gmail.com"] * 12 + ["outlook.com"] * 4 + ["hotmail.com", "yahoo.com", "yahoo.com", "icloud.com", "icloud.com",
           "proton.me", "qq.com", "163.com", "naver.com", "gmx.de", "web.de", "yahoo.co.jp", "mail.ru", "yandex.ru",
           "live.com", "aol.com", "zoho.com", "fastmail.com"]
WORDS_A = ["blue", "north", "bright", "cedar", "quantum", "silver", "rapid", "open", "clear", "deep", "stack", "nova",
           "prime", "lumen", "vector", "harbor", "summit", "pixel", "iron", "maple", "delta", "orbit", "signal", "atlas",
           "river", "kinetic", "solid", "tidal", "ember", "polar", "granite", "sparrow", "alpine", "meridian"]
WORDS_B = ["labs", "works", "data", "ai", "soft", "systems", "analytics", "health", "logic", "ops", "cloud", "bio",
           "capital", "learning", "mind", "forge", "scale", "metrics", "path", "wave", "grid", "link", "insight"]
TLDS = ["com", "com", "com", "io", "ai", "co", "net", "de", "co.uk", "dev", "app", "tech"]
UNI = ["northlake", "westbrook", "eastfield", "lakeshore", "riverside", "highland", "pinecrest", "kingsport",
       "oakridge", "stonebridge", "fairhaven", "clearwater", "ashford", "greenvale", "silverton", "marlow"]
UNI_TLD = ["edu", "edu", "edu", "ac.uk", "edu.au", "ac.jp", "edu.sg", "ac.in", "edu.br", "uni.de", "ac.kr"]

SDK_OPENAI_PY = ["1.35.3", "1.40.6", "1.45.0", "1.51.2", "1.54.4", "1.58.1", "1.61.0", "1.66.3", "1.70.0", "1.76.2", "1.82.0", "1.93.0"]
SDK_ANTH_PY = ["0.34.2", "0.39.0", "0.42.0", "0.45.2", "0.49.0", "0.52.1", "0.57.1", "0.60.0"]
SDK_OPENAI_JS = ["4.56.0", "4.67.3", "4.77.0", "4.85.1", "4.96.0", "5.3.0", "5.10.1"]
SDK_ANTH_JS = ["0.27.3", "0.32.1", "0.37.0", "0.39.0", "0.50.4"]


def h64(*parts):
    return int.from_bytes(hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()[:8], "big")


def hexid(*parts, n=12):
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:n]


def int2ip(v):
    return f"{(v >> 24) & 255}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}"


def wchoice(rnd, pairs):
    tot = sum(w for _, w in pairs)
    x = rnd.random() * tot
    for v, w in pairs:
        x -= w
        if x < 0:
            return v
    return pairs[-1][0]


class Infra:
    def __init__(self, corpus, rnd):
        self.dc = corpus.dc
        self.vpn = corpus.vpn
        ivs = sorted((n, n + (1 << (32 - p)) - 1) for n, p in corpus.dc + corpus.vpn)
        merged = []
        for a, b in ivs:
            if merged and a <= merged[-1][1] + 1:
                if b > merged[-1][1]:
                    merged[-1][1] = b
            else:
                merged.append([a, b])
        self.blk_start = [m[0] for m in merged]
        self.blk_end = [m[1] for m in merged]
        # residential ISP prefixes (/16 each), made up but kept out of the datacenter/VPN lists
        self.isp = {}
        used = set()
        for cc in sorted(ISP_ASNS):
            rows = []
            for asn in ISP_ASNS[cc]:
                prefs = []
                while len(prefs) < 2 + rnd.randrange(3):
                    a = rnd.randrange(1, 224)
                    if a in (10, 100, 127, 169, 172, 192, 198, 203, 0):
                        continue
                    p = (a << 24) | (rnd.randrange(256) << 16)
                    if p in used or self.blocked(p, p + 65535):
                        continue
                    used.add(p)
                    prefs.append(p)
                rows.append((asn, prefs))
            self.isp[cc] = rows
        self._used16 = used
        self.ua_browser = [(u["useragent"], u["share"]) for u in corpus.ua_browser]
        self.ua_browser_desktop = [(u["useragent"], u["share"]) for u in corpus.ua_browser if u.get("type") == "desktop"] or self.ua_browser
        self.ua_sdk = corpus.ua_sdk
        self.ua_http = [u for u in corpus.ua_sdk if any(k in u.lower() for k in ("python", "aiohttp", "httpx", "go-http", "okhttp", "axios", "node-fetch", "curl", "java", "apache-httpclient", "ruby", "guzzle", "libwww", "wget"))] or corpus.ua_sdk
        self.ua_automation = [u for u in corpus.ua_sdk if any(k in u for k in ("Headless", "Puppeteer", "Playwright", "Selenium", "PhantomJS", "headless"))] or corpus.ua_sdk
        self.disposable = corpus.disposable

    def blocked(self, a, b):
        i = bisect.bisect_right(self.blk_start, b) - 1
        return i >= 0 and self.blk_end[i] >= a

    # --- addresses -------------------------------------------------------------------------
    @staticmethod
    def host(cidr, rnd):
        net, pl = cidr
        size = 1 << (32 - pl)
        off = rnd.randrange(1, size - 1) if size > 4 else rnd.randrange(size)
        return int2ip(net + off)

    def dc_meta(self, cidr, vpn=False):
        k = zlib.crc32(f"{cidr[0]}/{cidr[1]}".encode())
        asn = (VPN_ASNS if vpn else CLOUD_ASNS)[k % (len(VPN_ASNS) if vpn else len(CLOUD_ASNS))]
        return asn, DC_COUNTRIES[(k >> 8) % len(DC_COUNTRIES)]

    def dc_exit(self, rnd, cidr=None, vpn=False):
        cidr = cidr or rnd.choice(self.vpn if vpn else self.dc)
        asn, cc = self.dc_meta(cidr, vpn)
        return (self.host(cidr, rnd), asn, cc)

    def res_exit(self, rnd, cc, v6=False):
        rows = self.isp.get(cc) or self.isp["US"]
        asn, prefs = rnd.choice(rows)
        if v6:
            return (f"2a0{rnd.randrange(1, 10)}:{rnd.randrange(0x1000, 0xffff):x}:{rnd.randrange(0xffff):x}:{rnd.randrange(0xffff):x}:"
                    f"{rnd.randrange(0xffff):x}:{rnd.randrange(0xffff):x}:{rnd.randrange(0xffff):x}:{rnd.randrange(1, 0xffff):x}", asn, cc)
        p = rnd.choice(prefs)
        return (int2ip(p + rnd.randrange(256, 65280)), asn, cc)

    def own_block(self, rnd, cc, asn=None):
        """A /24 of an organisation (campus, company office) in a fresh prefix."""
        while True:
            a = rnd.randrange(11, 223)
            if a in (100, 127, 169, 172, 192, 198, 203):
                continue
            p = (a << 24) | (rnd.randrange(256) << 16) | (rnd.randrange(256) << 8)
            if not self.blocked(p, p + 255) and (p & 0xFFFF0000) not in self._used16:
                return (p, asn or (30000 + rnd.randrange(30000)), cc)

    @staticmethod
    def block_host(block, rnd):
        p, asn, cc = block
        return (int2ip(p + rnd.randrange(2, 254)), asn, cc)

    # --- clients -------------------------------------------------------------------------------
    def browser_ua(self, rnd, desktop=False):
        return wchoice(rnd, self.ua_browser_desktop if desktop else self.ua_browser)

    @staticmethod
    def sdk_ua(rnd, form, lang=None, idx=None):
        lang = lang or ("py" if rnd.random() < 0.75 else "js")
        if form == "messages":
            vs = SDK_ANTH_PY if lang == "py" else SDK_ANTH_JS
            v = vs[idx % len(vs)] if idx is not None else rnd.choice(vs)
            return f"Anthropic/Python {v}" if lang == "py" else f"Anthropic/JS {v}"
        vs = SDK_OPENAI_PY if lang == "py" else SDK_OPENAI_JS
        v = vs[idx % len(vs)] if idx is not None else rnd.choice(vs)
        if lang == "py":
            return rnd.choice(["OpenAI/Python ", "AsyncOpenAI/Python "]) + v
        return f"OpenAI/JS {v}"

    @staticmethod
    def tls_for(ua, salt=""):
        fam = ua.split("/")[0].split(" ")[0]
        return hexid("ja3", fam, ua.split("/")[-1][:3] if "/" in ua else "", salt, n=32)

    # --- identity ------------------------------------------------------------------------------
    @staticmethod
    def company_domain(rnd):
        return f"{rnd.choice(WORDS_A)}{rnd.choice(WORDS_B)}.{rnd.choice(TLDS)}"

    @staticmethod
    def uni_domain(rnd):
        u = rnd.choice(UNI)
        return rnd.choice([f"{u}.{rnd.choice(UNI_TLD)}", f"stu.{u}.edu", f"mail.{u}.{rnd.choice(UNI_TLD)}"])

    def disposable_domain(self, rnd):
        return rnd.choice(self.disposable)

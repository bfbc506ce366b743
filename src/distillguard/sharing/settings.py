"""Every number the sharing code uses, in one place, each with its reason.

Nothing here was tuned on a benchmark: these are engineering defaults. Change them through
`SharingSettings(...)` (the CLI passes its flags here); the bundle records the values it was
built with (`x_distillguard` extension, `settings`), so a partner can read them back.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class SharingSettings:
    """Sizes and thresholds for export, import and match."""

    # A keyed list longer than this travels as a Bloom filter instead of a list of HMACs:
    # 256 HMACs are 16 KiB of hex; a proxy pool of 50,000 addresses would be 3.2 MB.
    bloom_above: int = 256
    # Target false-positive rate of each Bloom filter (the bundle states the rate it reaches).
    bloom_fp_rate: float = 1e-4
    # Permutations per MinHash sketch: the standard error of a Jaccard estimate is about
    # sqrt(J(1-J)/num_perm), 0.044 at J=0.5 with 128.
    minhash_perm: int = 128
    # Word n-grams a template sketch is built from: unigrams and bigrams, so a paraphrase that
    # keeps most words but changes their order still shares most of its set.
    shingle_sizes: tuple[int, ...] = (1, 2)
    # A local template matches a partner's sketch at this estimated Jaccard similarity or above.
    template_match_jaccard: float = 0.5
    # `match` ignores a partner template that matches local templates sent by more than this
    # share of all local accounts: a wrapper that common says nothing about any one account
    # (campaigns in the tiny simulated worlds are 6-10% of accounts, so 5% would drop them).
    template_generic_share: float = 0.2
    # A campaign's behaviour fingerprint is the set of behaviour features (tools, part kinds,
    # request configurations, response format, turns, log-probabilities, system prompt) that at
    # least this share of its members show; a local account matches it at this estimated Jaccard.
    behaviour_member_share: float = 0.5
    behaviour_match_jaccard: float = 0.6
    # Templates with fewer fixed words than this are not sketched: short wrappers ("Answer:")
    # are shared by unrelated customers everywhere.
    min_template_words: int = 5
    # Indicators per campaign and kind, most concentrated first.
    max_values_per_kind: int = 50_000
    # An ASN becomes a STIX indicator only when at least this share of a campaign's exchanges
    # came from it (a residential proxy pool spreads over consumer ISPs that say little).
    asn_min_share: float = 0.2
    # A campaign whose traffic spans at least this many ASNs is typed `botnet` (residential
    # proxies: many consumer networks) as well as `anonymization`.
    botnet_min_asns: int = 20
    # A value is exported for a campaign only when at least this share of the accounts that use
    # it (in the exporter's whole store) are campaign members: a NAT address or a popular e-mail
    # domain that benign customers share would be a false positive at every partner.
    min_purity: float = 0.8
    # Campaign templates sketched per campaign (busiest first).
    max_templates: int = 50
    # Two campaigns belong to one operator (an intrusion-set) when they share at least this many
    # exported addresses, or any payment fingerprint or TLS fingerprint, or a template sketch.
    operator_min_shared_ips: int = 2
    # The lower-confidence tier (`gather_flagged`): also export the operator values of accounts
    # detect flagged outside every campaign, as one separate `indicator` (tier "flagged"). A
    # lone flagged account is a verdict like a campaign member's, but nothing says who runs it,
    # so its values never form a campaign or an operator at the partner. Only kinds that say who
    # operates an account (addresses, networks, client, payment); the same purity filter applies,
    # counted over all flagged accounts.
    export_flagged: bool = True
    flagged_kinds: tuple[str, ...] = ("ip", "ip_prefix", "user_agent", "tls_fingerprint", "payment")

    def to_dict(self) -> dict[str, object]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

"""Linking: shared evidence -> account graph -> communities -> scored campaigns."""

from distillguard.linking.behaviour import behaviour_edges, behaviour_profiles, configuration_indicator
from distillguard.linking.campaigns import (
    Campaign,
    CampaignParams,
    campaign_tables,
    content_campaigns,
    find_campaigns,
    recruit_leads,
    score_communities,
    top_indicators,
)
from distillguard.linking.communities import detect_communities
from distillguard.linking.evidence import KINDS, account_tokens
from distillguard.linking.graph import AccountGraph, build_graph

__all__ = ["KINDS", "AccountGraph", "Campaign", "CampaignParams", "account_tokens", "behaviour_edges",
           "behaviour_profiles", "configuration_indicator", "build_graph", "campaign_tables",
           "content_campaigns", "detect_communities", "find_campaigns", "recruit_leads", "score_communities",
           "top_indicators"]

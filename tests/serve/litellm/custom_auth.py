"""LiteLLM custom_auth for the e2e test and docs/serve.md: map API keys to accounts.

A real deployment looks keys up in its own user store; distillguard reads the account from
``user_id`` (then team_id, end_user_id, org_id) of the UserAPIKeyAuth returned here.
"""

from litellm.proxy._types import UserAPIKeyAuth

KEYS = {
    "sk-campaign-new": "acct_new_campaign",   # never seen by the batch run; sends the campaign's wrapper
    "sk-campaign-known": "acct_camp_1",       # a member of campaign c-grader in the results
    "sk-flagged": "acct_midrisk",             # risk 0.75 in the results: strip_reasoning band
    "sk-clean": "acct_clean",                 # a customer
}


async def user_api_key_auth(request, api_key: str) -> UserAPIKeyAuth:  # noqa: ANN001 - LiteLLM's signature
    account = KEYS.get(api_key)
    if account is None:
        raise Exception("unknown API key")
    return UserAPIKeyAuth(api_key=api_key, user_id=account)

"""The org's clock: the time Kustomer's servers tell (`Date` header), for plans that must agree
with the `updatedAt` they stamp, such as the runner's chunked first load."""

from __future__ import annotations

from datetime import datetime

import dlt
from dlt.common.configuration import with_config

from .api.client import KustomerClient
from .api.limits import RateLimiter
from .api.times import server_time
from .settings import resolve_base_url


@with_config(sections=("sources", "kustomer"))
def org_time(
    api_key: str = dlt.secrets.value, org: str | None = None, base_url: str | None = None
) -> datetime:
    """The org's current time, from one list request (settings as `kustomer_source` takes them:
    `[sources.kustomer]` in .dlt/ or arguments). The local clock when the answer has no date."""
    client = KustomerClient(resolve_base_url(org, base_url), api_key, RateLimiter())
    with client.translate_errors("the org's clock"):
        response = client.rest.get("/v1/customers", params={"pageSize": 1})
        response.raise_for_status()
    return server_time(response)

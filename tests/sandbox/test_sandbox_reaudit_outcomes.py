"""What this re-audit of the second fidelity audit fixed beyond the linked routes
(``test_sandbox_links.py``): the auth tokens' paging meta as its only document types it, and
the search operators Kustomer's documents show that the sandbox refused."""

from __future__ import annotations

from typing import Any

from helpers.sandbox_client import Client


def test_auth_tokens_page_as_strings(client: Client) -> None:
    # LarisLab's GetAuthTokensResponses types meta.pageSize and meta.page as strings
    assert client.get("/v1/auth/tokens").json()["meta"] == {"pageSize": "100", "page": "1"}
    assert client.get("/v1/auth/tokens", pageSize=2, page=3).json()["meta"] == {
        "pageSize": "2",
        "page": "3",
    }
    # the other lists keep numbers
    assert client.get("/v1/brands").json()["meta"] == {"pageSize": 100, "page": 1}


def found(client: Client, body: dict[str, Any]) -> list[dict[str, Any]]:
    records, _ = client.follow("/v1/customers/search", method="POST", body=body, pageSize=500)
    return records


def test_not_equals_and_not_set(client: Client) -> None:
    every = found(client, {"queryContext": "conversation"})
    done = found(
        client,
        {"queryContext": "conversation", "and": [{"conversation_status": {"equals": "done"}}]},
    )
    other = found(
        client,
        {"queryContext": "conversation", "and": [{"conversation_status": {"not_equals": "done"}}]},
    )
    assert done and other
    assert {r["id"] for r in done} | {r["id"] for r in other} == {r["id"] for r in every}
    assert all(r["attributes"].get("status") != "done" for r in other)
    # the documented saved-search example's criterion: nobody assigned
    unset = found(
        client,
        {
            "queryContext": "conversation",
            "and": [{"conversation_assigned_users": {"not_set": True}}],
        },
    )
    assigned = found(
        client,
        {
            "queryContext": "conversation",
            "and": [{"conversation_assigned_users": {"not_set": False}}],
        },
    )
    assert len(unset) + len(assigned) == len(every) and unset and assigned
    assert all(not r["attributes"].get("assignedUsers") for r in unset)
    assert all(r["attributes"]["assignedUsers"] for r in assigned)
    # a date that is not a given day, and a bad not_set value
    day = every[0]["attributes"]["createdAt"][:10]
    rest = found(
        client,
        {"queryContext": "conversation", "and": [{"conversation_created_at": {"not_equals": day}}]},
    )
    assert all(not r["attributes"]["createdAt"].startswith(day) for r in rest)
    assert len(rest) < len(every)
    bad = {"queryContext": "conversation", "and": [{"conversation_status": {"not_set": "yes"}}]}
    assert client.search(bad).status_code == 400

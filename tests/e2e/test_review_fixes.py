"""Regressions found in review: each leak or race stays fixed."""

from __future__ import annotations

import threading
import time

from tests.e2e.conftest import COMMUNITY, Loop, now_iso
from tests.e2e.test_governance import published_guide, search
from tests.e2e.test_loop_offline import QUESTION, REPLY, TERSE, thread_messages
from tests.e2e.test_privacy import EMAIL

URL = f"/v1/communities/{COMMUNITY}/messages"


def tandem(loop: Loop, goal: str = "postgres") -> str:
    body = {"community": COMMUNITY, "junior": "lena", "senior": "marta", "goals": [goal]}
    response = loop.client.post("/v1/tandems", json=body, headers=loop.as_("priya"))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_thread_titles_are_screened(make_loop) -> None:
    loop = make_loop()
    messages = thread_messages()
    messages[0]["thread_title"] = f"Slow tenant listing, ask {EMAIL}"
    guide = published_guide(loop, messages)
    hits = search(loop, "lena", "speed up listing when most rows are soft deleted")
    markdown = loop.client.get(f"/v1/guides/{guide['id']}/markdown", headers=loop.as_("lena")).text
    assert EMAIL not in hits[0]["title"] and EMAIL not in markdown and "\\[EMAIL\\]" in markdown  # escaped brackets


def test_admins_do_not_govern_confidential_communities(make_loop) -> None:
    loop = make_loop()
    c = loop.client
    patch = {"visibility": "confidential", "pii_policy": "hold"}
    assert c.patch("/v1/communities/secret-rnd", json=patch, headers=loop.as_("otto")).status_code == 200
    message = {"external_id": "s1", "thread": "st", "author": "otto", "text": f"Falcon: call {EMAIL}"}
    assert c.post("/v1/communities/secret-rnd/messages", json=message, headers=loop.as_("otto")).status_code == 202
    loop.settle()
    assert c.get("/v1/communities/secret-rnd/held", headers=loop.as_("ada")).status_code == 403
    assert (
        c.put("/v1/communities/secret-rnd/members/ada", json={"role": "member"}, headers=loop.as_("ada")).status_code
        == 403
    )
    assert (
        c.put("/v1/communities/secret-rnd/members/lena", json={"role": "steward"}, headers=loop.as_("ada")).status_code
        == 204
    ), "an admin may still appoint its stewards"


def test_chatham_house_masks_mentions_in_search_snippets(make_loop) -> None:
    loop = make_loop()
    published_guide(loop, thread_messages(), REPLY.replace("Watch out:", "Watch out, as @priya found:"))
    loop.client.patch(
        f"/v1/communities/{COMMUNITY}", json={"visibility": "open", "chatham_house": True}, headers=loop.as_("priya")
    )
    hits = search(loop, "otto", "planner will not use the index unless the query repeats the predicate")
    assert hits and "@priya" not in str(hits)


def test_edited_text_is_screened_before_the_tandem_partner_quotes_it(make_loop) -> None:
    loop = make_loop()
    published_guide(loop, thread_messages())
    new = TERSE + f" Mail {EMAIL} for the staging password."
    assert loop.client.patch(f"{URL}/m2", json={"text": new}, headers=loop.as_("priya")).status_code == 204
    loop.settle()
    answer = loop.client.post(
        f"/v1/tandems/{tandem(loop)}/ask",
        json={"question": "partial index on tenant_id where deleted_at is null"},
        headers=loop.as_("lena"),
    )
    assert answer.status_code == 200 and EMAIL not in answer.text


def test_the_partner_never_quotes_unscreened_messages(make_loop) -> None:
    loop = make_loop()
    c = loop.client
    assert (
        c.patch(f"/v1/communities/{COMMUNITY}", json={"pii_policy": "hold"}, headers=loop.as_("priya")).status_code
        == 200
    )
    tandem_id = tandem(loop)
    loop.tacit.runner.stop()  # the assessment jobs have not reached these messages yet
    messages = thread_messages()
    messages[1]["text"] += f" Ping me at {EMAIL}."
    assert c.post(URL, json={"messages": messages}, headers=loop.as_("priya")).status_code == 202
    answer = c.post(
        f"/v1/tandems/{tandem_id}/ask", json={"question": "partial index on tenant_id"}, headers=loop.as_("lena")
    )
    assert answer.status_code == 200 and EMAIL not in answer.text


def test_suggestions_are_for_the_pair_only(make_loop) -> None:
    loop = make_loop()
    tandem_id = tandem(loop, "kubernetes")
    assert loop.client.get(f"/v1/tandems/{tandem_id}/suggestions", headers=loop.as_("lena")).status_code == 200
    assert loop.client.get(f"/v1/tandems/{tandem_id}/suggestions", headers=loop.as_("priya")).status_code == 403


def test_erasing_the_asker_takes_their_words_out_of_the_title(make_loop) -> None:
    loop = make_loop()
    messages = thread_messages()
    del messages[0]["thread_title"]
    guide = published_guide(loop, messages)
    assert loop.client.delete(f"/v1/people/{loop.ids['lena']}?mode=erase", headers=loop.as_("ada")).status_code == 200
    loop.settle()
    draft = loop.client.get(f"/v1/guides/{guide['id']}", headers=loop.as_("marta"))
    assert draft.status_code == 200 and QUESTION[:40] not in draft.text


def test_a_source_deleted_while_the_guide_is_written_never_reaches_it(make_loop) -> None:
    loop = make_loop()
    c = loop.client
    c.post(URL, json={"messages": thread_messages()}, headers=loop.as_("priya"))
    loop.settle()
    services, writer = loop.tacit.services, loop.tacit.services.guides

    class SlowWriter:
        def write(self, thread, replies):  # type: ignore[no-untyped-def]
            time.sleep(1.0)
            return writer.write(thread, replies)

    services.guides = SlowWriter()
    nudge = c.get("/v1/me/nudges", headers=loop.as_("marta")).json()[0]
    c.post(f"/v1/nudges/{nudge['id']}/reply", json={"text": REPLY}, headers=loop.as_("marta"))
    time.sleep(0.5)  # the guide is being written now
    assert c.delete(f"{URL}/m1", headers=loop.as_("priya")).status_code == 204
    loop.settle()
    drafts = c.get("/v1/me/guides", headers=loop.as_("marta")).json()
    assert drafts and all(QUESTION[:40] not in str(d["content"]) for d in drafts)


def test_concurrent_ingest_of_the_same_batch_stores_it_once(make_loop) -> None:
    loop = make_loop()
    statuses: list[int] = []
    body = {"messages": [{**m, "created_at": now_iso(5)} for m in thread_messages()]}

    def post() -> None:
        statuses.append(loop.client.post(URL, json=body, headers=loop.as_("priya")).status_code)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    loop.settle()
    assert statuses == [202] * 4
    assert loop.client.get("/healthz").json()["messages"] == 3

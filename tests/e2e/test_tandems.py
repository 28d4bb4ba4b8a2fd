"""Expertise location and tandems through the API: who knows X, endorsements, a tandem's tasks, questions, log."""

from __future__ import annotations

from tests.e2e.conftest import COMMUNITY, Loop, now_iso
from tests.e2e.test_governance import published_guide
from workflow.people import add_person, create_token

EXPERTS = "/v1/experts"
SECRET = "secret-rnd"


def post(loop: Loop, who: str, path: str, body: dict | None = None, status: int = 201) -> dict:
    r = loop.client.post(path, json=body, headers=loop.as_(who))
    assert r.status_code == status, r.text
    return r.json()


def get(loop: Loop, who: str, path: str, status: int = 200, **params: object) -> dict | list:
    r = loop.client.get(path, params=params, headers=loop.as_(who))
    assert r.status_code == status, r.text
    return r.json()


def person(loop: Loop, handle: str, community: str = COMMUNITY) -> None:
    add_person(loop.tacit.services, handle=handle, community_id=community)
    loop.tokens[handle] = create_token(loop.tacit.services, handle=handle)


def answered_thread(loop: Loop, community: str, steward: str, ext: str, title: str, answer_by: str) -> None:
    messages = [
        {
            "external_id": f"{ext}-q",
            "thread": ext,
            "thread_title": title,
            "author": "asker",
            "text": title + "?",
            "created_at": now_iso(60),
        },
        {
            "external_id": f"{ext}-a",
            "thread": ext,
            "parent": f"{ext}-q",
            "author": answer_by,
            "created_at": now_iso(50),
            "text": f"For {title.lower()} I would start with the docs and measure first.",
            "score": 1,
        },
    ]
    post(loop, steward, f"/v1/communities/{community}/messages", {"messages": messages}, status=202)
    loop.settle()


def expert_handles(loop: Loop, who: str, q: str) -> list[str]:
    return [e["handle"] for e in get(loop, who, EXPERTS, q=q)["experts"]]  # type: ignore[index]


def test_who_knows_ranks_endorsed_guide_authors_first_and_honours_permissions_and_opt_out(make_loop) -> None:
    loop = make_loop()
    published_guide(loop)  # marta's guide on a slow tenant listing (a partial index)
    person(loop, "kai")
    answered_thread(loop, COMMUNITY, "priya", "t-kai", "Postgres partial index on tenant listing", "kai")
    for who in ("lena", "priya"):
        assert post(loop, who, "/v1/people/marta/endorsements", {"skill": "Postgres"})["skill"] == "postgresql"

    experts = get(loop, "lena", EXPERTS, q="postgresql partial index for slow tenant listing")["experts"]  # type: ignore[index]
    assert [e["handle"] for e in experts][:2] == ["marta", "kai"]
    kinds = {r["kind"] for r in experts[0]["reasons"]}
    assert {"endorsement", "guide"} <= kinds and "2 endorsements" in experts[0]["explanation"]

    # Evidence only from communities the asker may read: secret-rnd's expert is invisible to lena, visible to otto.
    person(loop, "sam", SECRET)
    answered_thread(loop, SECRET, "otto", "t-sam", "Postgres partial index rollout", "sam")
    assert "sam" not in expert_handles(loop, "lena", "postgres partial index")
    assert expert_handles(loop, "otto", "postgres partial index") == ["sam"]  # platform is members-only

    # Opting out removes a person from every list, and they can come back.
    r = loop.client.patch("/v1/me/expertise", json={"hidden": True}, headers=loop.as_("marta"))
    assert r.status_code == 200 and r.json()["hidden"] is True
    assert "marta" not in expert_handles(loop, "lena", "postgresql partial index")
    loop.client.patch("/v1/me/expertise", json={"hidden": False}, headers=loop.as_("marta"))
    assert expert_handles(loop, "lena", "postgresql partial index")[0] == "marta"


def test_endorsements_are_once_each_never_self_and_only_for_colleagues(make_loop) -> None:
    loop = make_loop()
    post(loop, "lena", "/v1/people/marta/endorsements", {"skill": "k8s"})
    post(loop, "lena", "/v1/people/marta/endorsements", {"skill": "Kubernetes"}, status=409)  # same skill, synonym
    post(loop, "marta", "/v1/people/marta/endorsements", {"skill": "python"}, status=403)
    post(loop, "lena", "/v1/people/otto/endorsements", {"skill": "python"}, status=404)  # shares no community
    post(loop, "lena", "/v1/people/nobody/endorsements", {"skill": "python"}, status=404)
    post(loop, "lena", "/v1/people/marta/endorsements", {"skill": "  "}, status=422)
    me = get(loop, "marta", "/v1/me/expertise")
    assert me["endorsed"] == {"kubernetes": 1}  # type: ignore[index]
    skill = post(loop, "marta", "/v1/me/skills", {"name": "Python3", "kind": "has"})
    assert skill == {"name": "python", "new": True, "merged_from": None}
    names = {s["name"] for s in get(loop, "lena", "/v1/skills")}  # type: ignore[union-attr]
    assert names == {"kubernetes", "python"}


def tandem(loop: Loop, who: str = "priya") -> dict:
    return post(
        loop, who, "/v1/tandems", {"community": COMMUNITY, "junior": "lena", "senior": "marta", "goals": ["Postgres"]}
    )


def test_a_tandem_session_suggests_fitting_tasks_answers_with_citations_and_keeps_a_log(make_loop) -> None:
    loop = make_loop()
    guide = published_guide(loop)
    post(loop, "lena", "/v1/people/marta/endorsements", {"skill": "postgresql"})
    post(loop, "marta", "/v1/me/skills", {"name": "css", "kind": "learning"})
    t = tandem(loop)
    assert t["goals"] == ["postgresql"] and t["junior"] == "lena" and t["senior"] == "marta"
    tasks = f"/v1/communities/{COMMUNITY}/tasks"
    post(loop, "lena", tasks, {"title": "Restyle the login page", "skills": ["css"]})
    index_task = post(
        loop,
        "priya",
        tasks,
        {
            "title": "Add a partial index to the audit log table",
            "description": "Most audit rows are archived.",
            "skills": ["postgres"],
        },
    )

    found = get(loop, "lena", f"/v1/tandems/{t['id']}/suggestions")
    assert found[0]["suggestion_id"] == f"task:{index_task['id']}"  # type: ignore[index]
    assert "postgresql" in found[0]["explanation"] and found[0]["fit"] > found[1]["fit"]  # type: ignore[index]

    taken = post(loop, "lena", f"/v1/tandems/{t['id']}/tasks", {"suggestion_id": found[0]["suggestion_id"]})  # type: ignore[index]
    assert taken["status"] == "taken" and taken["tandem_id"] == t["id"]
    post(loop, "marta", f"/v1/tandems/{t['id']}/tasks", {"suggestion_id": found[0]["suggestion_id"]}, status=409)  # type: ignore[index]
    post(loop, "marta", f"/v1/tandems/{t['id']}/tasks/{taken['id']}/done", status=200)

    answer = post(
        loop,
        "lena",
        f"/v1/tandems/{t['id']}/ask",
        {"question": "Tenant listing is slow and most rows are soft deleted: which index?"},
        status=200,
    )
    assert not answer["nothing_known"] and answer["engine"] == "offline"
    assert f"guide:{guide['id']}" in [c["id"] for c in answer["citations"]] and "[1]" in answer["answer"]
    nothing = post(
        loop,
        "marta",
        f"/v1/tandems/{t['id']}/ask",
        {"question": "How do we renew the TLS certificate for the VPN gateway?"},
        status=200,
    )
    assert nothing["nothing_known"] and nothing["citations"] == []

    view = get(loop, "priya", f"/v1/tandems/{t['id']}")
    assert view["progress"] == {"tasks_taken": 1, "tasks_done": 1, "questions_asked": 2, "guides_produced": 0}  # type: ignore[index]
    kinds = [e["kind"] for e in get(loop, "lena", f"/v1/tandems/{t['id']}/log")]  # type: ignore[union-attr]
    assert kinds == ["question_asked", "question_asked", "task_done", "task_taken", "created"]
    summary = get(loop, "priya", f"/v1/communities/{COMMUNITY}/tandems")
    assert [s["id"] for s in summary] == [t["id"]]  # type: ignore[union-attr]


def test_tandem_permissions(make_loop) -> None:
    loop = make_loop()
    post(loop, "lena", "/v1/tandems", {"community": COMMUNITY, "junior": "lena", "senior": "marta"})  # one of the pair
    person(loop, "kai")
    post(loop, "kai", "/v1/tandems", {"community": COMMUNITY, "junior": "lena", "senior": "priya"}, status=403)
    post(loop, "priya", "/v1/tandems", {"community": COMMUNITY, "junior": "lena", "senior": "marta"}, status=409)
    post(loop, "priya", "/v1/tandems", {"community": COMMUNITY, "junior": "lena", "senior": "lena"}, status=422)
    post(loop, "priya", "/v1/tandems", {"community": COMMUNITY, "junior": "lena", "senior": "otto"}, status=422)
    t = loop.client.get("/v1/me/tandems", headers=loop.as_("marta")).json()[0]
    get(loop, "otto", f"/v1/tandems/{t['id']}", status=404)  # existence not disclosed
    get(loop, "kai", f"/v1/tandems/{t['id']}", status=404)
    get(loop, "priya", f"/v1/tandems/{t['id']}")  # the steward sees it
    post(loop, "priya", f"/v1/tandems/{t['id']}/ask", {"question": "x"}, status=403)  # but does not act for the pair
    get(loop, "lena", f"/v1/communities/{COMMUNITY}/tandems", status=403)
    get(loop, "otto", f"/v1/communities/{COMMUNITY}/tasks", status=403)
    post(loop, "otto", f"/v1/communities/{COMMUNITY}/tasks", {"title": "x"}, status=403)
    post(loop, "lena", f"/v1/tandems/{t['id']}/end", status=200)
    post(loop, "lena", f"/v1/tandems/{t['id']}/ask", {"question": "x"}, status=409)


def test_pair_suggestions_prefer_the_strong_and_free_and_never_repeat_a_senior(make_loop) -> None:
    loop = make_loop()
    person(loop, "kai")
    post(loop, "lena", "/v1/me/skills", {"name": "postgres", "kind": "learning"})
    for who, endorsed in (("lena", "marta"), ("priya", "marta"), ("lena", "kai")):
        post(loop, who, f"/v1/people/{endorsed}/endorsements", {"skill": "postgresql"})
    path = f"/v1/communities/{COMMUNITY}/pair-suggestions"
    pairs = get(loop, "priya", path, junior="lena")
    assert pairs["goals"] == ["postgresql"]  # type: ignore[index]
    assert [s["handle"] for s in pairs["seniors"]] == ["marta", "kai"]  # type: ignore[index]
    post(loop, "priya", "/v1/tandems", {"community": COMMUNITY, "junior": "lena", "senior": "marta"})
    again = get(loop, "lena", path, junior="lena")
    assert [s["handle"] for s in again["seniors"]] == ["kai"]  # type: ignore[index]
    get(loop, "kai", path, junior="lena", status=403)


def test_the_partner_answers_with_the_llm_when_configured_citing_only_what_both_may_read(make_loop) -> None:
    from prompts.fake import FakeLLM

    llm = FakeLLM()  # no scripted reply while the loop runs: follow-ups and guides fall back to the offline engines
    loop = make_loop(llm=llm)
    guide = published_guide(loop)
    person(loop, "sam", SECRET)
    answered_thread(loop, SECRET, "otto", "t-sam", "Soft deleted rows make the tenant listing slow", "sam")
    t = tandem(loop)
    llm.enqueue(
        {
            "sentences": [
                {"text": "Use a partial index where deleted_at is null.", "citations": [f"guide:{guide['id']}"]}
            ]
        }
    )
    asked = len(llm.history)
    answer = post(
        loop,
        "marta",
        f"/v1/tandems/{t['id']}/ask",
        {"question": "Tenant listing is slow, most rows are soft deleted: which index?"},
        status=200,
    )
    assert answer["engine"] == "llm" and not answer["nothing_known"]
    assert answer["answer"] == "Use a partial index where deleted_at is null. [1]"
    assert [c["id"] for c in answer["citations"]] == [f"guide:{guide['id']}"]
    prompt = llm.prompts[asked]
    assert '<source id="guide:' in prompt and "CONCURRENTLY" in prompt
    assert "Soft deleted rows make" not in prompt  # secret-rnd is readable by neither partner


def test_chatham_house_communities_name_no_experts_to_outsiders(make_loop) -> None:
    loop = make_loop()
    published_guide(loop)
    loop.client.patch(
        f"/v1/communities/{COMMUNITY}", json={"visibility": "open", "chatham_house": True}, headers=loop.as_("priya")
    )
    assert expert_handles(loop, "lena", "partial index tenant listing")[0] == "marta"  # inside: named
    assert expert_handles(loop, "otto", "partial index tenant listing") == []  # outside: who said it stays hidden


def test_erasing_a_person_takes_their_skills_endorsements_and_tandems_with_them(make_loop) -> None:
    loop = make_loop()
    post(loop, "marta", "/v1/me/skills", {"name": "postgres"})
    post(loop, "marta", "/v1/people/lena/endorsements", {"skill": "css"})
    post(loop, "lena", "/v1/people/marta/endorsements", {"skill": "postgres"})
    t = tandem(loop)
    post(loop, "lena", f"/v1/tandems/{t['id']}/ask", {"question": "Who owns the audit table?"}, status=200)
    r = loop.client.delete(f"/v1/people/{loop.ids['marta']}?mode=erase", headers=loop.as_("ada"))
    assert r.status_code == 200, r.text
    assert get(loop, "lena", "/v1/me/expertise")["endorsed"] == {}  # type: ignore[index]
    assert get(loop, "lena", "/v1/me/tandems") == []
    get(loop, "priya", f"/v1/tandems/{t['id']}", status=404)
    assert expert_handles(loop, "lena", "postgresql") == []


def test_an_admin_outside_a_confidential_community_sees_none_of_its_tandems(make_loop) -> None:
    loop = make_loop()
    r = loop.client.patch(
        f"/v1/communities/{COMMUNITY}", json={"visibility": "confidential"}, headers=loop.as_("priya")
    )
    assert r.status_code == 200, r.text
    t = tandem(loop)
    post(
        loop,
        "priya",
        f"/v1/communities/{COMMUNITY}/tasks",
        {"title": "Migrate the merger-target billing DB", "description": "project X", "skills": ["postgres"]},
    )
    post(loop, "lena", f"/v1/tandems/{t['id']}/ask", {"question": "How do we vacuum the payroll table?"}, status=200)
    get(loop, "ada", f"/v1/communities/{COMMUNITY}/tasks", status=403)
    get(loop, "ada", f"/v1/communities/{COMMUNITY}/tandems", status=403)
    assert loop.client.get(f"/v1/tandems/{t['id']}/log", headers=loop.as_("ada")).status_code in (403, 404)
    get(loop, "ada", f"/v1/communities/{COMMUNITY}/pair-suggestions", status=403, junior="lena", goals=["postgres"])
    assert get(loop, "priya", f"/v1/communities/{COMMUNITY}/tasks"), "its steward still governs it"


def test_a_member_removed_from_the_community_loses_the_tandems_content(make_loop) -> None:
    loop = make_loop()
    t = tandem(loop)
    post(
        loop,
        "priya",
        f"/v1/communities/{COMMUNITY}/tasks",
        {"title": "Rotate the leaked payroll credentials", "description": "after incident 42", "skills": ["postgres"]},
    )
    r = loop.client.delete(f"/v1/communities/{COMMUNITY}/members/lena", headers=loop.as_("priya"))
    assert r.status_code in (200, 204), r.text
    get(loop, "lena", f"/v1/communities/{COMMUNITY}/tasks", status=403)
    get(loop, "lena", f"/v1/tandems/{t['id']}/suggestions", status=403)
    post(loop, "lena", f"/v1/tandems/{t['id']}/ask", {"question": "What about the credentials?"}, status=403)
    assert get(loop, "marta", f"/v1/tandems/{t['id']}/suggestions") is not None, "her partner, still a member, keeps it"


def test_the_partner_quotes_conversations_only_from_communities_both_belong_to(make_loop) -> None:
    loop = make_loop()
    r = loop.client.patch("/v1/communities/secret-rnd", json={"visibility": "open"}, headers=loop.as_("otto"))
    assert r.status_code == 200, r.text
    person(loop, "vic", "secret-rnd")
    answered_thread(loop, "secret-rnd", "otto", "t-vpn", "Renewing the VPN gateway TLS certificate", "vic")
    t = tandem(loop)
    answer = post(
        loop,
        "lena",
        f"/v1/tandems/{t['id']}/ask",
        {"question": "How do we renew the TLS certificate for the VPN gateway?"},
        status=200,
    )
    assert answer["nothing_known"], "an open community shows non-members its guides, not its conversations"


def test_suggestions_bring_no_conversation_from_a_community_the_pair_does_not_belong_to(make_loop) -> None:
    loop = make_loop()
    loop.client.patch("/v1/communities/secret-rnd", json={"visibility": "open"}, headers=loop.as_("otto"))
    person(loop, "vic", "secret-rnd")
    answered_thread(loop, "secret-rnd", "otto", "t-vpn", "Renewing the VPN gateway TLS certificate", "vic")
    t = tandem(loop)
    post(
        loop,
        "priya",
        f"/v1/communities/{COMMUNITY}/tasks",
        {"title": "Renewing the VPN gateway TLS certificate", "skills": ["postgres"]},
    )
    found = get(loop, "lena", f"/v1/tandems/{t['id']}/suggestions")
    helpful = [h for s in found for h in s["helpful"]]  # type: ignore[union-attr,index]
    assert all(h["kind"] != "thread" or "VPN" not in h["title"] for h in helpful)


def test_a_partner_who_left_does_not_see_the_tandem_listed_but_an_admin_keeps_governing(make_loop) -> None:
    loop = make_loop()
    t = tandem(loop)
    assert loop.client.delete(f"/v1/communities/{COMMUNITY}/members/lena", headers=loop.as_("priya")).status_code in (
        200,
        204,
    )
    assert get(loop, "lena", "/v1/me/tandems") == []
    get(loop, "ada", f"/v1/tandems/{t['id']}")  # an admin governs this (restricted) community's tandems

"""Erasure reaches every derived text and the bytes on disk (issue 14, item 5): after `DELETE /v1/people/{id}
?mode=erase`, neither the SQLite file nor its WAL holds the person's words, and nothing derived quotes them."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import COMMUNITY, Loop
from tests.e2e.test_governance import reply_and_publish
from tests.e2e.test_loop_offline import TERSE, now_iso

TITLE = "Xylophonequark tenant listing is slow"
WORDS = ("Xylophonequark", "Quasarwidget", "Zorblingcraft", "Frobnicatorix")


def lenas_thread() -> list[dict]:
    return [
        {
            "external_id": "q1",
            "thread": "t1",
            "thread_title": TITLE,
            "author": "lena",
            "text": "Listing tenants on Quasarwidget takes 4 seconds; most rows are soft deleted. How do I fix it?",
            "created_at": now_iso(30),
        },
        {
            "external_id": "a1",
            "thread": "t1",
            "parent": "q1",
            "author": "marta",
            "text": TERSE,
            "created_at": now_iso(20),
            "score": 5,
            "accepted": True,
        },
    ]


def files_of(loop: Loop) -> list[Path]:
    data = Path(loop.tacit.settings.data_dir)
    return [p for p in data.rglob("*") if p.is_file()]


def test_erasure_leaves_no_word_of_the_person_in_derived_texts_or_on_disk(database_url: str | None, make_loop) -> None:
    loop = make_loop(database_url=database_url)
    c, lena = loop.client, loop.as_("lena")
    assert (
        c.post(
            f"/v1/communities/{COMMUNITY}/messages", json={"messages": lenas_thread()}, headers=loop.as_("priya")
        ).status_code
        == 202
    )
    loop.settle()
    reply_and_publish(loop)  # marta's guide quotes the thread lena opened
    assert c.post("/v1/me/skills", json={"name": "Zorblingcraft"}, headers=lena).status_code == 201
    task = {"title": "Frobnicatorix migration", "description": "Quasarwidget clean-up", "skills": ["Zorblingcraft"]}
    assert c.post(f"/v1/communities/{COMMUNITY}/tasks", json=task, headers=lena).status_code == 201
    tandem = {"community": COMMUNITY, "junior": "lena", "senior": "marta", "goals": ["postgres"]}
    assert c.post("/v1/tandems", json=tandem, headers=loop.as_("priya")).status_code == 201
    on_sqlite = database_url is None
    before = b"".join(p.read_bytes() for p in files_of(loop))
    assert not on_sqlite or (b"Xylophonequark" in before and b"Zorblingcraft" in before), "the words were on disk"

    erased = c.delete(f"/v1/people/{loop.ids['lena']}", params={"mode": "erase"}, headers=lena)
    assert erased.status_code == 200, erased.text
    loop.settle()

    seen = "\n".join(
        c.get(path, headers=loop.as_(who)).text
        for who in ("marta", "priya", "ada")
        for path in (
            "/v1/me/nudges?include_closed=true",
            "/v1/me/guides",
            "/v1/guides",
            "/v1/skills",
            f"/v1/communities/{COMMUNITY}/tasks",
            f"/v1/communities/{COMMUNITY}/tandems",
            "/v1/audit",
        )
    )
    for word in WORDS:
        assert word not in seen, f"{word} is still shown"
    if not on_sqlite:
        return  # PostgreSQL's files are the server's: rows are vacuumed, the README states the limit
    files = files_of(loop)
    assert any(p.name.endswith(".db") for p in files)
    for path in files:
        content = path.read_bytes()
        for word in WORDS:
            assert word.encode() not in content, f"{word} is still in {path.name}"

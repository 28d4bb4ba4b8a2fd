"""xAPI statements for what happens in Tacit: stable ids (UUID v5 of the event), named or pseudonymous actors."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:tacit:xapi")  # never change: statement ids derive from it
ADL, TINCAN, ACROSSX, AS = (
    "http://adlnet.gov/expapi/verbs/",
    "http://id.tincanapi.com/verb/",
    "https://w3id.org/xapi/acrossx/verbs/",
    "http://activitystrea.ms/schema/1.0/",
)
VERBS = {  # event kind -> (verb IRI, display)
    "asked": (ADL + "asked", "asked"),
    "answered": (ADL + "answered", "answered"),
    "replied": (TINCAN + "replied", "replied"),
    "elaborated": (ADL + "responded", "responded"),  # answered the follow-up question a nudge asked
    "guide_approved": (AS + "approve", "approved"),
    "guide_read": (TINCAN + "viewed", "viewed"),
    "searched": (ACROSSX + "searched", "searched"),
    "rated": (TINCAN + "rated", "rated"),
    "endorsed": (TINCAN + "rated", "rated"),  # vouching for a colleague's skill rates it
    "tandem_session": (ADL + "attended", "attended"),
    "task_completed": (ADL + "completed", "completed"),
}
VOIDED = (ADL + "voided", "voided")


@dataclass(frozen=True)
class Activity:
    type: str  # the activity type IRI
    written: bool  # its name is text people wrote (a title), which may name or quote someone


ACTIVITIES = {
    "question": Activity("http://id.tincanapi.com/activitytype/forum-reply", written=True),
    "thread": Activity("http://id.tincanapi.com/activitytype/discussion", written=True),
    "guide": Activity("http://id.tincanapi.com/activitytype/resource", written=True),
    "task": Activity("http://adlnet.gov/expapi/activities/task", written=True),
    "search": Activity("http://id.tincanapi.com/activitytype/search-engine", written=False),
    "skill": Activity("http://id.tincanapi.com/activitytype/skill", written=False),  # the skills vocabulary
    "tandem": Activity("http://id.tincanapi.com/activitytype/meeting", written=False),
    "community": Activity("http://id.tincanapi.com/activitytype/community-site", written=False),
}


class Carries(StrEnum):
    """What an extension's value is, which decides whether it may leave a Chatham House community as it is."""

    FACT = "fact"  # a flag, a count or a word of Tacit's own vocabulary (a gap, a tandem activity)
    REF = "ref"  # the opaque Tacit id of a thing, never of a person
    PERSON = "person"  # the Tacit id of another person


EXTENSIONS = {
    "message": Carries.REF,
    "accepted": Carries.FACT,
    "gap": Carries.FACT,
    "results": Carries.FACT,
    "tandem": Carries.REF,
    "activity": Carries.FACT,
    "endorsed_person": Carries.PERSON,
}
# One event seen from every community the people share: sent under a pseudonym it would be the twin (same time,
# same object) of the named statement another community sends, and would tell who is behind the pseudonym.
SHARED_KINDS = frozenset({"endorsed"})


@dataclass(frozen=True)
class Event:
    """Something a person did, keyed by what it was (the same event always gives the same statement id)."""

    kind: str  # a key of VERBS
    key: str  # unique per kind, e.g. the message id
    person_id: str
    person_name: str
    community_id: str
    at: datetime
    object_type: str  # a key of ACTIVITIES
    object_id: str  # Tacit's id of the object
    object_name: str = ""
    extensions: dict[str, Any] = field(default_factory=dict)  # keys of EXTENSIONS
    success: bool | None = None  # rated: helpful or not


@dataclass(frozen=True)
class Vocabulary:
    """How statements name things: IRIs under Tacit's public URL; people under pseudonyms keyed by a secret."""

    base: str  # e.g. https://tacit.example.org
    pseudonym_key: bytes = field(repr=False)  # never sent: without it a pseudonym cannot be traced to a person

    def __post_init__(self) -> None:
        if len(self.pseudonym_key) < 16:
            raise ValueError("the xAPI pseudonym key must hold at least 16 bytes: a short key can be guessed")

    def activity(self, kind: str, object_id: str) -> str:
        if kind == "guide":
            return f"{self.base}/guides/{object_id}"
        return f"{self.base}/xapi/activities/{kind}/{object_id}"

    def extension(self, name: str) -> str:
        return f"{self.base}/xapi/extensions/{name}"

    @property
    def home_page(self) -> str:
        return self.base

    def pseudonym(self, community_id: str, person_id: str) -> str:
        """A stable id for a person within one Chatham House community (another community: another pseudonym).

        Keyed (HMAC-SHA256): Tacit ids are sent by named communities to the same LRS, so an unkeyed hash of one
        could be recomputed there and would name the person."""
        digest = hmac.new(self.pseudonym_key, f"{community_id}\x1f{person_id}".encode(), hashlib.sha256).digest()
        return str(uuid.UUID(bytes=digest[:16], version=4))


def statement_id(kind: str, key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


# -- what a statement may carry: decided here, for every kind of event ---------------------------------------------
def sendable(event: Event, named: bool) -> bool:
    """Whether the event makes a statement at all: where people are not named, shared events stay home."""
    return named or event.kind not in SHARED_KINDS


def actor(event: Event, words: Vocabulary, named: bool) -> dict[str, Any]:
    if not named:
        return {
            "objectType": "Agent",
            "account": {
                "homePage": f"{words.home_page}/pseudonyms",
                "name": words.pseudonym(event.community_id, event.person_id),
            },
        }
    agent: dict[str, Any] = {"objectType": "Agent", "account": {"homePage": words.home_page, "name": event.person_id}}
    if event.person_name.strip():
        agent["name"] = event.person_name.strip()[:200]
    return agent


def definition(event: Event, named: bool) -> dict[str, Any]:
    """The object's type, and its name unless people are not named and the name is their writing (a title)."""
    activity = ACTIVITIES[event.object_type]
    carried: dict[str, Any] = {"type": activity.type}
    if event.object_name.strip() and (named or not activity.written):
        carried["name"] = {"en-US": event.object_name.strip()[:300]}
    return carried


def extensions(event: Event, words: Vocabulary, named: bool) -> dict[str, Any]:
    """The community and the event's declared extensions; another person is a pseudonym where people are not named.
    An extension not declared in EXTENSIONS is refused: a new one must say what it carries."""
    undeclared = sorted(set(event.extensions) - set(EXTENSIONS))
    if undeclared:
        raise ValueError(f"xAPI extensions not declared in EXTENSIONS: {undeclared}")
    carried = {words.extension("community"): event.community_id}
    for name, value in event.extensions.items():
        if EXTENSIONS[name] is Carries.PERSON and not named:
            value = words.pseudonym(event.community_id, str(value))
        carried[words.extension(name)] = value
    return carried


def statement(event: Event, words: Vocabulary, named: bool) -> dict[str, Any]:
    """One xAPI 1.0.3 statement; its id is the UUID v5 of the event, so a retry resends the very same statement.
    `named`: False in a Chatham House community (pseudonymous actors, no titles, no shared events)."""
    if not sendable(event, named):
        raise ValueError(f"a {event.kind!r} event is not sent where people are not named")
    verb_iri, display = VERBS[event.kind]
    body: dict[str, Any] = {
        "id": statement_id(event.kind, event.key),
        "actor": actor(event, words, named),
        "verb": {"id": verb_iri, "display": {"en-US": display}},
        "object": {
            "objectType": "Activity",
            "id": words.activity(event.object_type, event.object_id),
            "definition": definition(event, named),
        },
        "context": {
            "platform": "Tacit",
            "contextActivities": {
                "grouping": [
                    {
                        "objectType": "Activity",
                        "id": words.activity("community", event.community_id),
                        "definition": {"type": ACTIVITIES["community"].type},
                    }
                ]
            },
            "extensions": extensions(event, words, named),
        },
        "timestamp": timestamp(event.at, named),
        "version": "1.0.3",
    }
    if event.success is not None:
        body["result"] = {"success": event.success}
    return body


def timestamp(at: datetime, named: bool) -> str:
    """When it happened; only the day where people are not named: the exact second of a post, matched against the
    platform's own record, would tell who is behind a pseudonym."""
    return (at if named else at.replace(hour=0, minute=0, second=0, microsecond=0)).isoformat()


def voiding(target_id: str, words: Vocabulary, at: datetime) -> dict[str, Any]:
    """The statement that voids another (the erased person's): sent by Tacit itself, naming nobody."""
    return {
        "id": statement_id("void", target_id),
        "actor": {"objectType": "Agent", "name": "Tacit", "account": {"homePage": words.home_page, "name": "tacit"}},
        "verb": {"id": VOIDED[0], "display": {"en-US": VOIDED[1]}},
        "object": {"objectType": "StatementRef", "id": target_id},
        "timestamp": at.isoformat(),
        "version": "1.0.3",
    }

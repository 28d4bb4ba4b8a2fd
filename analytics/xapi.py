"""xAPI statements for what happens in Tacit: stable ids (UUID v5 of the event), named or pseudonymous actors."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
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
PERSON_EXTENSIONS = frozenset({"endorsed_person"})
ACTIVITY_TYPES = {
    "question": "http://id.tincanapi.com/activitytype/forum-reply",
    "thread": "http://id.tincanapi.com/activitytype/discussion",
    "guide": "http://id.tincanapi.com/activitytype/resource",
    "search": "http://id.tincanapi.com/activitytype/search-engine",
    "skill": "http://id.tincanapi.com/activitytype/skill",
    "tandem": "http://id.tincanapi.com/activitytype/meeting",
    "task": "http://adlnet.gov/expapi/activities/task",
    "community": "http://id.tincanapi.com/activitytype/community-site",
}


@dataclass(frozen=True)
class Event:
    """Something a person did, keyed by what it was (the same event always gives the same statement id)."""

    kind: str  # a key of VERBS
    key: str  # unique per kind, e.g. the message id
    person_id: str
    person_name: str
    community_id: str
    at: datetime
    object_type: str  # a key of ACTIVITY_TYPES
    object_id: str  # Tacit's id of the object
    object_name: str = ""
    extensions: dict[str, Any] = field(default_factory=dict)
    success: bool | None = None  # rated: helpful or not


@dataclass(frozen=True)
class Vocabulary:
    """Where IRIs point: Tacit's public URL."""

    base: str  # e.g. https://tacit.example.org

    def activity(self, kind: str, object_id: str) -> str:
        if kind == "guide":
            return f"{self.base}/guides/{object_id}"
        return f"{self.base}/xapi/activities/{kind}/{object_id}"

    def extension(self, name: str) -> str:
        return f"{self.base}/xapi/extensions/{name}"

    @property
    def home_page(self) -> str:
        return self.base


def statement_id(kind: str, key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def pseudonym(community_id: str, person_id: str) -> str:
    """A stable id for a person within a Chatham House community; reveals neither name nor Tacit id."""
    return str(uuid.uuid5(NAMESPACE, f"pseudonym:{community_id}:{person_id}"))


def actor(event: Event, words: Vocabulary, named: bool) -> dict[str, Any]:
    if not named:
        return {
            "objectType": "Agent",
            "account": {
                "homePage": f"{words.home_page}/pseudonyms",
                "name": pseudonym(event.community_id, event.person_id),
            },
        }
    agent: dict[str, Any] = {"objectType": "Agent", "account": {"homePage": words.home_page, "name": event.person_id}}
    if event.person_name.strip():
        agent["name"] = event.person_name.strip()[:200]
    return agent


def statement(event: Event, words: Vocabulary, named: bool) -> dict[str, Any]:
    """One xAPI 1.0.3 statement; its id is the UUID v5 of the event, so a retry resends the very same statement."""
    verb_iri, display = VERBS[event.kind]
    definition: dict[str, Any] = {"type": ACTIVITY_TYPES[event.object_type]}
    if event.object_name.strip():
        definition["name"] = {"en-US": event.object_name.strip()[:300]}
    extensions = {words.extension("community"): event.community_id}
    for name, value in event.extensions.items():
        if name in PERSON_EXTENSIONS and not named:
            value = pseudonym(event.community_id, str(value))  # another person: never named either
        extensions[words.extension(name)] = value
    body: dict[str, Any] = {
        "id": statement_id(event.kind, event.key),
        "actor": actor(event, words, named),
        "verb": {"id": verb_iri, "display": {"en-US": display}},
        "object": {
            "objectType": "Activity",
            "id": words.activity(event.object_type, event.object_id),
            "definition": definition,
        },
        "context": {
            "platform": "Tacit",
            "contextActivities": {
                "grouping": [
                    {
                        "objectType": "Activity",
                        "id": words.activity("community", event.community_id),
                        "definition": {"type": ACTIVITY_TYPES["community"]},
                    }
                ]
            },
            "extensions": extensions,
        },
        "timestamp": event.at.isoformat(),
        "version": "1.0.3",
    }
    if event.success is not None:
        body["result"] = {"success": event.success}
    return body


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

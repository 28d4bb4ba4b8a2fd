"""Learning from outcomes: each community's labels adapt its own terse detector, and a new community starts cautious.

A label is an outcome already stored (store/repositories/outcomes.py): a steward's mark, a "my answer was complete"
decline, a reply that reached a guide. When one arrives, the recalibrate_detector job (workflow/job_types.py)
recomputes the labelled answers' features from the stored message and thread, adapts the shipped model to them
(elicitor/community_model.py: recalibrated below REFIT_FROM labels, refitted from there) and stores it.
Assessment then scores the community's answers with that model, and holds back all but the most confident ones
while the community has few labels.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import lru_cache

from elicitor.community_model import Calibration, Method, adapt, gate, label_key, parse_stored
from elicitor.detect import TerseDetector, ineligible_reason
from elicitor.terse_model import TerseModel
from store.errors import DuplicateKey
from store.records import CommunityModelRecord, OutcomeLabelRecord
from store.uow import UnitOfWork
from workflow.access import require_steward, viewer_of
from workflow.job_types import RecalibrateDetector, defer
from workflow.services import Services

log = logging.getLogger("tacit.outcomes")
MAX_ATTEMPTS = 3  # labels that keep arriving while the model is fitted: the next job takes them
RECENT_ANSWERS = 500  # the latest assessed answers whose scores set a new community's cold-start cut
# They are read again at most this often per community and process: the query sorts the community's assessments,
# which an archive import would otherwise pay for every answer it brings.
RECENT_TTL_S = 60.0


@lru_cache(maxsize=1)
def shipped_model() -> TerseModel:
    """The model Tacit ships (elicitor/models/terse.json): what every community starts from."""
    return TerseModel.load()


@dataclass(frozen=True)
class DetectorStatus:
    """What a steward sees: how many labels the community has, and which model scores its answers."""

    labels: int  # outcome labels stored now
    labels_used: int  # labels the community's model learned from (answers the rules rule out are not used)
    model: str  # shipped | recalibrated | refitted
    cold_start_gate: float | None  # the stricter score a candidate needs while labels are few; None: no gate


def queue_recalibration(services: Services, uow: UnitOfWork, community_id: str) -> None:
    """A label was stored in this unit of work: recalibrate the community's detector once it is committed."""
    uow.after_commit(lambda: defer(services.runner, RecalibrateDetector(community_id)))


def recalibrate_detector(services: Services, *, community_id: str) -> CommunityModelRecord | None:
    """Job: adapt the community's detector to its labels and store it; nothing to do when no label is new.

    Features are computed outside any transaction; the model is written only if the labels are still the ones it
    was fitted on (under the community's lock), so two jobs at once end with one model of one set of labels.
    """
    for _ in range(MAX_ATTEMPTS):
        with services.uow() as uow:
            if uow.communities.get(community_id) is None:
                return None
            labels = uow.outcomes.labels(community_id)
            key = label_key([(label.message_id, label.terse) for label in labels])
            stored = uow.outcomes.model_of(community_id)
            if stored is not None and stored.label_key == key:
                return stored
            inputs = _inputs(uow, community_id, labels)
        adapted = adapt(shipped_model(), [f for f, _ in inputs], [t for _, t in inputs])
        try:
            with services.uow() as uow:
                uow.outcomes.lock(community_id)
                now = uow.outcomes.labels(community_id)
                if label_key([(label.message_id, label.terse) for label in now]) != key:
                    continue  # labels arrived meanwhile: fit again on what is there now
                stored = uow.outcomes.model_of(community_id)
                if stored is None or stored.label_key != key:
                    uow.outcomes.save_model(
                        community_id,
                        model=adapted.model.to_json(),
                        method=adapted.method.value,
                        labels=adapted.labels,
                        label_key=key,
                    )
                record = uow.outcomes.model_of(community_id)
        except DuplicateKey:
            continue  # another job stored the first model at the same moment: compare with it
        log.info(
            "detector community=%s model=%s labels=%d of %d", community_id, adapted.method, adapted.labels, len(labels)
        )
        return record
    log.warning("detector community=%s: labels kept changing; the next job recalibrates", community_id)
    return None


def stale_detectors(services: Services) -> list[str]:
    """Communities whose labels are not the ones their stored model learned from: a recalibration lost between
    commit and queue, or labels changed without one (a guide rejected, a person erased)."""
    stale = []
    with services.uow() as uow:
        for community in uow.communities.all():
            labels = uow.outcomes.labels(community.id)
            stored = uow.outcomes.model_of(community.id)
            key = label_key([(label.message_id, label.terse) for label in labels])
            if (labels or stored is not None) and (stored is None or stored.label_key != key):
                stale.append(community.id)
    return stale


def _inputs(
    uow: UnitOfWork, community_id: str, labels: list[OutcomeLabelRecord]
) -> list[tuple[dict[str, float], bool]]:
    """Each label's features, recomputed from the stored message and thread as the detector computes them;
    answers the rules rule out (they always score 0) and answers gone or held are left out."""
    detector = TerseDetector(model=shipped_model())
    out = []
    for label in labels:
        try:
            thread = uow.messages.load_thread(label.thread_id)
        except KeyError:
            continue
        answer = thread.by_id(label.message_id)
        if answer is None or ineligible_reason(thread, answer):
            continue
        standing = uow.messages.standing(community_id, answer.author_id)
        out.append((dict(detector.assess(thread, answer, standing).features), label.terse))
    return out


def calibration_for(services: Services, uow: UnitOfWork, community_id: str, threshold: float) -> Calibration:
    """The model that scores the community's answers (its own when it has a usable one, else the shipped one) and
    its cold-start gate, for assessing its answers.

    A stored model that cannot be used (malformed, hostile, or built for other features) is ignored with a logged
    reason: the shipped model scores, and the community counts as having no labels yet.
    """
    shipped = shipped_model()
    model, method, labels = shipped, Method.SHIPPED, 0
    stored = uow.outcomes.model_of(community_id)
    if stored is not None:
        parsed, reason = parse_stored(stored.model, shipped)
        if parsed is None:
            log.warning(
                "detector community=%s: stored model not used (%s); the shipped one scores", community_id, reason
            )
        else:
            model, method, labels = parsed, _method(stored.method), stored.labels
    cold = None
    if labels < services.cold_start_labels:  # still cold: read the community's recent scores
        cold = gate(model, _recent(services, uow, community_id), threshold, labels, services.cold_start_labels)
    return Calibration(model, cold, method, labels)


def _recent(services: Services, uow: UnitOfWork, community_id: str) -> list[tuple[float, dict]]:
    """The community's latest assessed answers (score, features), cached on the services for RECENT_TTL_S."""
    now = time.monotonic()
    cached = services.recent_scores.get(community_id)
    if cached is not None and now - cached[0] < RECENT_TTL_S:
        return cached[1]
    assessed = uow.assessments.recent_scores(community_id, RECENT_ANSWERS)
    services.recent_scores[community_id] = (now, assessed)
    return assessed


def _method(name: str) -> Method:
    try:
        return Method(name)
    except ValueError:
        return Method.RECALIBRATED  # an unknown name on a model that passed its checks: it is still the community's


def detector_status(services: Services, *, actor_id: str, community_id: str) -> DetectorStatus:
    """Stewards only: the label count and the model in use."""
    with services.uow() as uow:
        community = require_steward(uow, viewer_of(uow, actor_id), community_id)
        threshold = community.terse_threshold or services.terse_threshold
        calibration = calibration_for(services, uow, community_id, threshold)
        labels = len(uow.outcomes.labels(community_id))
    return DetectorStatus(labels, calibration.labels, calibration.method.value, calibration.gate)

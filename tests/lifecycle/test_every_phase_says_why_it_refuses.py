"""The lifecycle's one table: every phase follows from the facts, and every change a phase refuses
is refused with a Chinese sentence that says why and what to do instead."""
import pytest

from contest.errors import Conflict
from contest.events import lifecycle
from contest.events.lifecycle import ACTIONS, PHASES, Phase, phase_of, refusal, require


@pytest.mark.parametrize(("facts", "phase"), [
    (("draft", False, False, False, False, False), "draft"),
    (("registration", False, False, False, False, False), "registration"),
    (("running", False, False, False, False, False), "draw"),
    (("running", True, False, False, False, False), "scoring"),
    (("review", True, True, False, False, False), "signoff"),
    (("published", True, True, True, False, False), "notice"),
    (("closed", True, True, True, True, False), "final"),
])
def test_the_phase_follows_from_the_facts(facts, phase):
    assert phase_of(*facts) == Phase(phase)


def test_an_open_correction_keeps_the_published_phase_and_says_where_it_stands():
    assert phase_of("closed", True, False, True, True, True) == Phase("final", inner="scoring")
    assert phase_of("published", True, True, True, False, True) == Phase("notice", inner="signoff")


def test_every_refusal_is_a_sentence_with_a_reason():
    phases = [Phase(key) for key in PHASES] + [Phase(key, inner) for key in ("notice", "final")
                                              for inner in ("scoring", "signoff")]
    for phase in phases:
        for action in ACTIONS:
            message = refusal(phase, action)
            if message is None:
                continue
            assert message.endswith("。") and "，不能" in message or message.startswith(("更正进行中", "没有")), message
            assert ACTIONS[action].label in message or action == "correction.issue", message
            with pytest.raises(Conflict) as refused:
                require(phase, action)
            assert refused.value.message == message


def test_after_finalisation_only_a_correction_opens_changes():
    final = Phase("final")
    for action in ("scheme.correct", "entry.disqualify", "entry.edit", "title.edit", "signoff.withdraw"):
        assert lifecycle.CORRECTION_ADVICE in refusal(final, action)
    assert refusal(final, "correction.open") is None
    assert refusal(final, "draw").startswith("成绩已是最终成绩，不能抽签")
    correcting = Phase("final", inner="signoff")
    assert refusal(correcting, "entry.edit") is None  # a name corrected needs no new marks
    assert "撤回签字确认" in refusal(correcting, "entry.disqualify")  # results move: sign-off first
    assert refusal(Phase("final", inner="scoring"), "entry.disqualify") is None
    assert refusal(correcting, "certificates.issue").startswith("更正进行中")
    assert refusal(correcting, "correction.issue") is None


def test_the_draw_is_final_once_scoring_has_begun():
    assert refusal(Phase("draw"), "draw") is None
    assert "不能重新抽签" in refusal(Phase("scoring"), "draw")

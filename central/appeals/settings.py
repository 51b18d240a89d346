"""The appeal registry's knobs; light to import, so the CLI and config need no web stack."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AppealSettings:
    no_answer_asks: int = 3
    """How many times a "no answer" to "are you satisfied?" is asked again before it stands."""
    repeat_similarity: float = 0.8
    """Text similarity (0-1) above which an appeal from the same contact is proposed as a repeat."""
    repeat_answered: int = 2
    """A repeat may be rejected once the same question was answered this many times."""
    followup_after_days: int = 3
    """Working days after the answer to a complaint (and between asks) before central asks the visitor
    "are you satisfied?" by SMS or e-mail (central.appeals.followup)."""

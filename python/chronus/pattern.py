"""Step patterns: drum-machine strings that become note events in beats.

A pattern is a string of steps, one character each (spaces and ``|`` are ignored, so bars
can be marked)::

    X   accented hit            x   hit              o   soft (ghost) hit
    1-9 hit at velocity n/9     .   rest             _   tie: the previous note holds on
    ?   after a hit: it plays with probability 1/2 (or the pattern's ``probability``)

>>> p = Pattern("X..x ..x. X.x. x?.._", note=36, swing=0.55)
>>> len(p), p.beats
(16, 4.0)
>>> [round(n.beat, 3) for n in p.notes()][:3]
[0.0, 0.775, 1.5]

Patterns chain with ``+`` and repeat with ``*``; each pattern played on its own track loops
with its own length, so patterns of different lengths make polymeter.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Note:
    """A note in beats: MIDI ``pitch``, start ``beat``, ``length`` in beats, ``velocity`` in
    (0, 1], MIDI ``channel``, and the ``probability`` that it plays each time round."""

    pitch: int
    beat: float
    length: float
    velocity: float = 0.8
    channel: int = 0
    probability: float = 1.0


@dataclass(frozen=True)
class _Step:
    velocity: float  # 0 for a rest
    probability: float
    tie: bool = False


class Pattern:
    """A step pattern for one note (a drum voice, a repeated pitch).

    Args:
        steps: the step string (see the module documentation).
        note: MIDI note number the hits play.
        steps_per_beat: step rate (4 = sixteenth notes at one beat per quarter note).
        swing: share of each pair of steps taken by the first, 0.5 (straight) to 0.75;
            0.55 is "55% swing", pushing every second step later.
        accent, velocity, soft: velocities of ``X``, ``x`` and ``o``.
        probability: chance that a ``?`` step plays (plain steps always play).
        gate: note length as a fraction of a step (ties add whole steps).
        channel: MIDI channel of the notes.
    """

    def __init__(
        self,
        steps: str,
        *,
        note: int = 36,
        steps_per_beat: int = 4,
        swing: float = 0.5,
        accent: float = 1.0,
        velocity: float = 0.7,
        soft: float = 0.35,
        probability: float = 0.5,
        gate: float = 0.5,
        channel: int = 0,
    ) -> None:
        if not 0 <= note <= 127:
            raise ValueError(f"note must be a MIDI note number 0..127, got {note}")
        if steps_per_beat < 1:
            raise ValueError(f"steps_per_beat must be >= 1, got {steps_per_beat}")
        if not 0.5 <= swing <= 0.75:
            raise ValueError(f"swing must be between 0.5 (straight) and 0.75, got {swing}")
        if not 0 < gate <= 1:
            raise ValueError(f"gate must be in (0, 1] of a step, got {gate}")
        for name, v in (("accent", accent), ("velocity", velocity), ("soft", soft)):
            if not 0 < v <= 1:
                raise ValueError(f"{name} must be in (0, 1], got {v}")
        if not 0 <= probability <= 1:
            raise ValueError(f"probability must be in [0, 1], got {probability}")
        self.note, self.steps_per_beat, self.swing = note, steps_per_beat, swing
        self.gate, self.channel = gate, channel
        self._levels = (accent, velocity, soft, probability)
        self._steps = _parse(steps, *self._levels)
        self.text = steps

    def with_steps(self, steps: str) -> Pattern:
        """Other steps with this pattern's note, step rate, swing, gate and velocities."""
        p = Pattern._from_steps(self, _parse(steps, *self._levels))
        p.text = steps
        return p

    @classmethod
    def _from_steps(cls, template: Pattern, steps: list[_Step]) -> Pattern:
        p = cls.__new__(cls)
        p.__dict__.update(template.__dict__)
        p._steps = steps
        p.text = "".join("x" if s.velocity else "_" if s.tie else "." for s in steps)
        return p

    def __len__(self) -> int:
        return len(self._steps)

    @property
    def beats(self) -> float:
        """Length in beats."""
        return len(self._steps) / self.steps_per_beat

    def __add__(self, other: Pattern) -> Pattern:
        """This pattern, then ``other`` (same step rate)."""
        if not isinstance(other, Pattern):
            return NotImplemented
        if other.steps_per_beat != self.steps_per_beat or other.note != self.note:
            raise ValueError("chained patterns need the same note and steps_per_beat")
        return Pattern._from_steps(self, self._steps + other._steps)

    def __mul__(self, times: int) -> Pattern:
        """This pattern ``times`` times in a row."""
        if not isinstance(times, int) or times < 1:
            raise ValueError(f"a pattern repeats a whole number of times >= 1, not {times!r}")
        return Pattern._from_steps(self, self._steps * times)

    def step_beat(self, i: int) -> float:
        """Where step ``i`` starts, in beats, with swing applied to every second step."""
        pair, second = divmod(i, 2)
        return (2 * pair + (2 * self.swing if second else 0.0)) / self.steps_per_beat

    def notes(self) -> tuple[Note, ...]:
        """The pattern's notes, one loop's worth."""
        out = []
        step_len = 1 / self.steps_per_beat
        for i, step in enumerate(self._steps):
            if not step.velocity:
                continue
            ties = 0
            while i + ties + 1 < len(self._steps) and self._steps[i + ties + 1].tie:
                ties += 1
            length = (ties + self.gate) * step_len
            out.append(
                Note(self.note, self.step_beat(i), length, step.velocity, self.channel, step.probability)
            )
        return tuple(out)

    def with_note(self, note: int) -> Pattern:
        """The same steps on another note."""
        if not 0 <= note <= 127:
            raise ValueError(f"note must be a MIDI note number 0..127, got {note}")
        p = Pattern._from_steps(self, list(self._steps))
        p.note = note
        return p

    def __repr__(self) -> str:
        return (
            f"Pattern({self.text!r}, note={self.note}, steps_per_beat={self.steps_per_beat}, "
            f"swing={self.swing})"
        )


def _parse(text: str, accent: float, velocity: float, soft: float, probability: float) -> list[_Step]:
    steps: list[_Step] = []
    for pos, ch in enumerate(text):
        if ch in " |\t\n":
            continue
        if ch == "?":
            if not steps or not steps[-1].velocity:
                raise ValueError(f"pattern {text!r}: '?' at position {pos} must follow a hit")
            steps[-1] = replace(steps[-1], probability=probability)
        elif ch == ".":
            steps.append(_Step(0.0, 1.0))
        elif ch == "_":
            if not steps:
                raise ValueError(f"pattern {text!r}: a tie '_' cannot start the pattern")
            steps.append(_Step(0.0, 1.0, tie=True))
        elif ch in "Xxo":
            steps.append(_Step({"X": accent, "x": velocity, "o": soft}[ch], 1.0))
        elif ch.isdigit() and ch != "0":
            steps.append(_Step(int(ch) / 9, 1.0))
        else:
            raise ValueError(
                f"pattern {text!r}: unknown step {ch!r} at position {pos} (use X x o 1-9 . _ ? | and spaces)"
            )
    if not steps:
        raise ValueError(f"pattern {text!r} has no steps")
    return steps

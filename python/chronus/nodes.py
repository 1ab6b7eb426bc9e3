"""Node classes and builders, generated from the engine's node specs: do not edit.

Written by ``scripts/generate_nodes.py`` from ``chronus._core.node_specs()`` (the Rust
``NodeSpec`` of every kind); ``tests/test_surface.py`` fails when it is out of date. Each
kind has a class whose parameters are attributes (``lowpass.cutoff`` is a
:class:`~chronus.signal.Param`; assigning a number or a signal sets it) and a builder
method on :class:`chronus.Graph`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Literal, TypeVar

from .signal import FeedbackMixin, Node, OutputSlot, ParamSlot, ParamValue, PlayedMixin, Signal, VoicesMixin

N = TypeVar("N", bound=Node)


def _switch(on: bool) -> str:
    return "on" if on else "off"


class Sine(Node):
    """Sine oscillator, sin(2 pi phase), from a 4096-point table (error under -120 dB).

    Parameters (numbers, one number per lane, or signals):
        freq: Frequency; negative values run the cycle backwards (through-zero FM).
            [-100000.0 .. 100000.0 Hz, default 440.0]

    Options (fixed once built):
        phase: Starting phase in cycles. [0 .. 1, default 0]
    """

    kind: ClassVar[str] = "sine"
    freq = ParamSlot("freq", 0)


class Saw(Node):
    """Band-limited rising sawtooth from -1 to 1 (mip-mapped wavetable, no aliasing).

    Parameters (numbers, one number per lane, or signals):
        freq: Frequency; negative values run the cycle backwards (through-zero FM).
            [-100000.0 .. 100000.0 Hz, default 440.0]

    Options (fixed once built):
        phase: Starting phase in cycles. [0 .. 1, default 0]
    """

    kind: ClassVar[str] = "saw"
    freq = ParamSlot("freq", 0)


class Square(Node):
    """Band-limited square, +1 on the first half of the cycle and -1 on the second.

    Parameters (numbers, one number per lane, or signals):
        freq: Frequency; negative values run the cycle backwards (through-zero FM).
            [-100000.0 .. 100000.0 Hz, default 440.0]

    Options (fixed once built):
        phase: Starting phase in cycles. [0 .. 1, default 0]
    """

    kind: ClassVar[str] = "square"
    freq = ParamSlot("freq", 0)


class Pulse(Node):
    """Band-limited pulse, +1 for `width` of the cycle and -1 for the rest (difference of two
    band-limited saws, so width can be modulated freely).

    Parameters (numbers, one number per lane, or signals):
        freq: Frequency; negative values run the cycle backwards (through-zero FM).
            [-100000.0 .. 100000.0 Hz, default 440.0]
        width: Fraction of the cycle spent high (0.5 is a square). [0.0 .. 1.0, default
            0.5]

    Options (fixed once built):
        phase: Starting phase in cycles. [0 .. 1, default 0]
    """

    kind: ClassVar[str] = "pulse"
    freq = ParamSlot("freq", 0)
    width = ParamSlot("width", 1)


class Triangle(Node):
    """Band-limited triangle rising from 0 at phase 0 to 1 at phase 1/4.

    Parameters (numbers, one number per lane, or signals):
        freq: Frequency; negative values run the cycle backwards (through-zero FM).
            [-100000.0 .. 100000.0 Hz, default 440.0]

    Options (fixed once built):
        phase: Starting phase in cycles. [0 .. 1, default 0]
    """

    kind: ClassVar[str] = "triangle"
    freq = ParamSlot("freq", 0)


class Noise(Node):
    """Noise. White: uniform in [-1, 1) (-4.8 dBFS RMS). Pink: white through a cascade of
    first-order sections with poles every half decade from 1 Hz, -3.01 dB per octave within
    0.4 dB from 20 Hz to 10 kHz at 48 kHz, scaled to -12 dBFS RMS.

    Options (fixed once built):
        color: Spectrum. One of 'white', 'pink' (default 'white').
        seed: Seed; lane n uses seed + n. The same seed gives the same noise. [0 ..
            4294967295, default 0]
        channels: Independent noise channels (lanes). [1 .. 1024, default 1]
    """

    kind: ClassVar[str] = "noise"


class Const(Node):
    """A constant signal (one value per lane); changes glide like any parameter.

    Parameters (numbers, one number per lane, or signals):
        value: Output value. [-1000000000.0 .. 1000000000.0, default 0.0]
    """

    kind: ClassVar[str] = "const"
    value = ParamSlot("value", 0)


class Muladd(Node):
    """Scale and offset: out = in * mul + add (gain, inversion, bias, range mapping).

    Inputs: ``input``.

    Parameters (numbers, one number per lane, or signals):
        mul: Factor. [-1000000000.0 .. 1000000000.0, default 1.0]
        add: Offset. [-1000000000.0 .. 1000000000.0, default 0.0]
    """

    kind: ClassVar[str] = "muladd"
    mul = ParamSlot("mul", 0)
    add = ParamSlot("add", 1)


class Mul(Node):
    """Product of two signals (ring modulation, VCA).

    Inputs: ``a``, ``b``.
    """

    kind: ClassVar[str] = "mul"


class Mixer(Node):
    """Mixes up to eight inputs, each with its own linear gain, then applies a master gain.

    Inputs: ``in1``, ``in2``, ``in3``, ``in4``, ``in5``, ``in6``, ``in7``, ``in8``.

    Parameters (numbers, one number per lane, or signals):
        gain1: Linear gain of this input. [-1000.0 .. 1000.0, default 1.0]
        gain2: Linear gain of this input. [-1000.0 .. 1000.0, default 1.0]
        gain3: Linear gain of this input. [-1000.0 .. 1000.0, default 1.0]
        gain4: Linear gain of this input. [-1000.0 .. 1000.0, default 1.0]
        gain5: Linear gain of this input. [-1000.0 .. 1000.0, default 1.0]
        gain6: Linear gain of this input. [-1000.0 .. 1000.0, default 1.0]
        gain7: Linear gain of this input. [-1000.0 .. 1000.0, default 1.0]
        gain8: Linear gain of this input. [-1000.0 .. 1000.0, default 1.0]
        gain: Master gain. [-1000.0 .. 1000.0, default 1.0]
    """

    kind: ClassVar[str] = "mixer"
    gain1 = ParamSlot("gain1", 0)
    gain2 = ParamSlot("gain2", 1)
    gain3 = ParamSlot("gain3", 2)
    gain4 = ParamSlot("gain4", 3)
    gain5 = ParamSlot("gain5", 4)
    gain6 = ParamSlot("gain6", 5)
    gain7 = ParamSlot("gain7", 6)
    gain8 = ParamSlot("gain8", 7)
    gain = ParamSlot("gain", 8)


class Sum(Node):
    """Sums the channels of its input down to `channels` outputs: input channel c goes to
    output c mod channels (voices to mono, or to stereo pairs).

    Inputs: ``input``.

    Options (fixed once built):
        channels: Output channels. [1 .. 1024, default 1]
    """

    kind: ClassVar[str] = "sum"


class Stack(Node):
    """Puts its inputs side by side as channels: the output has the channels of in1, then those
    of in2, and so on (two mono signals make a stereo pair).

    Inputs: ``in1``, ``in2``, ``in3``, ``in4``, ``in5``, ``in6``, ``in7``, ``in8``.

    Options (fixed once built):
        inputs: How many inputs take part (unconnected ones among them are silent
            channels). [1 .. 8, default 2]
    """

    kind: ClassVar[str] = "stack"


class Pan(Node):
    """Equal-power pan to stereo: each input lane is a mono source placed at its own `pan`
    position (-1 left, 0 centre at -3 dB per side, 1 right); the lanes are summed into one
    stereo pair.

    Inputs: ``input``.

    Parameters (numbers, one number per lane, or signals):
        pan: Position from -1 (left) to 1 (right). [-1.0 .. 1.0, default 0.0]
    """

    kind: ClassVar[str] = "pan"
    pan = ParamSlot("pan", 0)  # type: ignore[assignment]


class Biquad(Node):
    """Second-order filter from the RBJ cookbook: lowpass, highpass, bandpass (0 dB peak),
    notch, peak, lowshelf, highshelf, allpass. `gain` applies to peak and shelves.

    Inputs: ``input``.

    Parameters (numbers, one number per lane, or signals):
        freq: Corner or centre frequency (clamped below 0.49 x sample rate). [1.0 ..
            100000.0 Hz, default 1000.0]
        q: Quality factor. [0.01 .. 100.0, default 0.70710677]
        gain: Boost or cut. [-48.0 .. 48.0 dB, default 0.0]

    Options (fixed once built):
        mode: Response type. One of 'lowpass', 'highpass', 'bandpass', 'notch', 'peak',
            'lowshelf', 'highshelf', 'allpass' (default 'lowpass').
    """

    kind: ClassVar[str] = "biquad"
    freq = ParamSlot("freq", 0)
    q = ParamSlot("q", 1)
    gain = ParamSlot("gain", 2)


class Svf(Node):
    """State-variable filter (TPT): 12 dB/octave lowpass or highpass, bandpass with 0 dB peak,
    notch, peak (lowpass minus highpass) or allpass; resonance via q.

    Inputs: ``input``.

    Parameters (numbers, one number per lane, or signals):
        cutoff: Cutoff frequency (signals are clamped to [1 Hz, 0.49 x sample rate]).
            [1.0 .. 100000.0 Hz, default 1000.0]
        q: Resonance (0.707 is maximally flat). [0.025 .. 100.0, default 0.70710677]

    Options (fixed once built):
        mode: Response type. One of 'lowpass', 'highpass', 'bandpass', 'notch', 'peak',
            'allpass' (default 'lowpass').
    """

    kind: ClassVar[str] = "svf"
    cutoff = ParamSlot("cutoff", 0)
    q = ParamSlot("q", 1)


class Adsr(Node):
    """Linear ADSR envelope from 0 to 1. A rising gate (crossing 0.5) starts the attack on that
    very frame, from the current level; a falling gate starts the release on that frame,
    which takes `release` seconds from whatever level it starts at. A rising `trigger`
    restarts the attack while the gate stays on (voice stealing, legato retrigger).

    Parameters (numbers, one number per lane, or signals):
        attack: Time from 0 to full level. [0.0 .. 600.0 s, default 0.01]
        decay: Time from full level down to the sustain level. [0.0 .. 600.0 s, default
            0.1]
        sustain: Level held while the gate is on. [0.0 .. 1.0, default 0.7]
        release: Time from the level at gate-off down to 0. [0.0 .. 600.0 s, default
            0.3]
        gate: Above 0.5 is on. Changes are never smoothed. [0.0 .. 1.0, default 0.0]
        trigger: A rise above 0.5 restarts the attack from the current level even while
            the gate stays on. [0.0 .. 1.0, default 0.0]
    """

    kind: ClassVar[str] = "adsr"
    attack = ParamSlot("attack", 0)
    decay = ParamSlot("decay", 1)
    sustain = ParamSlot("sustain", 2)
    release = ParamSlot("release", 3)
    gate = ParamSlot("gate", 4)
    trigger = ParamSlot("trigger", 5)


class Delay(Node):
    """Delay with feedback: the line is fed tone(input + feedback x output), where the tone
    control is an optional low cut and high cut; the delay time may be fractional and
    modulated (4-point Hermite interpolation). Each lane is its own line.

    Inputs: ``input``.

    Parameters (numbers, one number per lane, or signals):
        time: Delay time, clamped to [1 frame, max_time]. [0.0 .. 3600.0 s, default
            0.25]
        feedback: Gain of the output fed back into the line. [-1.0 .. 1.0, default 0.0]
        mix: 0 is dry only, 1 is delayed signal only. [0.0 .. 1.0, default 1.0]
        lowcut: Corner of a 6 dB/octave highpass on what enters the line, so every
            repeat thins out (0 is off). [0.0 .. 100000.0 Hz, default 0.0]
        highcut: Corner of a 6 dB/octave lowpass on what enters the line, so every
            repeat darkens (off at or above half the sample rate). [1.0 .. 100000.0 Hz,
            default 100000.0]

    Options (fixed once built):
        max_time: Longest delay in seconds (sets the memory allocated). [0.001 .. 3600,
            default 2]
    """

    kind: ClassVar[str] = "delay"
    time = ParamSlot("time", 0)
    feedback = ParamSlot("feedback", 1)
    mix = ParamSlot("mix", 2)
    lowcut = ParamSlot("lowcut", 3)
    highcut = ParamSlot("highcut", 4)


class Voices(VoicesMixin, Node):
    """Voice allocator: turns note events into one lane per voice (frequency, gate, velocity,
    note number, retrigger pulse). In poly mode a note-on takes a free voice (the one
    released longest ago) or steals the oldest or quietest sounding one; a repeated note on
    the same channel retriggers its own voice. In mono and legato modes every voice plays
    the last key held (legato retriggers nothing while keys overlap). Honours the sustain
    pedal (CC 64), all-notes-off (CC 120/123), per-channel pitch bend, portamento and a
    velocity curve.

    Inputs: ``level``.

    Parameters (numbers, one number per lane, or signals):
        bend_range: Pitch change at full pitch-bend deflection. [0.0 .. 48.0 semitones,
            default 2.0]
        glide: Portamento: time a voice takes to slide to a new note, linearly in pitch
            (0 jumps). Poly voices slide from their previous note; legato slides only
            between overlapping keys. [0.0 .. 10.0 s, default 0.0]
        velocity_curve: Exponent applied to velocities: 1 is linear, above 1 needs
            harder playing, below 1 softer. [0.1 .. 10.0, default 1.0]

    Options (fixed once built):
        voices: Number of voices (lanes of every output). [1 .. 4096, default 8]
        steal: Which sounding voice a note takes when none is free (poly mode). One of
            'oldest', 'quietest' (default 'oldest').
        mode: poly: a voice per note; mono: every voice plays the last key held,
            retriggering; legato: likewise, but overlapping keys change pitch without
            retriggering. One of 'poly', 'mono', 'legato' (default 'poly').
        tuning: Frequency of A4 (MIDI note 69) in Hz. [300 .. 600, default 440]

    Outputs: ``freq``, ``gate``, ``velocity``, ``note``, ``trigger`` (the node itself is ``freq``).
    """

    kind: ClassVar[str] = "voices"
    bend_range = ParamSlot("bend_range", 0)
    glide = ParamSlot("glide", 1)
    velocity_curve = ParamSlot("velocity_curve", 2)
    freq = OutputSlot("freq")
    gate = OutputSlot("gate")
    velocity = OutputSlot("velocity")
    note = OutputSlot("note")
    trigger = OutputSlot("trigger")


class Fm(PlayedMixin, Node):
    """Four-operator FM synthesizer (phase modulation, Yamaha's eight 4-operator algorithms,
    feedback on operator 4). Operators run at ratio x freq + fixed Hz with their own
    exponential ADSR envelope, level and velocity sensitivity; modulator levels are
    modulation indices in radians. Envelope times and velocity are read once per block,
    everything else per frame. Phases restart at 0 when a note starts from silence.

    Parameters (numbers, one number per lane, or signals):
        freq: Voice frequency; each operator runs at ratio x freq + fixed. [-100000.0 ..
            100000.0 Hz, default 440.0]
        gate: Above 0.5 holds the note: a rise starts the envelopes, a fall releases
            them. [0.0 .. 1.0, default 0.0]
        trigger: A rise above 0.5 while the gate is on restarts the envelopes (a new
            note on a held voice). [0.0 .. 1.0, default 0.0]
        velocity: Strike velocity; scales each operator's level by its velocity
            sensitivity. [0.0 .. 1.0, default 1.0]
        feedback: Self-modulation of operator 4: its phase moves by feedback x (mean of
            its last two outputs) radians (about 1 makes a saw-like tone, beyond 1.5
            noise). [0.0 .. 4.0 rad, default 0.0]
        ratio1: Operator frequency as a multiple of the voice frequency (0 for a fixed
            frequency). [0.0 .. 64.0, default 1.0]
        fixed1: Frequency added to the operator's ratio x freq: a detune, or with ratio
            0 a fixed frequency. [-20000.0 .. 20000.0 Hz, default 0.0]
        level1: Peak output: the amplitude of a heard operator, the modulation index
            (radians) of a modulator. [0.0 .. 32.0, default 1.0]
        vel1: Velocity sensitivity: the level is scaled by 1 - vel + vel x velocity.
            [0.0 .. 1.0, default 1.0]
        attack1: Envelope attack: linear rise from 0 to full level. [0.0 .. 600.0 s,
            default 0.002]
        decay1: Envelope decay: exponential fall towards sustain, 60 dB closer in this
            time. [0.0 .. 600.0 s, default 1.0]
        sustain1: Envelope level held while the gate is on. [0.0 .. 1.0, default 1.0]
        release1: Envelope release: exponential fall of 60 dB in this time after the
            gate closes. [0.0 .. 600.0 s, default 0.2]
        ratio2: Operator frequency as a multiple of the voice frequency (0 for a fixed
            frequency). [0.0 .. 64.0, default 1.0]
        fixed2: Frequency added to the operator's ratio x freq: a detune, or with ratio
            0 a fixed frequency. [-20000.0 .. 20000.0 Hz, default 0.0]
        level2: Peak output: the amplitude of a heard operator, the modulation index
            (radians) of a modulator. [0.0 .. 32.0, default 0.0]
        vel2: Velocity sensitivity: the level is scaled by 1 - vel + vel x velocity.
            [0.0 .. 1.0, default 1.0]
        attack2: Envelope attack: linear rise from 0 to full level. [0.0 .. 600.0 s,
            default 0.002]
        decay2: Envelope decay: exponential fall towards sustain, 60 dB closer in this
            time. [0.0 .. 600.0 s, default 1.0]
        sustain2: Envelope level held while the gate is on. [0.0 .. 1.0, default 1.0]
        release2: Envelope release: exponential fall of 60 dB in this time after the
            gate closes. [0.0 .. 600.0 s, default 0.2]
        ratio3: Operator frequency as a multiple of the voice frequency (0 for a fixed
            frequency). [0.0 .. 64.0, default 1.0]
        fixed3: Frequency added to the operator's ratio x freq: a detune, or with ratio
            0 a fixed frequency. [-20000.0 .. 20000.0 Hz, default 0.0]
        level3: Peak output: the amplitude of a heard operator, the modulation index
            (radians) of a modulator. [0.0 .. 32.0, default 0.0]
        vel3: Velocity sensitivity: the level is scaled by 1 - vel + vel x velocity.
            [0.0 .. 1.0, default 1.0]
        attack3: Envelope attack: linear rise from 0 to full level. [0.0 .. 600.0 s,
            default 0.002]
        decay3: Envelope decay: exponential fall towards sustain, 60 dB closer in this
            time. [0.0 .. 600.0 s, default 1.0]
        sustain3: Envelope level held while the gate is on. [0.0 .. 1.0, default 1.0]
        release3: Envelope release: exponential fall of 60 dB in this time after the
            gate closes. [0.0 .. 600.0 s, default 0.2]
        ratio4: Operator frequency as a multiple of the voice frequency (0 for a fixed
            frequency). [0.0 .. 64.0, default 1.0]
        fixed4: Frequency added to the operator's ratio x freq: a detune, or with ratio
            0 a fixed frequency. [-20000.0 .. 20000.0 Hz, default 0.0]
        level4: Peak output: the amplitude of a heard operator, the modulation index
            (radians) of a modulator. [0.0 .. 32.0, default 0.0]
        vel4: Velocity sensitivity: the level is scaled by 1 - vel + vel x velocity.
            [0.0 .. 1.0, default 1.0]
        attack4: Envelope attack: linear rise from 0 to full level. [0.0 .. 600.0 s,
            default 0.002]
        decay4: Envelope decay: exponential fall towards sustain, 60 dB closer in this
            time. [0.0 .. 600.0 s, default 1.0]
        sustain4: Envelope level held while the gate is on. [0.0 .. 1.0, default 1.0]
        release4: Envelope release: exponential fall of 60 dB in this time after the
            gate closes. [0.0 .. 600.0 s, default 0.2]

    Options (fixed once built):
        algorithm: Operator routing, 1 (4 > 3 > 2 > 1) to 8 (all four heard); see the
            table in the docs. [1 .. 8, default 1]
    """

    kind: ClassVar[str] = "fm"
    freq = ParamSlot("freq", 0)
    gate = ParamSlot("gate", 1)
    trigger = ParamSlot("trigger", 2)
    velocity = ParamSlot("velocity", 3)
    feedback = ParamSlot("feedback", 4)
    ratio1 = ParamSlot("ratio1", 5)
    fixed1 = ParamSlot("fixed1", 6)
    level1 = ParamSlot("level1", 7)
    vel1 = ParamSlot("vel1", 8)
    attack1 = ParamSlot("attack1", 9)
    decay1 = ParamSlot("decay1", 10)
    sustain1 = ParamSlot("sustain1", 11)
    release1 = ParamSlot("release1", 12)
    ratio2 = ParamSlot("ratio2", 13)
    fixed2 = ParamSlot("fixed2", 14)
    level2 = ParamSlot("level2", 15)
    vel2 = ParamSlot("vel2", 16)
    attack2 = ParamSlot("attack2", 17)
    decay2 = ParamSlot("decay2", 18)
    sustain2 = ParamSlot("sustain2", 19)
    release2 = ParamSlot("release2", 20)
    ratio3 = ParamSlot("ratio3", 21)
    fixed3 = ParamSlot("fixed3", 22)
    level3 = ParamSlot("level3", 23)
    vel3 = ParamSlot("vel3", 24)
    attack3 = ParamSlot("attack3", 25)
    decay3 = ParamSlot("decay3", 26)
    sustain3 = ParamSlot("sustain3", 27)
    release3 = ParamSlot("release3", 28)
    ratio4 = ParamSlot("ratio4", 29)
    fixed4 = ParamSlot("fixed4", 30)
    level4 = ParamSlot("level4", 31)
    vel4 = ParamSlot("vel4", 32)
    attack4 = ParamSlot("attack4", 33)
    decay4 = ParamSlot("decay4", 34)
    sustain4 = ParamSlot("sustain4", 35)
    release4 = ParamSlot("release4", 36)


class Wavetable(PlayedMixin, Node):
    """Wavetable oscillator. The table is one or more frames (rows of samples, each holding
    `cycles` cycles of a waveform, any length); every frame is resampled by FFT and band-
    limited into mip levels (four per octave), so no pitch aliases. `position` morphs
    linearly between adjacent frames: 0 is the first, 1 the last.

    Parameters (numbers, one number per lane, or signals):
        freq: Frequency; negative values run the cycle backwards. [-100000.0 .. 100000.0
            Hz, default 440.0]
        position: Place in the table, 0 (first frame) to 1 (last), blending the two
            frames around it. [0.0 .. 1.0, default 0.0]

    Options (fixed once built):
        table: The frames: one row of samples per frame (required). (an array of 4 to
            1048576 columns)
        cycles: Cycles of the waveform in each row. [1 .. 4096, default 1]
        phase: Starting phase in cycles. [0 .. 1, default 0]
    """

    kind: ClassVar[str] = "wavetable"
    freq = ParamSlot("freq", 0)
    position = ParamSlot("position", 1)


class Sampler(PlayedMixin, Node):
    """Sampler: plays recordings (zones chosen by key and velocity) one voice per lane, from
    the exact frame a note starts, pitched by freq relative to each zone's root through a
    tabulated windowed-sinc kernel (alias-free when pitching up; or cubic or linear
    interpolation, cheaper), with no-loop, one-shot, continuous and sustain loop modes,
    crossfaded loop points, and an attack/release envelope. Output: one channel per voice
    for mono recordings, a left/right pair per voice for stereo ones.

    Parameters (numbers, one number per lane, or signals):
        freq: Pitch: a zone plays at freq / (its root's frequency) of its recorded
            speed; 0 plays every zone at its recorded pitch. [0.0 .. 100000.0 Hz,
            default 0.0]
        note: Key (MIDI note number) that picks the zone when a note starts. [0.0 ..
            127.0, default 60.0]
        velocity: Velocity that picks the zone (velocity layers) and scales the level
            when a note starts. [0.0 .. 1.0, default 1.0]
        gate: Above 0.5 holds the note: a rise starts it, a fall releases it (one-shot
            zones play on). [0.0 .. 1.0, default 0.0]
        trigger: A rise above 0.5 starts a note, with or without the gate (drum-style
            triggering). [0.0 .. 1.0, default 0.0]
        attack: Linear fade-in at the note's start. [0.0 .. 60.0 s, default 0.0]
        release: Exponential fade after the note ends: 60 dB in this time. [0.0 .. 60.0
            s, default 0.05]
        dynamics: How much velocity sets the level: gain 1 - dynamics + dynamics x
            velocity. [0.0 .. 1.0, default 1.0]

    Options (fixed once built):
        data: Every zone's frames, one after another; one column per channel (required).
            (an array of 1 to 2 columns)
        zones: One row per zone: frames, sample rate, root, key range, velocity range,
            loop start and end, crossfade, loop mode (see the node's documentation). (an
            array of 11 to 11 columns)
        quality: Interpolation between recorded frames: 'sinc' (polyphase windowed sinc,
            32 to 64 taps, images and aliases of tones in the passband under -90 dB),
            'cubic' (4-point Hermite) or 'linear' (cheaper, not band-limited). One of
            'sinc', 'cubic', 'linear' (default 'sinc').
    """

    kind: ClassVar[str] = "sampler"
    freq = ParamSlot("freq", 0)
    note = ParamSlot("note", 1)
    velocity = ParamSlot("velocity", 2)
    gate = ParamSlot("gate", 3)
    trigger = ParamSlot("trigger", 4)
    attack = ParamSlot("attack", 5)
    release = ParamSlot("release", 6)
    dynamics = ParamSlot("dynamics", 7)


class Clip(Node):
    """Clip player: plays a region of a recording (the `data` option, at the engine's rate)
    from the exact frame its gate rises, once or looped without a gap, forwards or reversed,
    with equal-power fades, a gain, and optionally Signalsmith Stretch time-stretching and
    pitch-shifting (independent of each other, both modulatable). Output: the recording's
    channels. With the stretcher on, the output comes `latency` frames after the gate
    (reported to the compiler); 'aligned' starts it on the gate's frame instead.

    Parameters (numbers, one number per lane, or signals):
        gate: A rise above 0.5 starts the region from its first frame; a fall fades it
            out (fade_out). [0.0 .. 1.0, default 0.0]
        gain: Gain applied to the clip. [-200.0 .. 24.0 dB, default 0.0]
        stretch: Time-stretch ratio (output length over input length: 1.25 plays 25 %
            longer at the same pitch); read once a block; needs stretcher='on'. [0.25 ..
            2.0, default 1.0]
        semitones: Pitch shift in semitones at the same length; read once a block; needs
            stretcher='on'. [-36.0 .. 36.0 st, default 0.0]

    Options (fixed once built):
        data: The recording: one row per frame, one column per channel, at the engine's
            rate (or 'file'). (an array of 1 to 8 columns)
        file: Instead of 'data': an audio file streamed from disk (the region forwards
            only; memory bounded whatever its length). (a file path)
        offset: First frame of the region in the recording (frames). [0 ..
            1000000000000, default 0]
        length: Frames in the region (0: to the end of the recording). [0 ..
            1000000000000, default 0]
        start: Frames of the region already played when the gate rises: a start resumes
            there (a loop counts on from it, fades as if it had played those frames; a
            session's cycle re-enters a clip that started before the cycle). Needs
            'data'. [0 .. 1000000000000, default 0]
        loop: 'on' repeats the region without a gap until the gate falls. (default
            False)
        reverse: 'on' plays the region from its last frame to its first. (default False)
        fade_in: Equal-power fade at the start, seconds (of the recording). [0 .. 60,
            default 0]
        fade_out: Equal-power fade, seconds (of the recording): ends at the end of an
            unlooped region, and starts when the gate falls. [0 .. 60, default 0.005]
        stretcher: 'on' runs the clip through Signalsmith Stretch (stretch and semitones
            take effect; adds its latency); 'aligned' too, but runs the stretcher ahead
            through its latency at each start, so the region's first frame plays on the
            gate's frame (no latency). One of 'off', 'on', 'aligned' (default 'off').
    """

    kind: ClassVar[str] = "clip"
    gate = ParamSlot("gate", 0)
    gain = ParamSlot("gain", 1)
    stretch = ParamSlot("stretch", 2)
    semitones = ParamSlot("semitones", 3)


class Pitchshift(Node):
    """Pitch shifter (Signalsmith Stretch): transposes its input by `semitones` at the same
    length and tempo, all channels together (stereo stays coherent). Delays the signal by
    its latency (about 0.1 s, reported to the compiler).

    Inputs: ``input``.

    Parameters (numbers, one number per lane, or signals):
        semitones: Transposition in semitones, read once a block. [-36.0 .. 36.0 st,
            default 0.0]

    Options (fixed once built):
        channels: Channels shifted together (0: as many as the input carries). [0 .. 8,
            default 0]
    """

    kind: ClassVar[str] = "pitchshift"
    semitones = ParamSlot("semitones", 0)


class Transpose(Node):
    """Multiplies its input (a frequency) by 2^(semitones / 12): pitch modulation in musical
    units, such as vibrato, detune (cents are hundredths) or an envelope sweeping a filter's
    cutoff by octaves (twelves of semitones).

    Inputs: ``input``.

    Parameters (numbers, one number per lane, or signals):
        semitones: Interval to move by; negative goes down. [-240.0 .. 240.0 semitones,
            default 0.0]
    """

    kind: ClassVar[str] = "transpose"
    semitones = ParamSlot("semitones", 0)


class Feedback(FeedbackMixin, Node):
    """One-block feedback: outputs its input delayed by exactly the engine's block size, which
    is what lets a signal path loop back on itself.

    Inputs: ``input``.

    Options (fixed once built):
        channels: Channels carried (fixed, since the loop's width cannot be inferred).
            [1 .. 1024, default 1]
    """

    kind: ClassVar[str] = "feedback"


class Input(Node):
    """Audio from the device input (or from the array given to an offline render): `channels`
    channels starting at device channel `offset`; missing channels are silent.

    Options (fixed once built):
        channels: Channels to take. [1 .. 256, default 1]
        offset: First device channel (0-based). [0 .. 255, default 0]
    """

    kind: ClassVar[str] = "input"


class Clock(Node):
    """The transport as signals: its position in beats, its tempo, the length of a beat and
    whether it plays. Without a transport: beat 0 at 120 BPM, stopped.

    Outputs: ``beat``, ``bpm``, ``period``, ``playing`` (the node itself is ``beat``).
    """

    kind: ClassVar[str] = "clock"
    beat = OutputSlot("beat")
    bpm = OutputSlot("bpm")
    period = OutputSlot("period")
    playing = OutputSlot("playing")


class Reverb(Node):
    """Feedback-delay-network reverb: 8 lines, Hadamard feedback matrix, per-line absorption
    set from the decay time (RT60) and damping, pre-delay, input diffusion, stereo width and
    mix. Mono or stereo in, stereo out. Parameters use their first lane.

    Inputs: ``input``.

    Parameters (numbers, one number per lane, or signals):
        decay: Decay time RT60: time for the tail to fall by 60 dB (at low frequencies).
            [0.05 .. 100.0 s, default 1.5]
        damping: How much faster high frequencies die away (0 none, 1 most). [0.0 ..
            1.0, default 0.5]
        predelay: Delay before the reverberation starts. [0.0 .. 1.0 s, default 0.0]
        width: Stereo width of the reverberation (0 mono, 1 full). [0.0 .. 1.0, default
            1.0]
        mix: 0 is dry only, 1 is wet only. [0.0 .. 1.0, default 0.3]

    Options (fixed once built):
        size: Scale of the line lengths (room size; 1 is 32 to 74 ms). [0.25 .. 4,
            default 1]
        modulation: Depth of the slow modulation of the lines (0 off, 1 is 0.25 ms
            either way): smooths the ring of long tails. [0 .. 1, default 0]
    """

    kind: ClassVar[str] = "reverb"
    decay = ParamSlot("decay", 0)
    damping = ParamSlot("damping", 1)
    predelay = ParamSlot("predelay", 2)
    width = ParamSlot("width", 3)
    mix = ParamSlot("mix", 4)


class Freeverb(Node):
    """Freeverb-style reverb: 8 damped combs and 4 all-passes per channel, each comb's feedback
    set so the tail decays by 60 dB in `decay` seconds. Mono or stereo in (summed into the
    tank), stereo out. Parameters use their first lane.

    Inputs: ``input``.

    Parameters (numbers, one number per lane, or signals):
        decay: Decay time RT60: time for the tail to fall by 60 dB (at low frequencies).
            [0.05 .. 100.0 s, default 1.5]
        damping: How much faster high frequencies die away (0 none, 1 most). [0.0 ..
            1.0, default 0.5]
        predelay: Delay before the reverberation starts. [0.0 .. 1.0 s, default 0.0]
        width: Stereo width of the reverberation (0 mono, 1 full). [0.0 .. 1.0, default
            1.0]
        mix: 0 is dry only, 1 is wet only. [0.0 .. 1.0, default 0.3]
    """

    kind: ClassVar[str] = "freeverb"
    decay = ParamSlot("decay", 0)
    damping = ParamSlot("damping", 1)
    predelay = ParamSlot("predelay", 2)
    width = ParamSlot("width", 3)
    mix = ParamSlot("mix", 4)


class Pingpong(Node):
    """Ping-pong delay: the input's mono sum enters the left line; each line's output, times
    feedback, feeds the other line, through the tone control. Echoes land left after `time`
    (gain 1), right after twice that (gain feedback), left again (gain feedback^2), and so
    on. A second value (lane) of a parameter sets the right line's. Mono or stereo in,
    stereo out.

    Inputs: ``input``.

    Parameters (numbers, one number per lane, or signals):
        time: Delay time, clamped to [1 frame, max_time]. [0.0 .. 3600.0 s, default
            0.25]
        feedback: Gain of the output fed back into the line. [-1.0 .. 1.0, default 0.0]
        mix: 0 is dry only, 1 is delayed signal only. [0.0 .. 1.0, default 1.0]
        lowcut: Corner of a 6 dB/octave highpass on what enters the line, so every
            repeat thins out (0 is off). [0.0 .. 100000.0 Hz, default 0.0]
        highcut: Corner of a 6 dB/octave lowpass on what enters the line, so every
            repeat darkens (off at or above half the sample rate). [1.0 .. 100000.0 Hz,
            default 100000.0]

    Options (fixed once built):
        max_time: Longest delay in seconds (sets the memory allocated). [0.001 .. 3600,
            default 2]
    """

    kind: ClassVar[str] = "pingpong"
    time = ParamSlot("time", 0)
    feedback = ParamSlot("feedback", 1)
    mix = ParamSlot("mix", 2)
    lowcut = ParamSlot("lowcut", 3)
    highcut = ParamSlot("highcut", 4)


class Chorus(Node):
    """Chorus: the wet signal is the input delayed by delay + depth x sin(2 pi rate t) (Hermite
    interpolation), with feedback into the line; per lane.

    Inputs: ``input``.

    Parameters (numbers, one number per lane, or signals):
        rate: LFO frequency (0 holds the sweep at its centre). [0.0 .. 20.0 Hz, default
            1.0]
        depth: How far the delay swings either side of `delay`. [0.0 .. 0.05 s, default
            0.002]
        delay: Centre of the swept delay. [0.0 .. 0.1 s, default 0.007]
        feedback: Gain of the delayed signal fed back into the line (negative inverts
            it). [-0.99 .. 0.99, default 0.0]
        mix: 0 is dry only, 1 is wet only. [0.0 .. 1.0, default 0.5]

    Options (fixed once built):
        spread: LFO phase offset between successive lanes, in cycles (0.25 puts left and
            right in quadrature). [0 .. 1, default 0.25]
    """

    kind: ClassVar[str] = "chorus"
    rate = ParamSlot("rate", 0)
    depth = ParamSlot("depth", 1)
    delay = ParamSlot("delay", 2)
    feedback = ParamSlot("feedback", 3)
    mix = ParamSlot("mix", 4)


class Flanger(Node):
    """Flanger: a short swept delay (delay + depth x sin(2 pi rate t)) mixed with the dry
    signal, with feedback; per lane. With through_zero on, the dry path is delayed by 10 ms
    (reported as latency) and `delay` is the wet tap's offset from it, so the sweep passes
    through zero.

    Inputs: ``input``.

    Parameters (numbers, one number per lane, or signals):
        rate: LFO frequency (0 holds the sweep at its centre). [0.0 .. 20.0 Hz, default
            0.25]
        depth: How far the delay swings either side of `delay`. [0.0 .. 0.01 s, default
            0.002]
        delay: Centre of the swept delay (through zero: offset from the delayed dry
            path). [0.0 .. 0.02 s, default 0.002]
        feedback: Gain of the delayed signal fed back into the line (negative inverts
            it). [-0.99 .. 0.99, default 0.5]
        mix: 0 is dry only, 1 is wet only. [0.0 .. 1.0, default 0.5]

    Options (fixed once built):
        spread: LFO phase offset between successive lanes, in cycles (0.25 puts left and
            right in quadrature). [0 .. 1, default 0.25]
        through_zero: Sweep the wet path through the (delayed) dry path. (default False)
    """

    kind: ClassVar[str] = "flanger"
    rate = ParamSlot("rate", 0)
    depth = ParamSlot("depth", 1)
    delay = ParamSlot("delay", 2)
    feedback = ParamSlot("feedback", 3)
    mix = ParamSlot("mix", 4)


class Phaser(Node):
    """Phaser per lane: `stages` first-order all-passes H(z) = (a + z^-1) / (1 + a z^-1) with a
    = (t - 1) / (t + 1), t = tan(pi fc / samplerate), each turning -90 degrees at fc = freq
    x 2^(depth x sin(2 pi rate t)); out = dry + mix (chain - dry), the chain fed input +
    feedback x its previous output.

    Inputs: ``input``.

    Parameters (numbers, one number per lane, or signals):
        rate: LFO frequency (0 holds the sweep at `freq`). [0.0 .. 20.0 Hz, default 0.5]
        freq: Centre of the sweep: the stages' -90 degree frequency. [1.0 .. 20000.0 Hz,
            default 1000.0]
        depth: How far the sweep goes either side of `freq`. [0.0 .. 6.0 octaves,
            default 1.0]
        feedback: Gain of the chain's output fed back to its input (sharpens the
            notches' peaks). [-0.99 .. 0.99, default 0.0]
        mix: 0 is dry only, 1 is wet only. [0.0 .. 1.0, default 0.5]

    Options (fixed once built):
        stages: Number of all-pass stages (notches: half of it). [1 .. 24, default 4]
        spread: LFO phase offset between successive lanes, in cycles. [0 .. 1, default
            0.25]
    """

    kind: ClassVar[str] = "phaser"
    rate = ParamSlot("rate", 0)
    freq = ParamSlot("freq", 1)
    depth = ParamSlot("depth", 2)
    feedback = ParamSlot("feedback", 3)
    mix = ParamSlot("mix", 4)


class Compressor(Node):
    """Feed-forward compressor with soft knee, peak or RMS detection, makeup gain, dry/wet mix
    and a sidechain input. Above the knee the output level rises 1/ratio dB per dB. Channels
    are linked. Time constants are the time to cover 63 % of a change in gain reduction (in
    dB).

    Inputs: ``input``, ``sidechain``.

    Parameters (numbers, one number per lane, or signals):
        threshold: Level where the curve bends. [-120.0 .. 24.0 dB, default -20.0]
        ratio: Input dB per output dB above the threshold. [1.0 .. 1000.0, default 4.0]
        knee: Width of the quadratic soft knee centred on the threshold (0 is a hard
            knee). [0.0 .. 48.0 dB, default 6.0]
        attack: Time constant of gain reduction growing (63 % of a step). [0.0 .. 10.0
            s, default 0.005]
        release: Time constant of gain reduction shrinking. [0.0 .. 10.0 s, default 0.1]
        makeup: Gain after compression. [-48.0 .. 48.0 dB, default 0.0]
        mix: 0 is dry only, 1 is wet only. [0.0 .. 1.0, default 1.0]

    Options (fixed once built):
        detector: Level measure: the sample peak, or the RMS over `window`. One of
            'peak', 'rms' (default 'peak').
        window: Time constant of the RMS detector in seconds. [0.0001 .. 1, default
            0.01]

    Outputs: ``out``, ``reduction`` (the node itself is ``out``).
    """

    kind: ClassVar[str] = "compressor"
    threshold = ParamSlot("threshold", 0)
    ratio = ParamSlot("ratio", 1)
    knee = ParamSlot("knee", 2)
    attack = ParamSlot("attack", 3)
    release = ParamSlot("release", 4)
    makeup = ParamSlot("makeup", 5)
    mix = ParamSlot("mix", 6)
    reduction = OutputSlot("reduction")


class Expander(Node):
    """Downward expander and noise gate: below the threshold the output level falls `ratio` dB
    per dB, down to at most `range` dB of attenuation (a high ratio makes a gate). Attack is
    how fast it opens, release how fast it closes once `hold` has passed. Peak or RMS
    detection, sidechain input, linked channels.

    Inputs: ``input``, ``sidechain``.

    Parameters (numbers, one number per lane, or signals):
        threshold: Level where the curve bends. [-120.0 .. 24.0 dB, default -50.0]
        ratio: Output dB per input dB below the threshold. [1.0 .. 1000.0, default 2.0]
        knee: Width of the quadratic soft knee centred on the threshold (0 is a hard
            knee). [0.0 .. 48.0 dB, default 6.0]
        attack: Time constant of opening (gain reduction shrinking). [0.0 .. 10.0 s,
            default 0.001]
        release: Time constant of closing (gain reduction growing). [0.0 .. 10.0 s,
            default 0.1]
        hold: Time the gain holds before closing starts. [0.0 .. 10.0 s, default 0.0]
        range: Most attenuation applied. [0.0 .. 200.0 dB, default 80.0]

    Options (fixed once built):
        detector: Level measure: the sample peak, or the RMS over `window`. One of
            'peak', 'rms' (default 'peak').
        window: Time constant of the RMS detector in seconds. [0.0001 .. 1, default
            0.01]

    Outputs: ``out``, ``reduction`` (the node itself is ``out``).
    """

    kind: ClassVar[str] = "expander"
    threshold = ParamSlot("threshold", 0)
    ratio = ParamSlot("ratio", 1)
    knee = ParamSlot("knee", 2)
    attack = ParamSlot("attack", 3)
    release = ParamSlot("release", 4)
    hold = ParamSlot("hold", 5)
    range = ParamSlot("range", 6)
    reduction = OutputSlot("reduction")


class Limiter(Node):
    """Lookahead brick-wall limiter: the output's sample peak never exceeds `ceiling`. Gain
    reduction ramps in over the lookahead (which is the node's latency) and recovers with
    time constant `release`. Channels are linked.

    Inputs: ``input``.

    Parameters (numbers, one number per lane, or signals):
        ceiling: Highest sample peak of the output. [-60.0 .. 24.0 dB, default -1.0]
        release: Time constant of the gain's recovery. [0.0 .. 10.0 s, default 0.1]

    Options (fixed once built):
        lookahead: How far ahead the limiter looks, in seconds (rounded to whole
            frames): its latency. [0.0001 .. 0.1, default 0.005]

    Outputs: ``out``, ``reduction`` (the node itself is ``out``).
    """

    kind: ClassVar[str] = "limiter"
    ceiling = ParamSlot("ceiling", 0)
    release = ParamSlot("release", 1)
    reduction = OutputSlot("reduction")


class Distortion(Node):
    """Waveshaper y = shape(drive x) per lane. Shapes: tanh; soft (cubic, 1.5 x - 0.5 x^3, flat
    beyond +-1); hard (clip at +-1); fold (foldback: reflects at +-1). Oversampling by 2, 4
    or 8 keeps aliasing down and adds its filters' delay as latency.

    Inputs: ``input``.

    Parameters (numbers, one number per lane, or signals):
        drive: Gain before the curve. [-48.0 .. 72.0 dB, default 12.0]
        mix: 0 is dry only, 1 is wet only. [0.0 .. 1.0, default 1.0]

    Options (fixed once built):
        shape: Curve. One of 'tanh', 'soft', 'hard', 'fold' (default 'tanh').
        oversample: Oversampling factor: 1 (none), 2, 4 or 8. [1 .. 8, default 1]
    """

    kind: ClassVar[str] = "distortion"
    drive = ParamSlot("drive", 0)
    mix = ParamSlot("mix", 1)


class Bitcrusher(Node):
    """Bit crusher per lane: holds a new input sample `rate` times a second (sample-and-hold on
    a phase accumulator, so any rate works) and rounds it to a grid of step 2^(1 - bits):
    `bits` levels per half range, fractional bits allowed.

    Inputs: ``input``.

    Parameters (numbers, one number per lane, or signals):
        bits: Resolution in bits (the step is 2 / 2^bits of the -1..1 range). [1.0 ..
            32.0, default 8.0]
        rate: Rate of new samples (at or above the sample rate: every frame). [1.0 ..
            1000000.0 Hz, default 100000.0]
        mix: 0 is dry only, 1 is wet only. [0.0 .. 1.0, default 1.0]
    """

    kind: ClassVar[str] = "bitcrusher"
    bits = ParamSlot("bits", 0)
    rate = ParamSlot("rate", 1)
    mix = ParamSlot("mix", 2)


class Eq(Node):
    """Parametric EQ of up to 8 bands in series, per lane. Peak and shelves are RBJ-cookbook
    sections; low and high cuts are Butterworth filters (cascaded second-order sections) of
    12, 24 or 48 dB/octave, -3 dB at their frequency.

    Inputs: ``input``.

    Parameters (numbers, one number per lane, or signals):
        freq1: Centre (peak), corner (shelves) or -3 dB (cuts) frequency of the band,
            clamped below 0.49 x sample rate. [1.0 .. 100000.0 Hz, default 1000.0]
        gain1: Boost or cut of a peak or shelf band (cuts ignore it). [-48.0 .. 48.0 dB,
            default 0.0]
        q1: Quality of a peak or shelf band (cuts are Butterworth and ignore it). [0.01
            .. 100.0, default 0.70710677]
        freq2: Centre (peak), corner (shelves) or -3 dB (cuts) frequency of the band,
            clamped below 0.49 x sample rate. [1.0 .. 100000.0 Hz, default 1000.0]
        gain2: Boost or cut of a peak or shelf band (cuts ignore it). [-48.0 .. 48.0 dB,
            default 0.0]
        q2: Quality of a peak or shelf band (cuts are Butterworth and ignore it). [0.01
            .. 100.0, default 0.70710677]
        freq3: Centre (peak), corner (shelves) or -3 dB (cuts) frequency of the band,
            clamped below 0.49 x sample rate. [1.0 .. 100000.0 Hz, default 1000.0]
        gain3: Boost or cut of a peak or shelf band (cuts ignore it). [-48.0 .. 48.0 dB,
            default 0.0]
        q3: Quality of a peak or shelf band (cuts are Butterworth and ignore it). [0.01
            .. 100.0, default 0.70710677]
        freq4: Centre (peak), corner (shelves) or -3 dB (cuts) frequency of the band,
            clamped below 0.49 x sample rate. [1.0 .. 100000.0 Hz, default 1000.0]
        gain4: Boost or cut of a peak or shelf band (cuts ignore it). [-48.0 .. 48.0 dB,
            default 0.0]
        q4: Quality of a peak or shelf band (cuts are Butterworth and ignore it). [0.01
            .. 100.0, default 0.70710677]
        freq5: Centre (peak), corner (shelves) or -3 dB (cuts) frequency of the band,
            clamped below 0.49 x sample rate. [1.0 .. 100000.0 Hz, default 1000.0]
        gain5: Boost or cut of a peak or shelf band (cuts ignore it). [-48.0 .. 48.0 dB,
            default 0.0]
        q5: Quality of a peak or shelf band (cuts are Butterworth and ignore it). [0.01
            .. 100.0, default 0.70710677]
        freq6: Centre (peak), corner (shelves) or -3 dB (cuts) frequency of the band,
            clamped below 0.49 x sample rate. [1.0 .. 100000.0 Hz, default 1000.0]
        gain6: Boost or cut of a peak or shelf band (cuts ignore it). [-48.0 .. 48.0 dB,
            default 0.0]
        q6: Quality of a peak or shelf band (cuts are Butterworth and ignore it). [0.01
            .. 100.0, default 0.70710677]
        freq7: Centre (peak), corner (shelves) or -3 dB (cuts) frequency of the band,
            clamped below 0.49 x sample rate. [1.0 .. 100000.0 Hz, default 1000.0]
        gain7: Boost or cut of a peak or shelf band (cuts ignore it). [-48.0 .. 48.0 dB,
            default 0.0]
        q7: Quality of a peak or shelf band (cuts are Butterworth and ignore it). [0.01
            .. 100.0, default 0.70710677]
        freq8: Centre (peak), corner (shelves) or -3 dB (cuts) frequency of the band,
            clamped below 0.49 x sample rate. [1.0 .. 100000.0 Hz, default 1000.0]
        gain8: Boost or cut of a peak or shelf band (cuts ignore it). [-48.0 .. 48.0 dB,
            default 0.0]
        q8: Quality of a peak or shelf band (cuts are Butterworth and ignore it). [0.01
            .. 100.0, default 0.70710677]

    Options (fixed once built):
        band1: Band type: off, peak (bell), lowshelf, highshelf, or a Butterworth
            lowcut/highcut of 12, 24 or 48 dB/octave. One of 'off', 'peak', 'lowshelf',
            'highshelf', 'lowcut12', 'lowcut24', 'lowcut48', 'highcut12', 'highcut24',
            'highcut48' (default 'off').
        band2: Band type: off, peak (bell), lowshelf, highshelf, or a Butterworth
            lowcut/highcut of 12, 24 or 48 dB/octave. One of 'off', 'peak', 'lowshelf',
            'highshelf', 'lowcut12', 'lowcut24', 'lowcut48', 'highcut12', 'highcut24',
            'highcut48' (default 'off').
        band3: Band type: off, peak (bell), lowshelf, highshelf, or a Butterworth
            lowcut/highcut of 12, 24 or 48 dB/octave. One of 'off', 'peak', 'lowshelf',
            'highshelf', 'lowcut12', 'lowcut24', 'lowcut48', 'highcut12', 'highcut24',
            'highcut48' (default 'off').
        band4: Band type: off, peak (bell), lowshelf, highshelf, or a Butterworth
            lowcut/highcut of 12, 24 or 48 dB/octave. One of 'off', 'peak', 'lowshelf',
            'highshelf', 'lowcut12', 'lowcut24', 'lowcut48', 'highcut12', 'highcut24',
            'highcut48' (default 'off').
        band5: Band type: off, peak (bell), lowshelf, highshelf, or a Butterworth
            lowcut/highcut of 12, 24 or 48 dB/octave. One of 'off', 'peak', 'lowshelf',
            'highshelf', 'lowcut12', 'lowcut24', 'lowcut48', 'highcut12', 'highcut24',
            'highcut48' (default 'off').
        band6: Band type: off, peak (bell), lowshelf, highshelf, or a Butterworth
            lowcut/highcut of 12, 24 or 48 dB/octave. One of 'off', 'peak', 'lowshelf',
            'highshelf', 'lowcut12', 'lowcut24', 'lowcut48', 'highcut12', 'highcut24',
            'highcut48' (default 'off').
        band7: Band type: off, peak (bell), lowshelf, highshelf, or a Butterworth
            lowcut/highcut of 12, 24 or 48 dB/octave. One of 'off', 'peak', 'lowshelf',
            'highshelf', 'lowcut12', 'lowcut24', 'lowcut48', 'highcut12', 'highcut24',
            'highcut48' (default 'off').
        band8: Band type: off, peak (bell), lowshelf, highshelf, or a Butterworth
            lowcut/highcut of 12, 24 or 48 dB/octave. One of 'off', 'peak', 'lowshelf',
            'highshelf', 'lowcut12', 'lowcut24', 'lowcut48', 'highcut12', 'highcut24',
            'highcut48' (default 'off').
    """

    kind: ClassVar[str] = "eq"
    freq1 = ParamSlot("freq1", 0)
    gain1 = ParamSlot("gain1", 1)
    q1 = ParamSlot("q1", 2)
    freq2 = ParamSlot("freq2", 3)
    gain2 = ParamSlot("gain2", 4)
    q2 = ParamSlot("q2", 5)
    freq3 = ParamSlot("freq3", 6)
    gain3 = ParamSlot("gain3", 7)
    q3 = ParamSlot("q3", 8)
    freq4 = ParamSlot("freq4", 9)
    gain4 = ParamSlot("gain4", 10)
    q4 = ParamSlot("q4", 11)
    freq5 = ParamSlot("freq5", 12)
    gain5 = ParamSlot("gain5", 13)
    q5 = ParamSlot("q5", 14)
    freq6 = ParamSlot("freq6", 15)
    gain6 = ParamSlot("gain6", 16)
    q6 = ParamSlot("q6", 17)
    freq7 = ParamSlot("freq7", 18)
    gain7 = ParamSlot("gain7", 19)
    q7 = ParamSlot("q7", 20)
    freq8 = ParamSlot("freq8", 21)
    gain8 = ParamSlot("gain8", 22)
    q8 = ParamSlot("q8", 23)


class Gain(Node):
    """Gain in decibels, per lane; changes glide in dB.

    Inputs: ``input``.

    Parameters (numbers, one number per lane, or signals):
        gain: Gain (0 dB leaves the signal unchanged). [-200.0 .. 60.0 dB, default 0.0]
    """

    kind: ClassVar[str] = "gain"
    gain = ParamSlot("gain", 0)


class Dcblock(Node):
    """DC blocker: y[n] = x[n] - x[n-1] + R y[n-1] with R = exp(-2 pi cutoff / samplerate), a
    first-order highpass with a zero at DC.

    Inputs: ``input``.

    Parameters (numbers, one number per lane, or signals):
        cutoff: Corner frequency (about -3 dB). [0.1 .. 1000.0 Hz, default 10.0]
    """

    kind: ClassVar[str] = "dcblock"
    cutoff = ParamSlot("cutoff", 0)


class Midside(Node):
    """Mid/side conversion. Encode: mid = (L + R) / 2, side = (L - R) / 2 on channels 0 and 1;
    decode: L = mid + side, R = mid - side (the exact inverse). A mono input counts as L = R
    (encode) or as mid with no side (decode).

    Inputs: ``input``.

    Options (fixed once built):
        mode: Left/right to mid/side, or back. One of 'encode', 'decode' (default
            'encode').
    """

    kind: ClassVar[str] = "midside"


class Width(Node):
    """Stereo width: scales the side signal, L' = M + w S and R' = M - w S with M = (L + R) / 2
    and S = (L - R) / 2. 0 folds to mono, 1 leaves the image alone, above 1 widens. Takes
    mono or stereo; uses the first lane's width.

    Inputs: ``input``.

    Parameters (numbers, one number per lane, or signals):
        width: Side gain (0 mono, 1 unchanged, 2 twice as wide). [0.0 .. 4.0, default
            1.0]
    """

    kind: ClassVar[str] = "width"
    width = ParamSlot("width", 0)


class Meter(Node):
    """Meter tap: `out` is the input unchanged; `peak` follows |x| with instant attack and an
    exponential fall of time constant `release`; `rms` is the square root of x^2 averaged by
    a one-pole smoother of time constant `window`. Linear values per lane.

    Inputs: ``input``.

    Options (fixed once built):
        window: Time constant of the RMS average in seconds (0.3 s reads like a VU
            meter). [0 .. 60, default 0.3]
        release: Time constant of the peak's fall in seconds. [0 .. 60, default 1.5]

    Outputs: ``out``, ``peak``, ``rms`` (the node itself is ``out``).
    """

    kind: ClassVar[str] = "meter"
    peak = OutputSlot("peak")
    rms = OutputSlot("rms")


class Probe(Node):
    """Probe tap: `out` is the input unchanged; `min`, `max`, `rms` and `nonfinite` hold the
    minimum, maximum, RMS and count of NaN/infinite samples of the latest complete window of
    `window` frames, per lane, from the frame that completes it (non-finite samples are left
    out of the other three; a window with no finite sample reads 0). Zero until the first
    window completes. Each window is also published as a record (min, max, rms, nonfinite
    per lane, stamped with its first frame) for `live.probes()` and `render(...,
    probes=True)`.

    Inputs: ``input``.

    Options (fixed once built):
        window: Frames per window (256: one default engine block, 5.3 ms at 48 kHz). [1
            .. 960000, default 256]
        buffer: Seconds of window records the feed holds for a reader that falls behind
            (then records are dropped and counted, never waited for). [0.1 .. 600,
            default 10]

    Outputs: ``out``, ``min``, ``max``, ``rms``, ``nonfinite`` (the node itself is ``out``).
    """

    kind: ClassVar[str] = "probe"
    min = OutputSlot("min")
    max = OutputSlot("max")
    rms = OutputSlot("rms")
    nonfinite = OutputSlot("nonfinite")


class Stft(Node):
    """Short-time Fourier transform tap: every `hop` samples, the windowed FFT of the last
    `size` samples, as `size / 2 + 1` bins of magnitude, power or phase (radians). Frames
    are dated at their window's centre. Passes its input through.

    Inputs: ``input``.

    Options (fixed once built):
        size: Analysis window (and FFT size) in samples; even. [16 .. 65536, default
            2048]
        hop: Samples between frames (at most `size`). [1 .. 65536, default 512]
        window: Window shape (periodic). One of 'hann', 'hamming', 'blackman',
            'rectangular' (default 'hann').
        output: What each bin holds. One of 'magnitude', 'power', 'phase' (default
            'magnitude').
        buffer: Seconds of frames the feed holds for a reader that falls behind (then
            frames are dropped and counted, never waited for). [0.1 .. 600, default 10]
    """

    kind: ClassVar[str] = "stft"


class Mel(Node):
    """Mel spectrogram tap: the power spectrum of each frame (Hann window) summed into `bands`
    triangular Slaney mel bands with area normalisation (librosa's melspectrogram), as power
    or dB (10 log10, floored at 1e-10).

    Inputs: ``input``.

    Options (fixed once built):
        size: Analysis window (and FFT size) in samples; even. [16 .. 65536, default
            2048]
        hop: Samples between frames (at most `size`). [1 .. 65536, default 512]
        bands: Number of mel bands. [1 .. 1024, default 128]
        fmin: Lowest frequency of the bands in Hz. [0 .. 100000, default 0]
        fmax: Highest frequency of the bands in Hz (0: half the sample rate). [0 ..
            100000, default 0]
        scale: Power or decibels. One of 'power', 'db' (default 'power').
        buffer: Seconds of frames the feed holds for a reader that falls behind (then
            frames are dropped and counted, never waited for). [0.1 .. 600, default 10]
    """

    kind: ClassVar[str] = "mel"


class Mfcc(Node):
    """Mel-frequency cepstral coefficients tap: the orthonormal DCT-II of the mel bands in dB
    (librosa's mfcc without its file-wide top_db floor, which a stream cannot know).

    Inputs: ``input``.

    Options (fixed once built):
        size: Analysis window (and FFT size) in samples; even. [16 .. 65536, default
            2048]
        hop: Samples between frames (at most `size`). [1 .. 65536, default 512]
        bands: Number of mel bands. [1 .. 1024, default 128]
        coefficients: Coefficients kept (at most `bands`). [1 .. 1024, default 20]
        fmin: Lowest frequency of the bands in Hz. [0 .. 100000, default 0]
        fmax: Highest frequency of the bands in Hz (0: half the sample rate). [0 ..
            100000, default 0]
        buffer: Seconds of frames the feed holds for a reader that falls behind (then
            frames are dropped and counted, never waited for). [0.1 .. 600, default 10]
    """

    kind: ClassVar[str] = "mfcc"


class Chroma(Node):
    """Chromagram tap: the power spectrum folded onto the 12 pitch classes (C first) with
    librosa's chroma filters, each frame scaled so its strongest class reads 1.

    Inputs: ``input``.

    Options (fixed once built):
        size: Analysis window (and FFT size) in samples; even. [16 .. 65536, default
            2048]
        hop: Samples between frames (at most `size`). [1 .. 65536, default 512]
        tuning: Deviation of the reference from A440, in fractions of a semitone. [-0.5
            .. 0.5, default 0]
        buffer: Seconds of frames the feed holds for a reader that falls behind (then
            frames are dropped and counted, never waited for). [0.1 .. 600, default 10]
    """

    kind: ClassVar[str] = "chroma"


class Spectral(Node):
    """Spectral shape tap: per frame, the centroid (Hz, magnitude-weighted mean frequency), the
    rolloff (Hz below which `rolloff` of the magnitude lies), the flatness (geometric over
    arithmetic mean of the power, 0..1) and the flux (summed rise of the magnitude since the
    previous frame).

    Inputs: ``input``.

    Options (fixed once built):
        size: Analysis window (and FFT size) in samples; even. [16 .. 65536, default
            2048]
        hop: Samples between frames (at most `size`). [1 .. 65536, default 512]
        rolloff: Fraction of the magnitude below the rolloff frequency. [0.01 .. 0.99,
            default 0.85]
        buffer: Seconds of frames the feed holds for a reader that falls behind (then
            frames are dropped and counted, never waited for). [0.1 .. 600, default 10]
    """

    kind: ClassVar[str] = "spectral"


class Rms(Node):
    """RMS tap: the root mean square of each `size`-sample frame (linear).

    Inputs: ``input``.

    Options (fixed once built):
        size: Analysis window (and FFT size) in samples; even. [16 .. 65536, default
            2048]
        hop: Samples between frames (at most `size`). [1 .. 65536, default 512]
        buffer: Seconds of frames the feed holds for a reader that falls behind (then
            frames are dropped and counted, never waited for). [0.1 .. 600, default 10]
    """

    kind: ClassVar[str] = "rms"


class Loudness(Node):
    """Loudness tap after ITU-R BS.1770-4 / EBU R 128: every 100 ms, the momentary (400 ms) and
    short-term (3 s) loudness, the gated integrated loudness so far (LUFS) and the true peak
    so far (dBTP, 4x oversampled), dated at the end of the momentary window. Channels weigh
    1, surrounds of 5 or 6 channels 1.41, the LFE of 5.1 nothing.

    Inputs: ``input``.

    Options (fixed once built):
        buffer: Seconds of frames the feed holds for a reader that falls behind (then
            frames are dropped and counted, never waited for). [0.1 .. 600, default 10]
    """

    kind: ClassVar[str] = "loudness"


class Onsets(Node):
    """Onset detector tap (causal SuperFlux: log-frequency spectral flux against a max-filtered
    earlier frame, online peak picking): one event per onset, dated at the onset, with its
    novelty strength and the seconds it took to be reported (a quarter of a 23 ms window
    plus the lookahead).

    Inputs: ``input``.

    Options (fixed once built):
        threshold: Novelty above its local mean an onset needs (lower finds softer
            onsets). [0 .. 100, default 1.1]
        lookahead: Seconds the peak picker may wait for later frames (adds to the
            latency). [0 .. 0.1, default 0]
        buffer: Seconds of frames the feed holds for a reader that falls behind (then
            frames are dropped and counted, never waited for). [0.1 .. 600, default 10]
    """

    kind: ClassVar[str] = "onsets"


class Pitch(Node):
    """Pitch tracker tap (causal probabilistic YIN with a Viterbi over candidates): every 5.8
    ms, the fundamental frequency (Hz, the best estimate even when unvoiced), whether the
    frame is voiced (0 or 1), and the voicing probability (0..1).

    Inputs: ``input``.

    Options (fixed once built):
        fmin: Lowest fundamental tracked in Hz. [10 .. 5000, default 40]
        fmax: Highest fundamental tracked in Hz (at most a quarter of the ~11 kHz
            analysis rate). [20 .. 10000, default 1600]
        buffer: Seconds of frames the feed holds for a reader that falls behind (then
            frames are dropped and counted, never waited for). [0.1 .. 600, default 10]
    """

    kind: ClassVar[str] = "pitch"


class Notes(Node):
    """Note tap for a monophonic source (the pitch tracker segmented with hysteresis): an event
    when a note starts (on = 1) and when it ends (on = 0), dated at the onset or offset,
    with the note's pitch as a fractional MIDI number.

    Inputs: ``input``.

    Options (fixed once built):
        fmin: Lowest fundamental tracked in Hz. [10 .. 5000, default 40]
        fmax: Highest fundamental tracked in Hz (at most a quarter of the ~11 kHz
            analysis rate). [20 .. 10000, default 1600]
        buffer: Seconds of frames the feed holds for a reader that falls behind (then
            frames are dropped and counted, never waited for). [0.1 .. 600, default 10]
    """

    kind: ClassVar[str] = "notes"


class Beats(Node):
    """Causal beat tracker tap (an HMM over beat period and phase on spectral-flux novelty, run
    forward): an event per beat, dated at the beat (predicted from what was heard, reported
    12 ms after it), with the current tempo in BPM.

    Inputs: ``input``.

    Options (fixed once built):
        bpm_min: Slowest tempo in beats per minute. [20 .. 400, default 55]
        bpm_max: Fastest tempo in beats per minute. [20 .. 400, default 215]
        prior_bpm: Most likely tempo a priori, in beats per minute. [20 .. 400, default
            120]
        prior_octaves: Width of the log-normal tempo prior in octaves (0: none). [0 ..
            4, default 0.5]
        buffer: Seconds of frames the feed holds for a reader that falls behind (then
            frames are dropped and counted, never waited for). [0.1 .. 600, default 10]
    """

    kind: ClassVar[str] = "beats"


class Samples(Node):
    """Sample tap: the input itself (downmixed to mono) in blocks of `size` samples, each
    stamped with its first sample's time on the engine clock, for workers off the audio
    thread (the neural pitch backend). Passes its input through.

    Inputs: ``input``.

    Options (fixed once built):
        size: Samples per block. [16 .. 16384, default 1024]
        buffer: Seconds of frames the feed holds for a reader that falls behind (then
            frames are dropped and counted, never waited for). [0.1 .. 600, default 10]
    """

    kind: ClassVar[str] = "samples"


#: The class of every node kind, by kind name.
KINDS: dict[str, type[Node]] = {
    "sine": Sine,
    "saw": Saw,
    "square": Square,
    "pulse": Pulse,
    "triangle": Triangle,
    "noise": Noise,
    "const": Const,
    "muladd": Muladd,
    "mul": Mul,
    "mixer": Mixer,
    "sum": Sum,
    "stack": Stack,
    "pan": Pan,
    "biquad": Biquad,
    "svf": Svf,
    "adsr": Adsr,
    "delay": Delay,
    "voices": Voices,
    "fm": Fm,
    "wavetable": Wavetable,
    "sampler": Sampler,
    "clip": Clip,
    "pitchshift": Pitchshift,
    "transpose": Transpose,
    "feedback": Feedback,
    "input": Input,
    "clock": Clock,
    "reverb": Reverb,
    "freeverb": Freeverb,
    "pingpong": Pingpong,
    "chorus": Chorus,
    "flanger": Flanger,
    "phaser": Phaser,
    "compressor": Compressor,
    "expander": Expander,
    "limiter": Limiter,
    "distortion": Distortion,
    "bitcrusher": Bitcrusher,
    "eq": Eq,
    "gain": Gain,
    "dcblock": Dcblock,
    "midside": Midside,
    "width": Width,
    "meter": Meter,
    "probe": Probe,
    "stft": Stft,
    "mel": Mel,
    "mfcc": Mfcc,
    "chroma": Chroma,
    "spectral": Spectral,
    "rms": Rms,
    "loudness": Loudness,
    "onsets": Onsets,
    "pitch": Pitch,
    "notes": Notes,
    "beats": Beats,
    "samples": Samples,
}


class NodeBuilders:
    """One builder per node kind (mixed into :class:`chronus.Graph`)."""

    def _add(
        self,
        cls: type[N],
        inputs: dict[str, Signal | Sequence[Signal] | None],
        params: dict[str, ParamValue],
        options: dict[str, object],
        name: str | None,
        builder: str | None = None,
    ) -> N:
        raise NotImplementedError  # provided by Graph

    def sine(
        self,
        freq: ParamValue = 440.0,
        *,
        phase: float = 0,
        name: str | None = None,
    ) -> Sine:
        """Sine oscillator, sin(2 pi phase), from a 4096-point table (error under -120 dB).

        Parameters (numbers, one number per lane, or signals):
            freq: Frequency; negative values run the cycle backwards (through-zero FM).
                [-100000.0 .. 100000.0 Hz, default 440.0]

        Options (fixed once built):
            phase: Starting phase in cycles. [0 .. 1, default 0]
        """
        return self._add(
            Sine,
            {},
            {"freq": freq},
            {"phase": phase},
            name,
        )

    def saw(
        self,
        freq: ParamValue = 440.0,
        *,
        phase: float = 0,
        name: str | None = None,
    ) -> Saw:
        """Band-limited rising sawtooth from -1 to 1 (mip-mapped wavetable, no aliasing).

        Parameters (numbers, one number per lane, or signals):
            freq: Frequency; negative values run the cycle backwards (through-zero FM).
                [-100000.0 .. 100000.0 Hz, default 440.0]

        Options (fixed once built):
            phase: Starting phase in cycles. [0 .. 1, default 0]
        """
        return self._add(
            Saw,
            {},
            {"freq": freq},
            {"phase": phase},
            name,
        )

    def square(
        self,
        freq: ParamValue = 440.0,
        *,
        phase: float = 0,
        name: str | None = None,
    ) -> Square:
        """Band-limited square, +1 on the first half of the cycle and -1 on the second.

        Parameters (numbers, one number per lane, or signals):
            freq: Frequency; negative values run the cycle backwards (through-zero FM).
                [-100000.0 .. 100000.0 Hz, default 440.0]

        Options (fixed once built):
            phase: Starting phase in cycles. [0 .. 1, default 0]
        """
        return self._add(
            Square,
            {},
            {"freq": freq},
            {"phase": phase},
            name,
        )

    def pulse(
        self,
        freq: ParamValue = 440.0,
        width: ParamValue = 0.5,
        *,
        phase: float = 0,
        name: str | None = None,
    ) -> Pulse:
        """Band-limited pulse, +1 for `width` of the cycle and -1 for the rest (difference of two
        band-limited saws, so width can be modulated freely).

        Parameters (numbers, one number per lane, or signals):
            freq: Frequency; negative values run the cycle backwards (through-zero FM).
                [-100000.0 .. 100000.0 Hz, default 440.0]
            width: Fraction of the cycle spent high (0.5 is a square). [0.0 .. 1.0, default
                0.5]

        Options (fixed once built):
            phase: Starting phase in cycles. [0 .. 1, default 0]
        """
        return self._add(
            Pulse,
            {},
            {"freq": freq, "width": width},
            {"phase": phase},
            name,
        )

    def triangle(
        self,
        freq: ParamValue = 440.0,
        *,
        phase: float = 0,
        name: str | None = None,
    ) -> Triangle:
        """Band-limited triangle rising from 0 at phase 0 to 1 at phase 1/4.

        Parameters (numbers, one number per lane, or signals):
            freq: Frequency; negative values run the cycle backwards (through-zero FM).
                [-100000.0 .. 100000.0 Hz, default 440.0]

        Options (fixed once built):
            phase: Starting phase in cycles. [0 .. 1, default 0]
        """
        return self._add(
            Triangle,
            {},
            {"freq": freq},
            {"phase": phase},
            name,
        )

    def noise(
        self,
        color: Literal["white", "pink"] = "white",
        *,
        seed: int = 0,
        channels: int = 1,
        name: str | None = None,
    ) -> Noise:
        """Noise. White: uniform in [-1, 1) (-4.8 dBFS RMS). Pink: white through a cascade of
        first-order sections with poles every half decade from 1 Hz, -3.01 dB per octave within
        0.4 dB from 20 Hz to 10 kHz at 48 kHz, scaled to -12 dBFS RMS.

        Options (fixed once built):
            color: Spectrum. One of 'white', 'pink' (default 'white').
            seed: Seed; lane n uses seed + n. The same seed gives the same noise. [0 ..
                4294967295, default 0]
            channels: Independent noise channels (lanes). [1 .. 1024, default 1]
        """
        return self._add(
            Noise,
            {},
            {},
            {"color": color, "seed": seed, "channels": channels},
            name,
        )

    def const(
        self,
        value: ParamValue = 0.0,
        *,
        name: str | None = None,
    ) -> Const:
        """A constant signal (one value per lane); changes glide like any parameter.

        Parameters (numbers, one number per lane, or signals):
            value: Output value. [-1000000000.0 .. 1000000000.0, default 0.0]
        """
        return self._add(
            Const,
            {},
            {"value": value},
            {},
            name,
        )

    def muladd(
        self,
        input: Signal | Sequence[Signal] | None = None,
        mul: ParamValue = 1.0,
        add: ParamValue = 0.0,
        *,
        name: str | None = None,
    ) -> Muladd:
        """Scale and offset: out = in * mul + add (gain, inversion, bias, range mapping).

        Inputs: ``input``.

        Parameters (numbers, one number per lane, or signals):
            mul: Factor. [-1000000000.0 .. 1000000000.0, default 1.0]
            add: Offset. [-1000000000.0 .. 1000000000.0, default 0.0]
        """
        return self._add(
            Muladd,
            {"in": input},
            {"mul": mul, "add": add},
            {},
            name,
        )

    def mul(
        self,
        a: Signal | Sequence[Signal] | None = None,
        b: Signal | Sequence[Signal] | None = None,
        *,
        name: str | None = None,
    ) -> Mul:
        """Product of two signals (ring modulation, VCA).

        Inputs: ``a``, ``b``.
        """
        return self._add(
            Mul,
            {"a": a, "b": b},
            {},
            {},
            name,
        )

    def sum(
        self,
        input: Signal | Sequence[Signal] | None = None,
        *,
        channels: int = 1,
        name: str | None = None,
    ) -> Sum:
        """Sums the channels of its input down to `channels` outputs: input channel c goes to
        output c mod channels (voices to mono, or to stereo pairs).

        Inputs: ``input``.

        Options (fixed once built):
            channels: Output channels. [1 .. 1024, default 1]
        """
        return self._add(
            Sum,
            {"in": input},
            {},
            {"channels": channels},
            name,
        )

    def pan(
        self,
        input: Signal | Sequence[Signal] | None = None,
        pan: ParamValue = 0.0,
        *,
        name: str | None = None,
    ) -> Pan:
        """Equal-power pan to stereo: each input lane is a mono source placed at its own `pan`
        position (-1 left, 0 centre at -3 dB per side, 1 right); the lanes are summed into one
        stereo pair.

        Inputs: ``input``.

        Parameters (numbers, one number per lane, or signals):
            pan: Position from -1 (left) to 1 (right). [-1.0 .. 1.0, default 0.0]
        """
        return self._add(
            Pan,
            {"in": input},
            {"pan": pan},
            {},
            name,
        )

    def biquad(
        self,
        input: Signal | Sequence[Signal] | None = None,
        freq: ParamValue = 1000.0,
        q: ParamValue = 0.70710677,
        gain: ParamValue = 0.0,
        *,
        mode: Literal[
            "lowpass", "highpass", "bandpass", "notch", "peak", "lowshelf", "highshelf", "allpass"
        ] = "lowpass",
        name: str | None = None,
    ) -> Biquad:
        """Second-order filter from the RBJ cookbook: lowpass, highpass, bandpass (0 dB peak),
        notch, peak, lowshelf, highshelf, allpass. `gain` applies to peak and shelves.

        Inputs: ``input``.

        Parameters (numbers, one number per lane, or signals):
            freq: Corner or centre frequency (clamped below 0.49 x sample rate). [1.0 ..
                100000.0 Hz, default 1000.0]
            q: Quality factor. [0.01 .. 100.0, default 0.70710677]
            gain: Boost or cut. [-48.0 .. 48.0 dB, default 0.0]

        Options (fixed once built):
            mode: Response type. One of 'lowpass', 'highpass', 'bandpass', 'notch', 'peak',
                'lowshelf', 'highshelf', 'allpass' (default 'lowpass').
        """
        return self._add(
            Biquad,
            {"in": input},
            {"freq": freq, "q": q, "gain": gain},
            {"mode": mode},
            name,
        )

    def svf(
        self,
        input: Signal | Sequence[Signal] | None = None,
        cutoff: ParamValue = 1000.0,
        q: ParamValue = 0.70710677,
        *,
        mode: Literal["lowpass", "highpass", "bandpass", "notch", "peak", "allpass"] = "lowpass",
        name: str | None = None,
    ) -> Svf:
        """State-variable filter (TPT): 12 dB/octave lowpass or highpass, bandpass with 0 dB peak,
        notch, peak (lowpass minus highpass) or allpass; resonance via q.

        Inputs: ``input``.

        Parameters (numbers, one number per lane, or signals):
            cutoff: Cutoff frequency (signals are clamped to [1 Hz, 0.49 x sample rate]).
                [1.0 .. 100000.0 Hz, default 1000.0]
            q: Resonance (0.707 is maximally flat). [0.025 .. 100.0, default 0.70710677]

        Options (fixed once built):
            mode: Response type. One of 'lowpass', 'highpass', 'bandpass', 'notch', 'peak',
                'allpass' (default 'lowpass').
        """
        return self._add(
            Svf,
            {"in": input},
            {"cutoff": cutoff, "q": q},
            {"mode": mode},
            name,
        )

    def adsr(
        self,
        attack: ParamValue = 0.01,
        decay: ParamValue = 0.1,
        sustain: ParamValue = 0.7,
        release: ParamValue = 0.3,
        gate: ParamValue = 0.0,
        trigger: ParamValue = 0.0,
        *,
        name: str | None = None,
    ) -> Adsr:
        """Linear ADSR envelope from 0 to 1. A rising gate (crossing 0.5) starts the attack on that
        very frame, from the current level; a falling gate starts the release on that frame,
        which takes `release` seconds from whatever level it starts at. A rising `trigger`
        restarts the attack while the gate stays on (voice stealing, legato retrigger).

        Parameters (numbers, one number per lane, or signals):
            attack: Time from 0 to full level. [0.0 .. 600.0 s, default 0.01]
            decay: Time from full level down to the sustain level. [0.0 .. 600.0 s, default
                0.1]
            sustain: Level held while the gate is on. [0.0 .. 1.0, default 0.7]
            release: Time from the level at gate-off down to 0. [0.0 .. 600.0 s, default
                0.3]
            gate: Above 0.5 is on. Changes are never smoothed. [0.0 .. 1.0, default 0.0]
            trigger: A rise above 0.5 restarts the attack from the current level even while
                the gate stays on. [0.0 .. 1.0, default 0.0]
        """
        return self._add(
            Adsr,
            {},
            {
                "attack": attack,
                "decay": decay,
                "sustain": sustain,
                "release": release,
                "gate": gate,
                "trigger": trigger,
            },
            {},
            name,
        )

    def delay(
        self,
        input: Signal | Sequence[Signal] | None = None,
        time: ParamValue = 0.25,
        feedback: ParamValue = 0.0,
        mix: ParamValue = 1.0,
        lowcut: ParamValue = 0.0,
        highcut: ParamValue = 100000.0,
        *,
        max_time: float = 2,
        name: str | None = None,
    ) -> Delay:
        """Delay with feedback: the line is fed tone(input + feedback x output), where the tone
        control is an optional low cut and high cut; the delay time may be fractional and
        modulated (4-point Hermite interpolation). Each lane is its own line.

        Inputs: ``input``.

        Parameters (numbers, one number per lane, or signals):
            time: Delay time, clamped to [1 frame, max_time]. [0.0 .. 3600.0 s, default
                0.25]
            feedback: Gain of the output fed back into the line. [-1.0 .. 1.0, default 0.0]
            mix: 0 is dry only, 1 is delayed signal only. [0.0 .. 1.0, default 1.0]
            lowcut: Corner of a 6 dB/octave highpass on what enters the line, so every
                repeat thins out (0 is off). [0.0 .. 100000.0 Hz, default 0.0]
            highcut: Corner of a 6 dB/octave lowpass on what enters the line, so every
                repeat darkens (off at or above half the sample rate). [1.0 .. 100000.0 Hz,
                default 100000.0]

        Options (fixed once built):
            max_time: Longest delay in seconds (sets the memory allocated). [0.001 .. 3600,
                default 2]
        """
        return self._add(
            Delay,
            {"in": input},
            {"time": time, "feedback": feedback, "mix": mix, "lowcut": lowcut, "highcut": highcut},
            {"max_time": max_time},
            name,
        )

    def voices(
        self,
        voices: int = 8,
        level: Signal | Sequence[Signal] | None = None,
        bend_range: ParamValue = 2.0,
        glide: ParamValue = 0.0,
        velocity_curve: ParamValue = 1.0,
        *,
        steal: Literal["oldest", "quietest"] = "oldest",
        mode: Literal["poly", "mono", "legato"] = "poly",
        tuning: float = 440,
        name: str | None = None,
    ) -> Voices:
        """Voice allocator: turns note events into one lane per voice (frequency, gate, velocity,
        note number, retrigger pulse). In poly mode a note-on takes a free voice (the one
        released longest ago) or steals the oldest or quietest sounding one; a repeated note on
        the same channel retriggers its own voice. In mono and legato modes every voice plays
        the last key held (legato retriggers nothing while keys overlap). Honours the sustain
        pedal (CC 64), all-notes-off (CC 120/123), per-channel pitch bend, portamento and a
        velocity curve.

        Inputs: ``level``.

        Parameters (numbers, one number per lane, or signals):
            bend_range: Pitch change at full pitch-bend deflection. [0.0 .. 48.0 semitones,
                default 2.0]
            glide: Portamento: time a voice takes to slide to a new note, linearly in pitch
                (0 jumps). Poly voices slide from their previous note; legato slides only
                between overlapping keys. [0.0 .. 10.0 s, default 0.0]
            velocity_curve: Exponent applied to velocities: 1 is linear, above 1 needs
                harder playing, below 1 softer. [0.1 .. 10.0, default 1.0]

        Options (fixed once built):
            voices: Number of voices (lanes of every output). [1 .. 4096, default 8]
            steal: Which sounding voice a note takes when none is free (poly mode). One of
                'oldest', 'quietest' (default 'oldest').
            mode: poly: a voice per note; mono: every voice plays the last key held,
                retriggering; legato: likewise, but overlapping keys change pitch without
                retriggering. One of 'poly', 'mono', 'legato' (default 'poly').
            tuning: Frequency of A4 (MIDI note 69) in Hz. [300 .. 600, default 440]

        Outputs: ``freq``, ``gate``, ``velocity``, ``note``, ``trigger`` (the node itself is ``freq``).
        """
        return self._add(
            Voices,
            {"level": level},
            {"bend_range": bend_range, "glide": glide, "velocity_curve": velocity_curve},
            {"voices": voices, "steal": steal, "mode": mode, "tuning": tuning},
            name,
        )

    def pitchshift(
        self,
        input: Signal | Sequence[Signal] | None = None,
        semitones: ParamValue = 0.0,
        *,
        channels: float = 0,
        name: str | None = None,
    ) -> Pitchshift:
        """Pitch shifter (Signalsmith Stretch): transposes its input by `semitones` at the same
        length and tempo, all channels together (stereo stays coherent). Delays the signal by
        its latency (about 0.1 s, reported to the compiler).

        Inputs: ``input``.

        Parameters (numbers, one number per lane, or signals):
            semitones: Transposition in semitones, read once a block. [-36.0 .. 36.0 st,
                default 0.0]

        Options (fixed once built):
            channels: Channels shifted together (0: as many as the input carries). [0 .. 8,
                default 0]
        """
        return self._add(
            Pitchshift,
            {"in": input},
            {"semitones": semitones},
            {"channels": channels},
            name,
        )

    def transpose(
        self,
        input: Signal | Sequence[Signal] | None = None,
        semitones: ParamValue = 0.0,
        *,
        name: str | None = None,
    ) -> Transpose:
        """Multiplies its input (a frequency) by 2^(semitones / 12): pitch modulation in musical
        units, such as vibrato, detune (cents are hundredths) or an envelope sweeping a filter's
        cutoff by octaves (twelves of semitones).

        Inputs: ``input``.

        Parameters (numbers, one number per lane, or signals):
            semitones: Interval to move by; negative goes down. [-240.0 .. 240.0 semitones,
                default 0.0]
        """
        return self._add(
            Transpose,
            {"in": input},
            {"semitones": semitones},
            {},
            name,
        )

    def feedback(
        self,
        channels: int = 1,
        *,
        name: str | None = None,
    ) -> Feedback:
        """One-block feedback: outputs its input delayed by exactly the engine's block size, which
        is what lets a signal path loop back on itself.

        Inputs: ``input``.

        Options (fixed once built):
            channels: Channels carried (fixed, since the loop's width cannot be inferred).
                [1 .. 1024, default 1]
        """
        return self._add(
            Feedback,
            {},
            {},
            {"channels": channels},
            name,
        )

    def input(
        self,
        channels: int = 1,
        *,
        offset: int = 0,
        name: str | None = None,
    ) -> Input:
        """Audio from the device input (or from the array given to an offline render): `channels`
        channels starting at device channel `offset`; missing channels are silent.

        Options (fixed once built):
            channels: Channels to take. [1 .. 256, default 1]
            offset: First device channel (0-based). [0 .. 255, default 0]
        """
        return self._add(
            Input,
            {},
            {},
            {"channels": channels, "offset": offset},
            name,
        )

    def clock(
        self,
        *,
        name: str | None = None,
    ) -> Clock:
        """The transport as signals: its position in beats, its tempo, the length of a beat and
        whether it plays. Without a transport: beat 0 at 120 BPM, stopped.

        Outputs: ``beat``, ``bpm``, ``period``, ``playing`` (the node itself is ``beat``).
        """
        return self._add(
            Clock,
            {},
            {},
            {},
            name,
        )

    def reverb(
        self,
        input: Signal | Sequence[Signal] | None = None,
        decay: ParamValue = 1.5,
        damping: ParamValue = 0.5,
        predelay: ParamValue = 0.0,
        width: ParamValue = 1.0,
        mix: ParamValue = 0.3,
        *,
        size: float = 1,
        modulation: float = 0,
        name: str | None = None,
    ) -> Reverb:
        """Feedback-delay-network reverb: 8 lines, Hadamard feedback matrix, per-line absorption
        set from the decay time (RT60) and damping, pre-delay, input diffusion, stereo width and
        mix. Mono or stereo in, stereo out. Parameters use their first lane.

        Inputs: ``input``.

        Parameters (numbers, one number per lane, or signals):
            decay: Decay time RT60: time for the tail to fall by 60 dB (at low frequencies).
                [0.05 .. 100.0 s, default 1.5]
            damping: How much faster high frequencies die away (0 none, 1 most). [0.0 ..
                1.0, default 0.5]
            predelay: Delay before the reverberation starts. [0.0 .. 1.0 s, default 0.0]
            width: Stereo width of the reverberation (0 mono, 1 full). [0.0 .. 1.0, default
                1.0]
            mix: 0 is dry only, 1 is wet only. [0.0 .. 1.0, default 0.3]

        Options (fixed once built):
            size: Scale of the line lengths (room size; 1 is 32 to 74 ms). [0.25 .. 4,
                default 1]
            modulation: Depth of the slow modulation of the lines (0 off, 1 is 0.25 ms
                either way): smooths the ring of long tails. [0 .. 1, default 0]
        """
        return self._add(
            Reverb,
            {"in": input},
            {"decay": decay, "damping": damping, "predelay": predelay, "width": width, "mix": mix},
            {"size": size, "modulation": modulation},
            name,
        )

    def freeverb(
        self,
        input: Signal | Sequence[Signal] | None = None,
        decay: ParamValue = 1.5,
        damping: ParamValue = 0.5,
        predelay: ParamValue = 0.0,
        width: ParamValue = 1.0,
        mix: ParamValue = 0.3,
        *,
        name: str | None = None,
    ) -> Freeverb:
        """Freeverb-style reverb: 8 damped combs and 4 all-passes per channel, each comb's feedback
        set so the tail decays by 60 dB in `decay` seconds. Mono or stereo in (summed into the
        tank), stereo out. Parameters use their first lane.

        Inputs: ``input``.

        Parameters (numbers, one number per lane, or signals):
            decay: Decay time RT60: time for the tail to fall by 60 dB (at low frequencies).
                [0.05 .. 100.0 s, default 1.5]
            damping: How much faster high frequencies die away (0 none, 1 most). [0.0 ..
                1.0, default 0.5]
            predelay: Delay before the reverberation starts. [0.0 .. 1.0 s, default 0.0]
            width: Stereo width of the reverberation (0 mono, 1 full). [0.0 .. 1.0, default
                1.0]
            mix: 0 is dry only, 1 is wet only. [0.0 .. 1.0, default 0.3]
        """
        return self._add(
            Freeverb,
            {"in": input},
            {"decay": decay, "damping": damping, "predelay": predelay, "width": width, "mix": mix},
            {},
            name,
        )

    def pingpong(
        self,
        input: Signal | Sequence[Signal] | None = None,
        time: ParamValue = 0.25,
        feedback: ParamValue = 0.0,
        mix: ParamValue = 1.0,
        lowcut: ParamValue = 0.0,
        highcut: ParamValue = 100000.0,
        *,
        max_time: float = 2,
        name: str | None = None,
    ) -> Pingpong:
        """Ping-pong delay: the input's mono sum enters the left line; each line's output, times
        feedback, feeds the other line, through the tone control. Echoes land left after `time`
        (gain 1), right after twice that (gain feedback), left again (gain feedback^2), and so
        on. A second value (lane) of a parameter sets the right line's. Mono or stereo in,
        stereo out.

        Inputs: ``input``.

        Parameters (numbers, one number per lane, or signals):
            time: Delay time, clamped to [1 frame, max_time]. [0.0 .. 3600.0 s, default
                0.25]
            feedback: Gain of the output fed back into the line. [-1.0 .. 1.0, default 0.0]
            mix: 0 is dry only, 1 is delayed signal only. [0.0 .. 1.0, default 1.0]
            lowcut: Corner of a 6 dB/octave highpass on what enters the line, so every
                repeat thins out (0 is off). [0.0 .. 100000.0 Hz, default 0.0]
            highcut: Corner of a 6 dB/octave lowpass on what enters the line, so every
                repeat darkens (off at or above half the sample rate). [1.0 .. 100000.0 Hz,
                default 100000.0]

        Options (fixed once built):
            max_time: Longest delay in seconds (sets the memory allocated). [0.001 .. 3600,
                default 2]
        """
        return self._add(
            Pingpong,
            {"in": input},
            {"time": time, "feedback": feedback, "mix": mix, "lowcut": lowcut, "highcut": highcut},
            {"max_time": max_time},
            name,
        )

    def chorus(
        self,
        input: Signal | Sequence[Signal] | None = None,
        rate: ParamValue = 1.0,
        depth: ParamValue = 0.002,
        delay: ParamValue = 0.007,
        feedback: ParamValue = 0.0,
        mix: ParamValue = 0.5,
        *,
        spread: float = 0.25,
        name: str | None = None,
    ) -> Chorus:
        """Chorus: the wet signal is the input delayed by delay + depth x sin(2 pi rate t) (Hermite
        interpolation), with feedback into the line; per lane.

        Inputs: ``input``.

        Parameters (numbers, one number per lane, or signals):
            rate: LFO frequency (0 holds the sweep at its centre). [0.0 .. 20.0 Hz, default
                1.0]
            depth: How far the delay swings either side of `delay`. [0.0 .. 0.05 s, default
                0.002]
            delay: Centre of the swept delay. [0.0 .. 0.1 s, default 0.007]
            feedback: Gain of the delayed signal fed back into the line (negative inverts
                it). [-0.99 .. 0.99, default 0.0]
            mix: 0 is dry only, 1 is wet only. [0.0 .. 1.0, default 0.5]

        Options (fixed once built):
            spread: LFO phase offset between successive lanes, in cycles (0.25 puts left and
                right in quadrature). [0 .. 1, default 0.25]
        """
        return self._add(
            Chorus,
            {"in": input},
            {"rate": rate, "depth": depth, "delay": delay, "feedback": feedback, "mix": mix},
            {"spread": spread},
            name,
        )

    def flanger(
        self,
        input: Signal | Sequence[Signal] | None = None,
        rate: ParamValue = 0.25,
        depth: ParamValue = 0.002,
        delay: ParamValue = 0.002,
        feedback: ParamValue = 0.5,
        mix: ParamValue = 0.5,
        *,
        spread: float = 0.25,
        through_zero: bool = False,
        name: str | None = None,
    ) -> Flanger:
        """Flanger: a short swept delay (delay + depth x sin(2 pi rate t)) mixed with the dry
        signal, with feedback; per lane. With through_zero on, the dry path is delayed by 10 ms
        (reported as latency) and `delay` is the wet tap's offset from it, so the sweep passes
        through zero.

        Inputs: ``input``.

        Parameters (numbers, one number per lane, or signals):
            rate: LFO frequency (0 holds the sweep at its centre). [0.0 .. 20.0 Hz, default
                0.25]
            depth: How far the delay swings either side of `delay`. [0.0 .. 0.01 s, default
                0.002]
            delay: Centre of the swept delay (through zero: offset from the delayed dry
                path). [0.0 .. 0.02 s, default 0.002]
            feedback: Gain of the delayed signal fed back into the line (negative inverts
                it). [-0.99 .. 0.99, default 0.5]
            mix: 0 is dry only, 1 is wet only. [0.0 .. 1.0, default 0.5]

        Options (fixed once built):
            spread: LFO phase offset between successive lanes, in cycles (0.25 puts left and
                right in quadrature). [0 .. 1, default 0.25]
            through_zero: Sweep the wet path through the (delayed) dry path. (default False)
        """
        return self._add(
            Flanger,
            {"in": input},
            {"rate": rate, "depth": depth, "delay": delay, "feedback": feedback, "mix": mix},
            {"spread": spread, "through_zero": _switch(through_zero)},
            name,
        )

    def phaser(
        self,
        input: Signal | Sequence[Signal] | None = None,
        rate: ParamValue = 0.5,
        freq: ParamValue = 1000.0,
        depth: ParamValue = 1.0,
        feedback: ParamValue = 0.0,
        mix: ParamValue = 0.5,
        *,
        stages: int = 4,
        spread: float = 0.25,
        name: str | None = None,
    ) -> Phaser:
        """Phaser per lane: `stages` first-order all-passes H(z) = (a + z^-1) / (1 + a z^-1) with a
        = (t - 1) / (t + 1), t = tan(pi fc / samplerate), each turning -90 degrees at fc = freq
        x 2^(depth x sin(2 pi rate t)); out = dry + mix (chain - dry), the chain fed input +
        feedback x its previous output.

        Inputs: ``input``.

        Parameters (numbers, one number per lane, or signals):
            rate: LFO frequency (0 holds the sweep at `freq`). [0.0 .. 20.0 Hz, default 0.5]
            freq: Centre of the sweep: the stages' -90 degree frequency. [1.0 .. 20000.0 Hz,
                default 1000.0]
            depth: How far the sweep goes either side of `freq`. [0.0 .. 6.0 octaves,
                default 1.0]
            feedback: Gain of the chain's output fed back to its input (sharpens the
                notches' peaks). [-0.99 .. 0.99, default 0.0]
            mix: 0 is dry only, 1 is wet only. [0.0 .. 1.0, default 0.5]

        Options (fixed once built):
            stages: Number of all-pass stages (notches: half of it). [1 .. 24, default 4]
            spread: LFO phase offset between successive lanes, in cycles. [0 .. 1, default
                0.25]
        """
        return self._add(
            Phaser,
            {"in": input},
            {"rate": rate, "freq": freq, "depth": depth, "feedback": feedback, "mix": mix},
            {"stages": stages, "spread": spread},
            name,
        )

    def compressor(
        self,
        input: Signal | Sequence[Signal] | None = None,
        threshold: ParamValue = -20.0,
        ratio: ParamValue = 4.0,
        knee: ParamValue = 6.0,
        attack: ParamValue = 0.005,
        release: ParamValue = 0.1,
        makeup: ParamValue = 0.0,
        mix: ParamValue = 1.0,
        *,
        sidechain: Signal | Sequence[Signal] | None = None,
        detector: Literal["peak", "rms"] = "peak",
        window: float = 0.01,
        name: str | None = None,
    ) -> Compressor:
        """Feed-forward compressor with soft knee, peak or RMS detection, makeup gain, dry/wet mix
        and a sidechain input. Above the knee the output level rises 1/ratio dB per dB. Channels
        are linked. Time constants are the time to cover 63 % of a change in gain reduction (in
        dB).

        Inputs: ``input``, ``sidechain``.

        Parameters (numbers, one number per lane, or signals):
            threshold: Level where the curve bends. [-120.0 .. 24.0 dB, default -20.0]
            ratio: Input dB per output dB above the threshold. [1.0 .. 1000.0, default 4.0]
            knee: Width of the quadratic soft knee centred on the threshold (0 is a hard
                knee). [0.0 .. 48.0 dB, default 6.0]
            attack: Time constant of gain reduction growing (63 % of a step). [0.0 .. 10.0
                s, default 0.005]
            release: Time constant of gain reduction shrinking. [0.0 .. 10.0 s, default 0.1]
            makeup: Gain after compression. [-48.0 .. 48.0 dB, default 0.0]
            mix: 0 is dry only, 1 is wet only. [0.0 .. 1.0, default 1.0]

        Options (fixed once built):
            detector: Level measure: the sample peak, or the RMS over `window`. One of
                'peak', 'rms' (default 'peak').
            window: Time constant of the RMS detector in seconds. [0.0001 .. 1, default
                0.01]

        Outputs: ``out``, ``reduction`` (the node itself is ``out``).
        """
        return self._add(
            Compressor,
            {"in": input, "sidechain": sidechain},
            {
                "threshold": threshold,
                "ratio": ratio,
                "knee": knee,
                "attack": attack,
                "release": release,
                "makeup": makeup,
                "mix": mix,
            },
            {"detector": detector, "window": window},
            name,
        )

    def expander(
        self,
        input: Signal | Sequence[Signal] | None = None,
        threshold: ParamValue = -50.0,
        ratio: ParamValue = 2.0,
        knee: ParamValue = 6.0,
        attack: ParamValue = 0.001,
        release: ParamValue = 0.1,
        hold: ParamValue = 0.0,
        range: ParamValue = 80.0,
        *,
        sidechain: Signal | Sequence[Signal] | None = None,
        detector: Literal["peak", "rms"] = "peak",
        window: float = 0.01,
        name: str | None = None,
    ) -> Expander:
        """Downward expander and noise gate: below the threshold the output level falls `ratio` dB
        per dB, down to at most `range` dB of attenuation (a high ratio makes a gate). Attack is
        how fast it opens, release how fast it closes once `hold` has passed. Peak or RMS
        detection, sidechain input, linked channels.

        Inputs: ``input``, ``sidechain``.

        Parameters (numbers, one number per lane, or signals):
            threshold: Level where the curve bends. [-120.0 .. 24.0 dB, default -50.0]
            ratio: Output dB per input dB below the threshold. [1.0 .. 1000.0, default 2.0]
            knee: Width of the quadratic soft knee centred on the threshold (0 is a hard
                knee). [0.0 .. 48.0 dB, default 6.0]
            attack: Time constant of opening (gain reduction shrinking). [0.0 .. 10.0 s,
                default 0.001]
            release: Time constant of closing (gain reduction growing). [0.0 .. 10.0 s,
                default 0.1]
            hold: Time the gain holds before closing starts. [0.0 .. 10.0 s, default 0.0]
            range: Most attenuation applied. [0.0 .. 200.0 dB, default 80.0]

        Options (fixed once built):
            detector: Level measure: the sample peak, or the RMS over `window`. One of
                'peak', 'rms' (default 'peak').
            window: Time constant of the RMS detector in seconds. [0.0001 .. 1, default
                0.01]

        Outputs: ``out``, ``reduction`` (the node itself is ``out``).
        """
        return self._add(
            Expander,
            {"in": input, "sidechain": sidechain},
            {
                "threshold": threshold,
                "ratio": ratio,
                "knee": knee,
                "attack": attack,
                "release": release,
                "hold": hold,
                "range": range,
            },
            {"detector": detector, "window": window},
            name,
        )

    def limiter(
        self,
        input: Signal | Sequence[Signal] | None = None,
        ceiling: ParamValue = -1.0,
        release: ParamValue = 0.1,
        *,
        lookahead: float = 0.005,
        name: str | None = None,
    ) -> Limiter:
        """Lookahead brick-wall limiter: the output's sample peak never exceeds `ceiling`. Gain
        reduction ramps in over the lookahead (which is the node's latency) and recovers with
        time constant `release`. Channels are linked.

        Inputs: ``input``.

        Parameters (numbers, one number per lane, or signals):
            ceiling: Highest sample peak of the output. [-60.0 .. 24.0 dB, default -1.0]
            release: Time constant of the gain's recovery. [0.0 .. 10.0 s, default 0.1]

        Options (fixed once built):
            lookahead: How far ahead the limiter looks, in seconds (rounded to whole
                frames): its latency. [0.0001 .. 0.1, default 0.005]

        Outputs: ``out``, ``reduction`` (the node itself is ``out``).
        """
        return self._add(
            Limiter,
            {"in": input},
            {"ceiling": ceiling, "release": release},
            {"lookahead": lookahead},
            name,
        )

    def distortion(
        self,
        input: Signal | Sequence[Signal] | None = None,
        drive: ParamValue = 12.0,
        mix: ParamValue = 1.0,
        *,
        shape: Literal["tanh", "soft", "hard", "fold"] = "tanh",
        oversample: int = 1,
        name: str | None = None,
    ) -> Distortion:
        """Waveshaper y = shape(drive x) per lane. Shapes: tanh; soft (cubic, 1.5 x - 0.5 x^3, flat
        beyond +-1); hard (clip at +-1); fold (foldback: reflects at +-1). Oversampling by 2, 4
        or 8 keeps aliasing down and adds its filters' delay as latency.

        Inputs: ``input``.

        Parameters (numbers, one number per lane, or signals):
            drive: Gain before the curve. [-48.0 .. 72.0 dB, default 12.0]
            mix: 0 is dry only, 1 is wet only. [0.0 .. 1.0, default 1.0]

        Options (fixed once built):
            shape: Curve. One of 'tanh', 'soft', 'hard', 'fold' (default 'tanh').
            oversample: Oversampling factor: 1 (none), 2, 4 or 8. [1 .. 8, default 1]
        """
        return self._add(
            Distortion,
            {"in": input},
            {"drive": drive, "mix": mix},
            {"shape": shape, "oversample": oversample},
            name,
        )

    def bitcrusher(
        self,
        input: Signal | Sequence[Signal] | None = None,
        bits: ParamValue = 8.0,
        rate: ParamValue = 100000.0,
        mix: ParamValue = 1.0,
        *,
        name: str | None = None,
    ) -> Bitcrusher:
        """Bit crusher per lane: holds a new input sample `rate` times a second (sample-and-hold on
        a phase accumulator, so any rate works) and rounds it to a grid of step 2^(1 - bits):
        `bits` levels per half range, fractional bits allowed.

        Inputs: ``input``.

        Parameters (numbers, one number per lane, or signals):
            bits: Resolution in bits (the step is 2 / 2^bits of the -1..1 range). [1.0 ..
                32.0, default 8.0]
            rate: Rate of new samples (at or above the sample rate: every frame). [1.0 ..
                1000000.0 Hz, default 100000.0]
            mix: 0 is dry only, 1 is wet only. [0.0 .. 1.0, default 1.0]
        """
        return self._add(
            Bitcrusher,
            {"in": input},
            {"bits": bits, "rate": rate, "mix": mix},
            {},
            name,
        )

    def gain(
        self,
        input: Signal | Sequence[Signal] | None = None,
        gain: ParamValue = 0.0,
        *,
        name: str | None = None,
    ) -> Gain:
        """Gain in decibels, per lane; changes glide in dB.

        Inputs: ``input``.

        Parameters (numbers, one number per lane, or signals):
            gain: Gain (0 dB leaves the signal unchanged). [-200.0 .. 60.0 dB, default 0.0]
        """
        return self._add(
            Gain,
            {"in": input},
            {"gain": gain},
            {},
            name,
        )

    def dcblock(
        self,
        input: Signal | Sequence[Signal] | None = None,
        cutoff: ParamValue = 10.0,
        *,
        name: str | None = None,
    ) -> Dcblock:
        """DC blocker: y[n] = x[n] - x[n-1] + R y[n-1] with R = exp(-2 pi cutoff / samplerate), a
        first-order highpass with a zero at DC.

        Inputs: ``input``.

        Parameters (numbers, one number per lane, or signals):
            cutoff: Corner frequency (about -3 dB). [0.1 .. 1000.0 Hz, default 10.0]
        """
        return self._add(
            Dcblock,
            {"in": input},
            {"cutoff": cutoff},
            {},
            name,
        )

    def midside(
        self,
        input: Signal | Sequence[Signal] | None = None,
        *,
        mode: Literal["encode", "decode"] = "encode",
        name: str | None = None,
    ) -> Midside:
        """Mid/side conversion. Encode: mid = (L + R) / 2, side = (L - R) / 2 on channels 0 and 1;
        decode: L = mid + side, R = mid - side (the exact inverse). A mono input counts as L = R
        (encode) or as mid with no side (decode).

        Inputs: ``input``.

        Options (fixed once built):
            mode: Left/right to mid/side, or back. One of 'encode', 'decode' (default
                'encode').
        """
        return self._add(
            Midside,
            {"in": input},
            {},
            {"mode": mode},
            name,
        )

    def width(
        self,
        input: Signal | Sequence[Signal] | None = None,
        width: ParamValue = 1.0,
        *,
        name: str | None = None,
    ) -> Width:
        """Stereo width: scales the side signal, L' = M + w S and R' = M - w S with M = (L + R) / 2
        and S = (L - R) / 2. 0 folds to mono, 1 leaves the image alone, above 1 widens. Takes
        mono or stereo; uses the first lane's width.

        Inputs: ``input``.

        Parameters (numbers, one number per lane, or signals):
            width: Side gain (0 mono, 1 unchanged, 2 twice as wide). [0.0 .. 4.0, default
                1.0]
        """
        return self._add(
            Width,
            {"in": input},
            {"width": width},
            {},
            name,
        )

    def meter(
        self,
        input: Signal | Sequence[Signal] | None = None,
        *,
        window: float = 0.3,
        release: float = 1.5,
        name: str | None = None,
    ) -> Meter:
        """Meter tap: `out` is the input unchanged; `peak` follows |x| with instant attack and an
        exponential fall of time constant `release`; `rms` is the square root of x^2 averaged by
        a one-pole smoother of time constant `window`. Linear values per lane.

        Inputs: ``input``.

        Options (fixed once built):
            window: Time constant of the RMS average in seconds (0.3 s reads like a VU
                meter). [0 .. 60, default 0.3]
            release: Time constant of the peak's fall in seconds. [0 .. 60, default 1.5]

        Outputs: ``out``, ``peak``, ``rms`` (the node itself is ``out``).
        """
        return self._add(
            Meter,
            {"in": input},
            {},
            {"window": window, "release": release},
            name,
        )

    def stft(
        self,
        input: Signal | Sequence[Signal] | None = None,
        *,
        size: float = 2048,
        hop: float = 512,
        window: Literal["hann", "hamming", "blackman", "rectangular"] = "hann",
        output: Literal["magnitude", "power", "phase"] = "magnitude",
        buffer: float = 10,
        name: str | None = None,
    ) -> Stft:
        """Short-time Fourier transform tap: every `hop` samples, the windowed FFT of the last
        `size` samples, as `size / 2 + 1` bins of magnitude, power or phase (radians). Frames
        are dated at their window's centre. Passes its input through.

        Inputs: ``input``.

        Options (fixed once built):
            size: Analysis window (and FFT size) in samples; even. [16 .. 65536, default
                2048]
            hop: Samples between frames (at most `size`). [1 .. 65536, default 512]
            window: Window shape (periodic). One of 'hann', 'hamming', 'blackman',
                'rectangular' (default 'hann').
            output: What each bin holds. One of 'magnitude', 'power', 'phase' (default
                'magnitude').
            buffer: Seconds of frames the feed holds for a reader that falls behind (then
                frames are dropped and counted, never waited for). [0.1 .. 600, default 10]
        """
        return self._add(
            Stft,
            {"in": input},
            {},
            {"size": size, "hop": hop, "window": window, "output": output, "buffer": buffer},
            name,
        )

    def mel(
        self,
        input: Signal | Sequence[Signal] | None = None,
        *,
        size: float = 2048,
        hop: float = 512,
        bands: float = 128,
        fmin: float = 0,
        fmax: float = 0,
        scale: Literal["power", "db"] = "power",
        buffer: float = 10,
        name: str | None = None,
    ) -> Mel:
        """Mel spectrogram tap: the power spectrum of each frame (Hann window) summed into `bands`
        triangular Slaney mel bands with area normalisation (librosa's melspectrogram), as power
        or dB (10 log10, floored at 1e-10).

        Inputs: ``input``.

        Options (fixed once built):
            size: Analysis window (and FFT size) in samples; even. [16 .. 65536, default
                2048]
            hop: Samples between frames (at most `size`). [1 .. 65536, default 512]
            bands: Number of mel bands. [1 .. 1024, default 128]
            fmin: Lowest frequency of the bands in Hz. [0 .. 100000, default 0]
            fmax: Highest frequency of the bands in Hz (0: half the sample rate). [0 ..
                100000, default 0]
            scale: Power or decibels. One of 'power', 'db' (default 'power').
            buffer: Seconds of frames the feed holds for a reader that falls behind (then
                frames are dropped and counted, never waited for). [0.1 .. 600, default 10]
        """
        return self._add(
            Mel,
            {"in": input},
            {},
            {
                "size": size,
                "hop": hop,
                "bands": bands,
                "fmin": fmin,
                "fmax": fmax,
                "scale": scale,
                "buffer": buffer,
            },
            name,
        )

    def mfcc(
        self,
        input: Signal | Sequence[Signal] | None = None,
        *,
        size: float = 2048,
        hop: float = 512,
        bands: float = 128,
        coefficients: float = 20,
        fmin: float = 0,
        fmax: float = 0,
        buffer: float = 10,
        name: str | None = None,
    ) -> Mfcc:
        """Mel-frequency cepstral coefficients tap: the orthonormal DCT-II of the mel bands in dB
        (librosa's mfcc without its file-wide top_db floor, which a stream cannot know).

        Inputs: ``input``.

        Options (fixed once built):
            size: Analysis window (and FFT size) in samples; even. [16 .. 65536, default
                2048]
            hop: Samples between frames (at most `size`). [1 .. 65536, default 512]
            bands: Number of mel bands. [1 .. 1024, default 128]
            coefficients: Coefficients kept (at most `bands`). [1 .. 1024, default 20]
            fmin: Lowest frequency of the bands in Hz. [0 .. 100000, default 0]
            fmax: Highest frequency of the bands in Hz (0: half the sample rate). [0 ..
                100000, default 0]
            buffer: Seconds of frames the feed holds for a reader that falls behind (then
                frames are dropped and counted, never waited for). [0.1 .. 600, default 10]
        """
        return self._add(
            Mfcc,
            {"in": input},
            {},
            {
                "size": size,
                "hop": hop,
                "bands": bands,
                "coefficients": coefficients,
                "fmin": fmin,
                "fmax": fmax,
                "buffer": buffer,
            },
            name,
        )

    def chroma(
        self,
        input: Signal | Sequence[Signal] | None = None,
        *,
        size: float = 2048,
        hop: float = 512,
        tuning: float = 0,
        buffer: float = 10,
        name: str | None = None,
    ) -> Chroma:
        """Chromagram tap: the power spectrum folded onto the 12 pitch classes (C first) with
        librosa's chroma filters, each frame scaled so its strongest class reads 1.

        Inputs: ``input``.

        Options (fixed once built):
            size: Analysis window (and FFT size) in samples; even. [16 .. 65536, default
                2048]
            hop: Samples between frames (at most `size`). [1 .. 65536, default 512]
            tuning: Deviation of the reference from A440, in fractions of a semitone. [-0.5
                .. 0.5, default 0]
            buffer: Seconds of frames the feed holds for a reader that falls behind (then
                frames are dropped and counted, never waited for). [0.1 .. 600, default 10]
        """
        return self._add(
            Chroma,
            {"in": input},
            {},
            {"size": size, "hop": hop, "tuning": tuning, "buffer": buffer},
            name,
        )

    def spectral(
        self,
        input: Signal | Sequence[Signal] | None = None,
        *,
        size: float = 2048,
        hop: float = 512,
        rolloff: float = 0.85,
        buffer: float = 10,
        name: str | None = None,
    ) -> Spectral:
        """Spectral shape tap: per frame, the centroid (Hz, magnitude-weighted mean frequency), the
        rolloff (Hz below which `rolloff` of the magnitude lies), the flatness (geometric over
        arithmetic mean of the power, 0..1) and the flux (summed rise of the magnitude since the
        previous frame).

        Inputs: ``input``.

        Options (fixed once built):
            size: Analysis window (and FFT size) in samples; even. [16 .. 65536, default
                2048]
            hop: Samples between frames (at most `size`). [1 .. 65536, default 512]
            rolloff: Fraction of the magnitude below the rolloff frequency. [0.01 .. 0.99,
                default 0.85]
            buffer: Seconds of frames the feed holds for a reader that falls behind (then
                frames are dropped and counted, never waited for). [0.1 .. 600, default 10]
        """
        return self._add(
            Spectral,
            {"in": input},
            {},
            {"size": size, "hop": hop, "rolloff": rolloff, "buffer": buffer},
            name,
        )

    def rms(
        self,
        input: Signal | Sequence[Signal] | None = None,
        *,
        size: float = 2048,
        hop: float = 512,
        buffer: float = 10,
        name: str | None = None,
    ) -> Rms:
        """RMS tap: the root mean square of each `size`-sample frame (linear).

        Inputs: ``input``.

        Options (fixed once built):
            size: Analysis window (and FFT size) in samples; even. [16 .. 65536, default
                2048]
            hop: Samples between frames (at most `size`). [1 .. 65536, default 512]
            buffer: Seconds of frames the feed holds for a reader that falls behind (then
                frames are dropped and counted, never waited for). [0.1 .. 600, default 10]
        """
        return self._add(
            Rms,
            {"in": input},
            {},
            {"size": size, "hop": hop, "buffer": buffer},
            name,
        )

    def loudness(
        self,
        input: Signal | Sequence[Signal] | None = None,
        *,
        buffer: float = 10,
        name: str | None = None,
    ) -> Loudness:
        """Loudness tap after ITU-R BS.1770-4 / EBU R 128: every 100 ms, the momentary (400 ms) and
        short-term (3 s) loudness, the gated integrated loudness so far (LUFS) and the true peak
        so far (dBTP, 4x oversampled), dated at the end of the momentary window. Channels weigh
        1, surrounds of 5 or 6 channels 1.41, the LFE of 5.1 nothing.

        Inputs: ``input``.

        Options (fixed once built):
            buffer: Seconds of frames the feed holds for a reader that falls behind (then
                frames are dropped and counted, never waited for). [0.1 .. 600, default 10]
        """
        return self._add(
            Loudness,
            {"in": input},
            {},
            {"buffer": buffer},
            name,
        )

    def onsets(
        self,
        input: Signal | Sequence[Signal] | None = None,
        *,
        threshold: float = 1.1,
        lookahead: float = 0,
        buffer: float = 10,
        name: str | None = None,
    ) -> Onsets:
        """Onset detector tap (causal SuperFlux: log-frequency spectral flux against a max-filtered
        earlier frame, online peak picking): one event per onset, dated at the onset, with its
        novelty strength and the seconds it took to be reported (a quarter of a 23 ms window
        plus the lookahead).

        Inputs: ``input``.

        Options (fixed once built):
            threshold: Novelty above its local mean an onset needs (lower finds softer
                onsets). [0 .. 100, default 1.1]
            lookahead: Seconds the peak picker may wait for later frames (adds to the
                latency). [0 .. 0.1, default 0]
            buffer: Seconds of frames the feed holds for a reader that falls behind (then
                frames are dropped and counted, never waited for). [0.1 .. 600, default 10]
        """
        return self._add(
            Onsets,
            {"in": input},
            {},
            {"threshold": threshold, "lookahead": lookahead, "buffer": buffer},
            name,
        )

    def pitch(
        self,
        input: Signal | Sequence[Signal] | None = None,
        *,
        fmin: float = 40,
        fmax: float = 1600,
        buffer: float = 10,
        name: str | None = None,
    ) -> Pitch:
        """Pitch tracker tap (causal probabilistic YIN with a Viterbi over candidates): every 5.8
        ms, the fundamental frequency (Hz, the best estimate even when unvoiced), whether the
        frame is voiced (0 or 1), and the voicing probability (0..1).

        Inputs: ``input``.

        Options (fixed once built):
            fmin: Lowest fundamental tracked in Hz. [10 .. 5000, default 40]
            fmax: Highest fundamental tracked in Hz (at most a quarter of the ~11 kHz
                analysis rate). [20 .. 10000, default 1600]
            buffer: Seconds of frames the feed holds for a reader that falls behind (then
                frames are dropped and counted, never waited for). [0.1 .. 600, default 10]
        """
        return self._add(
            Pitch,
            {"in": input},
            {},
            {"fmin": fmin, "fmax": fmax, "buffer": buffer},
            name,
        )

    def notes(
        self,
        input: Signal | Sequence[Signal] | None = None,
        *,
        fmin: float = 40,
        fmax: float = 1600,
        buffer: float = 10,
        name: str | None = None,
    ) -> Notes:
        """Note tap for a monophonic source (the pitch tracker segmented with hysteresis): an event
        when a note starts (on = 1) and when it ends (on = 0), dated at the onset or offset,
        with the note's pitch as a fractional MIDI number.

        Inputs: ``input``.

        Options (fixed once built):
            fmin: Lowest fundamental tracked in Hz. [10 .. 5000, default 40]
            fmax: Highest fundamental tracked in Hz (at most a quarter of the ~11 kHz
                analysis rate). [20 .. 10000, default 1600]
            buffer: Seconds of frames the feed holds for a reader that falls behind (then
                frames are dropped and counted, never waited for). [0.1 .. 600, default 10]
        """
        return self._add(
            Notes,
            {"in": input},
            {},
            {"fmin": fmin, "fmax": fmax, "buffer": buffer},
            name,
        )

    def beats(
        self,
        input: Signal | Sequence[Signal] | None = None,
        *,
        bpm_min: float = 55,
        bpm_max: float = 215,
        prior_bpm: float = 120,
        prior_octaves: float = 0.5,
        buffer: float = 10,
        name: str | None = None,
    ) -> Beats:
        """Causal beat tracker tap (an HMM over beat period and phase on spectral-flux novelty, run
        forward): an event per beat, dated at the beat (predicted from what was heard, reported
        12 ms after it), with the current tempo in BPM.

        Inputs: ``input``.

        Options (fixed once built):
            bpm_min: Slowest tempo in beats per minute. [20 .. 400, default 55]
            bpm_max: Fastest tempo in beats per minute. [20 .. 400, default 215]
            prior_bpm: Most likely tempo a priori, in beats per minute. [20 .. 400, default
                120]
            prior_octaves: Width of the log-normal tempo prior in octaves (0: none). [0 ..
                4, default 0.5]
            buffer: Seconds of frames the feed holds for a reader that falls behind (then
                frames are dropped and counted, never waited for). [0.1 .. 600, default 10]
        """
        return self._add(
            Beats,
            {"in": input},
            {},
            {
                "bpm_min": bpm_min,
                "bpm_max": bpm_max,
                "prior_bpm": prior_bpm,
                "prior_octaves": prior_octaves,
                "buffer": buffer,
            },
            name,
        )

    def samples(
        self,
        input: Signal | Sequence[Signal] | None = None,
        *,
        size: float = 1024,
        buffer: float = 10,
        name: str | None = None,
    ) -> Samples:
        """Sample tap: the input itself (downmixed to mono) in blocks of `size` samples, each
        stamped with its first sample's time on the engine clock, for workers off the audio
        thread (the neural pitch backend). Passes its input through.

        Inputs: ``input``.

        Options (fixed once built):
            size: Samples per block. [16 .. 16384, default 1024]
            buffer: Seconds of frames the feed holds for a reader that falls behind (then
                frames are dropped and counted, never waited for). [0.1 .. 600, default 10]
        """
        return self._add(
            Samples,
            {"in": input},
            {},
            {"size": size, "buffer": buffer},
            name,
        )

    def lowpass(
        self,
        input: Signal | Sequence[Signal] | None = None,
        cutoff: ParamValue = 1000.0,
        q: ParamValue = 0.70710677,
        *,
        name: str | None = None,
    ) -> Svf:
        """12 dB/octave resonant lowpass (state-variable).

        State-variable filter (TPT): 12 dB/octave lowpass or highpass, bandpass with 0 dB peak,
        notch, peak (lowpass minus highpass) or allpass; resonance via q.

        Inputs: ``input``.

        Parameters (numbers, one number per lane, or signals):
            cutoff: Cutoff frequency (signals are clamped to [1 Hz, 0.49 x sample rate]).
                [1.0 .. 100000.0 Hz, default 1000.0]
            q: Resonance (0.707 is maximally flat). [0.025 .. 100.0, default 0.70710677]
        """
        return self._add(
            Svf,
            {"in": input},
            {"cutoff": cutoff, "q": q},
            {"mode": "lowpass"},
            name,
            "lowpass",
        )

    def highpass(
        self,
        input: Signal | Sequence[Signal] | None = None,
        cutoff: ParamValue = 1000.0,
        q: ParamValue = 0.70710677,
        *,
        name: str | None = None,
    ) -> Svf:
        """12 dB/octave resonant highpass (state-variable).

        State-variable filter (TPT): 12 dB/octave lowpass or highpass, bandpass with 0 dB peak,
        notch, peak (lowpass minus highpass) or allpass; resonance via q.

        Inputs: ``input``.

        Parameters (numbers, one number per lane, or signals):
            cutoff: Cutoff frequency (signals are clamped to [1 Hz, 0.49 x sample rate]).
                [1.0 .. 100000.0 Hz, default 1000.0]
            q: Resonance (0.707 is maximally flat). [0.025 .. 100.0, default 0.70710677]
        """
        return self._add(
            Svf,
            {"in": input},
            {"cutoff": cutoff, "q": q},
            {"mode": "highpass"},
            name,
            "highpass",
        )

    def bandpass(
        self,
        input: Signal | Sequence[Signal] | None = None,
        cutoff: ParamValue = 1000.0,
        q: ParamValue = 0.70710677,
        *,
        name: str | None = None,
    ) -> Svf:
        """Bandpass (state-variable) with a 0 dB peak at ``cutoff``.

        State-variable filter (TPT): 12 dB/octave lowpass or highpass, bandpass with 0 dB peak,
        notch, peak (lowpass minus highpass) or allpass; resonance via q.

        Inputs: ``input``.

        Parameters (numbers, one number per lane, or signals):
            cutoff: Cutoff frequency (signals are clamped to [1 Hz, 0.49 x sample rate]).
                [1.0 .. 100000.0 Hz, default 1000.0]
            q: Resonance (0.707 is maximally flat). [0.025 .. 100.0, default 0.70710677]
        """
        return self._add(
            Svf,
            {"in": input},
            {"cutoff": cutoff, "q": q},
            {"mode": "bandpass"},
            name,
            "bandpass",
        )

    def notch(
        self,
        input: Signal | Sequence[Signal] | None = None,
        cutoff: ParamValue = 1000.0,
        q: ParamValue = 0.70710677,
        *,
        name: str | None = None,
    ) -> Svf:
        """Notch (state-variable) at ``cutoff``; narrower as ``q`` grows.

        State-variable filter (TPT): 12 dB/octave lowpass or highpass, bandpass with 0 dB peak,
        notch, peak (lowpass minus highpass) or allpass; resonance via q.

        Inputs: ``input``.

        Parameters (numbers, one number per lane, or signals):
            cutoff: Cutoff frequency (signals are clamped to [1 Hz, 0.49 x sample rate]).
                [1.0 .. 100000.0 Hz, default 1000.0]
            q: Resonance (0.707 is maximally flat). [0.025 .. 100.0, default 0.70710677]
        """
        return self._add(
            Svf,
            {"in": input},
            {"cutoff": cutoff, "q": q},
            {"mode": "notch"},
            name,
            "notch",
        )

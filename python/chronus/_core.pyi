"""Type stubs for ``chronus._core``, the compiled engine bindings (crates/chronus-py).

Kept in step with the Rust by ``python -m mypy.stubtest chronus._core`` in the test
command. Users reach these through the ``chronus`` package; nothing here is public API.
"""

import os
from pathlib import Path
from typing import Any, TypedDict, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "Action",
    "CcMap",
    "CycleError",
    "DeviceError",
    "Engine",
    "Feed",
    "Graph",
    "GraphError",
    "Kernel",
    "QueueFullError",
    "Renderer",
    "Song",
    "Track",
    "analyze",
    "beats_offline",
    "devices",
    "midi_inputs",
    "node_specs",
    "render",
]

_F32Array = npt.NDArray[np.float32]
_I64Array = npt.NDArray[np.int64]
_F64Array = npt.NDArray[np.float64]

class GraphError(ValueError): ...
class CycleError(GraphError): ...
class QueueFullError(RuntimeError): ...
class DeviceError(RuntimeError): ...

class _ParamSpecDict(TypedDict):
    name: str
    default: float
    min: float
    max: float
    unit: str
    smooth: bool
    doc: str

class _NodeSpecDict(TypedDict):
    doc: str
    inputs: list[str]
    outputs: list[str]
    params: list[_ParamSpecDict]
    options: list[dict[str, Any]]

class _InstanceSpecDict(TypedDict):
    kind: str
    inputs: list[str]
    outputs: list[str]
    params: list[_ParamSpecDict]

class _NodeInfoDict(TypedDict):
    kind: str
    name: str
    params: dict[str, list[float] | list[str]]
    options: dict[str, float | str | tuple[int, int]]

class _CompileInfoDict(TypedDict):
    output_channels: int
    steps: int
    buffers: int
    lanes: dict[int, int | None]
    latency: dict[int, int | None]
    channels: dict[int, list[int] | None]

class _DeviceDict(TypedDict):
    backend: str
    name: str
    outputs: int
    inputs: int
    samplerates: tuple[int, int]
    default: bool

class _StreamInfoDict(TypedDict):
    backend: str
    device: str
    samplerate: float
    device_block: int | None
    blocksize: int
    outputs: int
    inputs: int

@final
class Graph:
    def __new__(cls) -> Graph: ...
    def add(self, kind: str, options: dict[str, Any], label: str | None = None) -> int: ...
    def add_kernel(self, kernel: Kernel, label: str | None = None) -> int: ...
    def set_kernel(self, node: int, kernel: Kernel) -> None: ...
    def node_spec(self, node: int) -> _InstanceSpecDict: ...
    def next_id(self) -> int: ...
    def remove(self, node: int) -> None: ...
    def set_param(self, node: int, name: str, values: list[float]) -> int: ...
    def param_index(self, node: int, name: str) -> int: ...
    def check_value(self, node: int, param: int, value: float) -> None: ...
    def connect_input(self, src: int, port: str, dst: int, input: str) -> None: ...
    def connect_param(self, src: int, port: str, dst: int, param: str) -> None: ...
    def connect_output(self, src: int, port: str) -> None: ...
    def disconnect_input(self, src: int, port: str, dst: int, input: str) -> bool: ...
    def disconnect_output(self, src: int, port: str) -> bool: ...
    def disconnect_param(self, node: int, name: str) -> int: ...
    def check_cc_map(self, map: CcMap) -> None: ...
    def has(self, node: int) -> bool: ...
    def name(self, node: int) -> str: ...
    def node_info(self, node: int) -> _NodeInfoDict: ...
    def edges(self) -> list[tuple[int, str, str, int | None, str | None]]: ...
    def compile_info(self, samplerate: float, blocksize: int) -> _CompileInfoDict: ...
    def __copy__(self) -> Graph: ...

@final
class Action:
    @staticmethod
    def param(
        node: int, param: int, value: float, lane: int | None = None, ramp: int | None = None
    ) -> Action: ...
    @staticmethod
    def note_on(node: int | None, channel: int, note: int, velocity: float) -> Action: ...
    @staticmethod
    def note_off(node: int | None, channel: int, note: int) -> Action: ...
    @staticmethod
    def control(node: int | None, channel: int, controller: int, value: float) -> Action: ...
    @staticmethod
    def bend(node: int | None, channel: int, value: float) -> Action: ...
    @staticmethod
    def program(node: int | None, channel: int, program: int) -> Action: ...
    @staticmethod
    def all_notes_off(node: int) -> Action: ...
    def __eq__(self, value: object, /) -> bool: ...
    __hash__: None  # type: ignore[assignment]

@final
class Track:
    def __new__(cls, loop: float | None = None, seed: int = 0) -> Track: ...
    def at(self, beat: float, action: Action, probability: float = 1.0) -> None: ...
    def __len__(self) -> int: ...

@final
class CcMap:
    def __new__(
        cls,
        controller: int,
        node: int,
        param: int,
        min: float,
        max: float,
        curve: str = "linear",
        power: float = 2.0,
        channel: int | None = None,
    ) -> CcMap: ...
    def __eq__(self, value: object, /) -> bool: ...
    __hash__: None  # type: ignore[assignment]

@final
class Song:
    def __new__(cls, tempo: list[tuple[float, float]]) -> Song: ...
    def at(self, frame: int, action: Action) -> None: ...
    def add_track(self, track: Track) -> None: ...
    def add_cc_map(self, map: CcMap) -> None: ...
    def counts(self) -> tuple[int, int, int]: ...
    def __eq__(self, value: object, /) -> bool: ...
    __hash__: None  # type: ignore[assignment]

@final
class Kernel:
    def __new__(
        cls,
        name: str,
        address: int,
        inputs: int,
        outputs: int,
        params: list[tuple[str, float, float, float]],
        state: list[tuple[str, int]],
        owner: object,
    ) -> Kernel: ...
    @property
    def name(self) -> str: ...
    @property
    def resets(self) -> int: ...

class _CaptureStatusDict(TypedDict):
    frames: int
    overruns: int
    path: Path | None
    error: str | None

@final
class Engine:
    def __new__(
        cls,
        graph: Graph,
        backend: str,
        device: str | None,
        samplerate: int | None,
        blocksize: int,
        outputs: int,
        inputs: int,
        smoothing: float,
        edit_fade: float,
        client_name: str,
        connect: bool,
        command_capacity: int,
        event_capacity: int,
        midi_in: bool = False,
        midi_out: bool = False,
        autoplay: bool = True,
    ) -> Engine: ...
    def play(self, song: Song) -> None: ...
    def info(self) -> _StreamInfoDict: ...
    def send(self, action: Action, frame: int | None = None) -> None: ...
    def cue(self, action: Action, beat: float) -> None: ...
    def swap(self, graph: Graph) -> None: ...
    def now(self) -> int: ...
    def feed(self, node: int) -> Feed | None: ...
    def snapshot(self) -> dict[str, Any]: ...
    def start_capture(
        self, source: str, slack: float, path: str | os.PathLike[str] | None = None, bits: int | None = None
    ) -> None: ...
    def capture_status(self) -> _CaptureStatusDict | None: ...
    def stop_capture(self) -> tuple[_F32Array | None, int | None, int, int, Path | None]: ...
    def continue_song(self, song: Song) -> None: ...
    def reset_transport(self, song: Song) -> None: ...
    def transport_start(self) -> None: ...
    def transport_stop(self) -> None: ...
    def transport_seek(self, beat: float) -> None: ...
    def transport_loop(self, range: tuple[float, float] | None) -> None: ...
    def transport_tempo(self, bpm: float) -> None: ...
    def set_routes(self, routes: list[int | None]) -> None: ...
    def set_cc_maps(self, maps: list[CcMap]) -> None: ...
    def send_midi(self, bytes: bytes, age: float | None = None) -> None: ...
    def open_midi_input(self, name: str) -> None: ...
    def start_midi_record(self, path: str | os.PathLike[str] | None = None) -> None: ...
    def stop_midi_record(self) -> list[tuple[int, bytes]]: ...
    def connect(self, source: str, destination: str) -> None: ...
    def close(self) -> None: ...
    @property
    def open(self) -> bool: ...

class _FeedInfoDict(TypedDict):
    kind: str
    columns: list[str]
    units: list[str]
    width: int
    samplerate: float
    hop: float
    latency: float

@final
class Feed:
    def info(self) -> _FeedInfoDict: ...
    def written(self) -> int: ...
    def dropped(self) -> int: ...
    def latest(self) -> tuple[int, _F32Array] | None: ...
    def drain(self) -> tuple[_I64Array, _F32Array]: ...

def analyze(
    graph: Graph, input: _F32Array, samplerate: float, blocksize: int
) -> list[tuple[int, _FeedInfoDict, _I64Array, _F32Array]]: ...
def beats_offline(
    samples: _F32Array,
    samplerate: float,
    bpm_min: float,
    bpm_max: float,
    prior_bpm: float,
    prior_octaves: float,
) -> tuple[_I64Array, _F64Array]: ...
def render(
    graph: Graph,
    song: Song,
    frames: int,
    samplerate: float,
    blocksize: int,
    smoothing: float,
    input: _F32Array | None = None,
) -> _F32Array: ...

@final
class Renderer:
    def __new__(
        cls,
        graph: Graph,
        song: Song,
        frames: int,
        samplerate: float,
        blocksize: int,
        smoothing: float,
        input: _F32Array | None = None,
    ) -> Renderer: ...
    @property
    def channels(self) -> int: ...
    @property
    def remaining(self) -> int: ...
    def next(self, frames: int) -> _F32Array: ...

def node_specs() -> dict[str, _NodeSpecDict]: ...
def devices() -> list[_DeviceDict]: ...
def midi_inputs() -> list[str]: ...

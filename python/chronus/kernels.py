"""Kernels: DSP written in Python, compiled by numba into native code that the engine calls
on its audio thread, without the GIL and without allocating.

>>> import numpy as np, chronus as cx
>>> @cx.kernel(inputs=1, outputs=1, params={"drive": 4.0}, state={"z": 1})
... def softclip(inp, out, drive, z, frames):
...     for i in range(frames):
...         x = np.tanh(drive[i] * inp[0, i])
...         z[0] = 0.995 * z[0] + 0.005 * x       # state, kept between blocks
...         out[0, i] = x - z[0]
>>> g = cx.Graph()
>>> _ = g.output(g.kernel(softclip, g.saw(110), drive=2 + g.sine(0.5)) * 0.3)

The decorated function receives, per block and per lane: ``inp`` (inputs x frames,
float32), ``out`` (outputs x frames, float32, zeroed), one float32 array of per-frame
values per parameter, one float64 array per state (kept between blocks, zero at first),
and ``frames``; it may also take ``samplerate`` (Hz) and ``lane`` as last arguments. It is
compiled once, when decorated, by numba (nopython, ``error_model="numpy"``, cached on
disk), into a C function ``void f(const float *inputs, float *outputs, const float
*params, double *state, int64 frames, double samplerate, int64 lane)`` whose generated code
is checked: a kernel that could allocate, raise or call into Python is refused with
:class:`KernelError` naming it (and the line, where numba's debug information finds it).

Parameters take numbers, one number per lane, or signals, like any node's; they are
clamped to their range (``params={"drive": (4.0, 0.0, 20.0)}`` gives default, min and
max). A kernel node runs one lane per voice of its widest input or parameter, each lane
with its own state. Outputs that are not finite reset that lane's outputs and state for
the block, counted like any node's repairs (live: ``Engine.stats()["node_resets"]``).

numba is an optional dependency: ``pip install 'chronus-audio[jit]'``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import keyword
import os
import re
import sys
import tempfile
import textwrap
import types
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

import numpy as np
from numpy.typing import NDArray

from . import _core
from .signal import Node, Param, ParamValue, Signal

if TYPE_CHECKING:
    from .graph import Graph

__all__ = ["Block", "Kernel", "KernelError", "KernelNode", "StateArray", "kernel", "sample_kernel"]

#: The type of a kernel's float32 arrays, for annotating kernel functions: inputs and
#: outputs (channels x frames) and per-frame parameter values (frames).
Block = NDArray[np.float32]
#: The type of a kernel's state arrays (float64, kept between blocks).
StateArray = NDArray[np.float64]

#: Most inputs (and outputs) a kernel has: the engine's port limit.
MAX_PORTS = 8
#: Optional trailing arguments a kernel function may take, filled in by the engine.
EXTRAS = ("samplerate", "lane")
#: Bumped whenever the generated wrapper or the code check changes, so that neither cached
#: code nor an approval from an older check is reused.
WRAPPER_VERSION = 1
CHECK_VERSION = "ir-check 3"


class KernelError(ValueError):
    """A kernel that cannot run on the audio thread: it does not compile, or its code would
    allocate, raise or call into Python. The message names the kernel."""


def _numba() -> types.ModuleType:
    try:
        import numba
    except ImportError as err:  # pragma: no cover - exercised only without numba
        raise ImportError(
            "chronus kernels are compiled by numba, which is not installed: "
            "pip install 'chronus-audio[jit]' (numba and llvmlite)"
        ) from err
    return numba


def cache_dir() -> Path:
    """Where generated kernel wrappers and numba's compiled code are kept:
    ``$CHRONUS_KERNEL_CACHE``, else ``$XDG_CACHE_HOME/chronus/kernels`` (``~/.cache/...``)."""
    if env := os.environ.get("CHRONUS_KERNEL_CACHE"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "chronus" / "kernels"


class Kernel:
    """A compiled kernel (made by :func:`kernel`): add it to a graph with
    ``g.kernel(k, *inputs, **params)``.

    Attributes: ``name``; ``inputs`` and ``outputs`` (row counts); ``params`` (name ->
    (default, min, max)); ``state`` (name -> length); ``py_func``, the plain Python
    function (run it on NumPy arrays for a reference); ``cfunc``, numba's compiled
    function; ``cache_hit``, whether numba loaded it from its disk cache.
    """

    def __init__(
        self,
        func: Callable[..., None],
        inputs: int,
        outputs: int,
        params: dict[str, tuple[float, float, float]],
        state: dict[str, int],
        name: str,
        cache: bool,
    ) -> None:
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.params = params
        self.state = state
        self.py_func = func
        self.__doc__ = func.__doc__
        self.cfunc, self.cache_hit = _compile(self, cache)
        self._core = _core.Kernel(
            name,
            self.cfunc.address,
            inputs,
            outputs,
            [(n, *r) for n, r in params.items()],
            list(state.items()),
            self.cfunc,
        )

    @property
    def address(self) -> int:
        """Address of the compiled C function."""
        address: int = self.cfunc.address
        return address

    def __repr__(self) -> str:
        return f"<Kernel {self.name}: {self.inputs} in, {self.outputs} out, params {list(self.params)}>"


def kernel(
    inputs: int = 1,
    outputs: int = 1,
    params: Mapping[str, float | Sequence[float]] | None = None,
    state: Mapping[str, int] | None = None,
    *,
    name: str | None = None,
    cache: bool = True,
) -> Callable[[Callable[..., None]], Kernel]:
    """Decorator compiling a per-block function into a :class:`Kernel`.

    Args:
        inputs: rows of ``inp`` (audio inputs, 0 to 8).
        outputs: rows of ``out`` (audio outputs, 1 to 8).
        params: name -> default, or -> (default, min, max); each arrives as one float32
            value per frame.
        state: name -> length of a float64 array kept between blocks (per lane).
        name: the kernel's name in messages (default: the function's).
        cache: keep numba's compiled code on disk (see :func:`cache_dir`), so that the
            next run loads it instead of compiling again.
    """

    def decorate(func: Callable[..., None]) -> Kernel:
        kname = str(name or getattr(func, "__name__", "kernel"))
        return Kernel(
            func,
            _count(kname, "inputs", inputs, 0),
            _count(kname, "outputs", outputs, 1),
            _params(kname, params or {}),
            _state(kname, state or {}, params or {}),
            kname,
            cache,
        )

    return decorate


def sample_kernel(
    inputs: int = 1,
    outputs: int = 1,
    params: Mapping[str, float | Sequence[float]] | None = None,
    state: Mapping[str, int] | None = None,
    *,
    name: str | None = None,
    cache: bool = True,
) -> Callable[[Callable[..., Any]], Kernel]:
    """Like :func:`kernel` for a function of one frame: it takes one float per input, one
    per parameter, then the state arrays (and optionally ``samplerate``, ``lane``), and
    returns the output (a tuple for several outputs).

    >>> @sample_kernel(params={"drive": 4.0})
    ... def shaper(x, drive):
    ...     return np.tanh(drive * x)
    """

    def decorate(func: Callable[..., Any]) -> Kernel:
        kname = str(name or getattr(func, "__name__", "kernel"))
        nin = _count(kname, "inputs", inputs, 0)
        nout = _count(kname, "outputs", outputs, 1)
        pnames, snames = list(params or {}), list(state or {})
        extras = _extras(kname, func, nin + len(pnames) + len(snames))
        args = [f"inp[{k}, i]" for k in range(nin)] + [f"{p}[i]" for p in pnames] + snames + list(extras)
        result = f"y = _frame({', '.join(args)})"
        store = ["out[0, i] = y"] if nout == 1 else [f"out[{k}, i] = y[{k}]" for k in range(nout)]
        header = ", ".join(["inp", "out", *pnames, *snames, "frames", *extras])
        body = "\n".join([f"def block({header}):", "    for i in range(frames):", f"        {result}"])
        body += "".join(f"\n        {s}" for s in store)
        numba = _numba()
        frame = numba.njit(error_model="numpy", boundscheck=False, inline="always")(func)
        namespace: dict[str, Any] = {"_frame": frame}
        exec(compile(body, f"<chronus sample kernel {kname}>", "exec"), namespace)
        block = namespace["block"]
        block.__doc__ = func.__doc__
        # The generated loop's identity for the cache is the frame function's own source.
        block.__chronus_source__ = body + "\n" + _source(func)
        return Kernel(
            block,
            nin,
            nout,
            _params(kname, params or {}),
            _state(kname, state or {}, params or {}),
            kname,
            cache,
        )

    return decorate


# -- declaration checks ---------------------------------------------------------------------
def _count(name: str, what: str, n: int, least: int) -> int:
    if not isinstance(n, (int, np.integer)) or not least <= n <= MAX_PORTS:
        raise KernelError(
            f"kernel '{name}': {what} must be a whole number from {least} to {MAX_PORTS}, got {n!r}"
        )
    return int(n)


def _identifier(name: str, kname: str, what: str) -> None:
    if not (isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)):
        raise KernelError(f"kernel '{kname}': {what} name {name!r} is not a Python identifier")
    if name in ("inp", "out", "frames", *EXTRAS):
        raise KernelError(f"kernel '{kname}': {what} name '{name}' is reserved")


def _params(kname: str, params: Mapping[str, Any]) -> dict[str, tuple[float, float, float]]:
    out = {}
    f32 = float(np.finfo(np.float32).max)
    for pname, spec in params.items():
        _identifier(pname, kname, "parameter")
        values = np.atleast_1d(np.asarray(spec, dtype=np.float64))
        if values.shape == (1,):
            default, lo, hi = float(values[0]), -f32, f32
        elif values.shape == (3,):
            default, lo, hi = (float(v) for v in values)
        else:
            raise KernelError(
                f"kernel '{kname}': parameter '{pname}' takes a default or (default, min, max), got {spec!r}"
            )
        if not (np.isfinite([default, lo, hi]).all() and lo <= default <= hi):
            raise KernelError(f"kernel '{kname}': parameter '{pname}' needs finite min <= default <= max")
        out[pname] = (default, lo, hi)
    return out


def _state(kname: str, state: Mapping[str, int], params: Mapping[str, Any]) -> dict[str, int]:
    out = {}
    for sname, length in state.items():
        _identifier(sname, kname, "state")
        if sname in params:
            raise KernelError(f"kernel '{kname}': '{sname}' is both a parameter and a state")
        if not isinstance(length, (int, np.integer)) or not 1 <= length <= 1 << 24:
            raise KernelError(
                f"kernel '{kname}': state '{sname}' needs a length from 1 to 2**24, got {length!r}"
            )
        out[sname] = int(length)
    return out


def _extras(kname: str, func: Callable[..., Any], fixed: int) -> tuple[str, ...]:
    """The optional trailing arguments (``samplerate``, ``lane``) ``func`` takes after its
    ``fixed`` leading ones."""
    try:
        names = list(inspect.signature(func).parameters)
    except (TypeError, ValueError) as err:
        raise KernelError(f"kernel '{kname}': cannot read the function's arguments ({err})") from err
    extras = tuple(names[fixed:])
    if len(names) < fixed or any(e not in EXTRAS for e in extras) or len(set(extras)) != len(extras):
        raise KernelError(
            f"kernel '{kname}': the function takes ({', '.join(names)}); it needs {fixed} arguments "
            f"in the declared order, optionally followed by {' and/or '.join(EXTRAS)}"
        )
    return extras


# -- compilation ----------------------------------------------------------------------------
def _source(func: Callable[..., Any]) -> str:
    """What identifies ``func``'s code for the cache: its source, and the values of the
    simple constants and the sources of the functions it reads from its globals."""
    explicit = getattr(func, "__chronus_source__", None)
    if isinstance(explicit, str):
        return explicit
    try:
        text = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        code = func.__code__
        text = repr((code.co_code, code.co_consts, code.co_names))
    parts = [text]
    glb = getattr(func, "__globals__", {})
    for gname in sorted(set(func.__code__.co_names)):
        value = glb.get(gname)
        if isinstance(value, (int, float, complex, bool, str, bytes, tuple)):
            parts.append(f"{gname}={value!r}")
        elif callable(value) and not isinstance(value, type):
            inner = getattr(value, "py_func", value)
            try:
                parts.append(inspect.getsource(inner))
            except (OSError, TypeError):
                parts.append(f"{gname}:{getattr(inner, '__qualname__', '')}")
    return "\n".join(parts)


def _wrapper_source(k: Kernel, extras: tuple[str, ...]) -> str:
    """A module whose ``entry(inputs, outputs, params, state, frames, samplerate, lane)``
    slices the C arrays into the kernel's arguments and calls it (``_kernel``)."""
    args = ["inp", "out"]
    args += [f"par[{i}]" for i in range(len(k.params))]
    offset = 0
    for length in k.state.values():
        args.append(f"st[{offset}:{offset + length}]")
        offset += length
    args += ["frames", *extras]
    return textwrap.dedent(
        f"""\
        # Generated by chronus.kernels for kernel {k.name!r}; do not edit.
        from numba import carray

        _kernel = None


        def entry(inp_p, out_p, par_p, st_p, frames, samplerate, lane):
            inp = carray(inp_p, ({k.inputs}, frames))
            out = carray(out_p, ({k.outputs}, frames))
            par = carray(par_p, ({max(len(k.params), 1)}, frames))
            st = carray(st_p, ({max(offset, 1)},))
            _kernel({", ".join(args)})
        """
    )


def _load_module(path: Path, modname: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(modname, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[modname] = module
    spec.loader.exec_module(module)
    return module


def _writable_cache() -> Path:
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".probe"
        probe.write_text("")
        probe.unlink()
    except OSError:
        folder = (
            Path(tempfile.gettempdir()) / f"chronus-kernels-{os.getuid() if hasattr(os, 'getuid') else 0}"
        )
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def _compile(k: Kernel, cache: bool) -> tuple[Any, bool]:
    """numba's cfunc for ``k`` (from its disk cache when it has it) and whether it came from
    there; raises :class:`KernelError` if it does not compile or fails the IR check."""
    numba = _numba()
    fixed = 2 + len(k.params) + len(k.state) + 1
    extras = _extras(k.name, k.py_func, fixed)
    source = _wrapper_source(k, extras)
    digest = hashlib.sha256(
        "\n".join(
            [
                str(WRAPPER_VERSION),
                numba.__version__,
                source,
                _source(k.py_func),
                # numba's cached code names the function's module, so runs that load it
                # under another module name (a patch file run by the CLI) keep their own.
                f"{getattr(k.py_func, '__module__', '')}.{getattr(k.py_func, '__qualname__', '')}",
                repr(sorted(k.state.items())),
            ]
        ).encode()
    ).hexdigest()[:20]
    stem = re.sub(r"\W", "_", k.name)[:40]
    folder = _writable_cache()
    path = folder / f"k_{stem}_{digest}.py"
    approved = path.with_suffix(".ok")
    if not path.exists():
        # Written once: numba's cache is keyed on this file's time stamp.
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(source)
        tmp.replace(path)
    module = _load_module(path, f"chronus_kernel_{stem}_{digest}")
    try:
        jitted = numba.njit(error_model="numpy", boundscheck=False)(k.py_func)
        jitted.compile(_arg_types(numba, k, extras))
        vars(module)["_kernel"] = jitted  # the wrapper module calls it by this name
        cfunc = numba.cfunc(_signature(numba), nopython=True, error_model="numpy", cache=cache)(module.entry)
    except Exception as err:
        first = str(err).strip().splitlines()
        summary = "\n".join(line for line in first if line.strip())[:2000]
        raise KernelError(f"kernel '{k.name}' does not compile for the audio thread: {summary}") from err
    hit = cache and cfunc.cache_hits > 0
    if hit and approved.exists() and approved.read_text().strip() == CHECK_VERSION:
        return cfunc, True
    # Fresh code is checked here; cached code carries no IR, so code found in the cache
    # without our approval beside it is compiled once more (uncached) to be checked.
    ir = cfunc.inspect_llvm() if not hit else _fresh_ir(numba, module)
    problems = _check_ir(ir)
    if problems:
        raise KernelError(_refusal(k, problems))
    if cache:
        approved.write_text(CHECK_VERSION + "\n")
    return cfunc, hit


def _signature(numba: types.ModuleType) -> Any:
    t = numba.types
    f32p, f64p = t.CPointer(t.float32), t.CPointer(t.float64)
    return t.void(f32p, f32p, f32p, f64p, t.int64, t.float64, t.int64)


def _fresh_ir(numba: types.ModuleType, module: types.ModuleType) -> str:
    ir: str = numba.cfunc(_signature(numba), nopython=True, error_model="numpy", cache=False)(
        module.entry
    ).inspect_llvm()
    return ir


#: Calls that allocate or free memory: refused anywhere.
_ALLOCATING = re.compile(
    r"^(NRT_MemInfo_(alloc|new|varsize)\w*|NRT_(Allocate|Reallocate|Free)\w*|malloc|calloc|realloc|free"
    r"|posix_memalign|aligned_alloc)$"
)
#: Calls into Python or numba's runtime (GIL, exceptions, random state, printing): refused
#: in the kernel's code. numba's cfunc entry point keeps such calls on a path that only
#: runs when the kernel raises, which the check on return codes rules out.
_RUNTIME = re.compile(r"^(_?Py\w*|numba_\w+|NRT_\w+|printf|puts|fprintf|write)$")
#: numba's reference counting, harmless on arrays that own no memory (all a kernel sees).
_REFCOUNT = {"NRT_incref", "NRT_decref", "NRT_MemInfo_call_dtor"}


def _functions(ir: str) -> list[tuple[str, str, str]]:
    """(name, header, body) of each function defined in ``ir``."""
    out = []
    for m in re.finditer(r"^define ([^\n]*?)@\"?([\w.$]+)\"?\(([^\n]*)\{\n(.*?)^\}", ir, re.M | re.S):
        out.append((m.group(2), m.group(3), m.group(4)))
    return out


def _check_ir(ir: str) -> list[tuple[str, str]]:
    """What in the code would be unsafe on the audio thread, as (symbol, why)."""
    problems: list[tuple[str, str]] = []
    functions = _functions(ir)
    for fname, _, body in functions:
        entry_point = fname.startswith("cfunc.")
        for callee in sorted(set(re.findall(r"call [^@\n]*@\"?([\w.$]+)\"?\(", body))):
            if _ALLOCATING.match(callee) and not (entry_point and callee.startswith("NRT_Free")):
                problems.append((callee, "allocates or frees memory"))
            elif _RUNTIME.match(callee) and callee not in _REFCOUNT and not entry_point:
                problems.append((callee, "calls into Python or numba's runtime"))
    problems += [
        (f, "can raise an exception (integer division by zero, raise, ...)") for f in _can_fail(functions)
    ]
    return problems


#: An exception being stored for the caller, in a numba-ABI function.
_RAISES = re.compile(r"store ptr (?!null)[^\n]*, ptr %excinfo\b")


def _can_fail(functions: list[tuple[str, str, str]]) -> list[str]:
    """numba-ABI functions (those taking ``%excinfo``) that can return an error status: one
    that returns a non-zero constant, or passes on a status while calling one that can."""
    abi = {name: body for name, header, body in functions if "%excinfo" in header}
    failing = {
        n
        for n, body in abi.items()
        if re.search(r"ret i32 (?!0\b|%)", body) or (re.search(r"ret i32 %", body) and _RAISES.search(body))
    }
    while True:
        more = {
            n
            for n, body in abi.items()
            if n not in failing
            and re.search(r"ret i32 %", body)
            and any(f"@{callee}(" in body or f'@"{callee}"(' in body for callee in failing)
        }
        if not more:
            return sorted(failing)
        failing |= more


def _refusal(k: Kernel, problems: list[tuple[str, str]]) -> str:
    reasons = sorted({why for _, why in problems})
    symbols = sorted({sym for sym, _ in problems if not sym.startswith("_ZN")})
    lines = _culprit_lines(k, {sym for sym, _ in problems})
    msg = f"kernel '{k.name}' cannot run on the audio thread: it {'; it '.join(reasons)}"
    if symbols:
        msg += f" ({', '.join(symbols)})"
    if lines:
        msg += "\n" + "\n".join(lines)
    msg += (
        "\nKernels must work in place on the arrays they are given: no new arrays (np.empty, "
        "array expressions such as a * b on whole arrays, slicing copies), no print, no exceptions."
    )
    return msg


def _arg_types(numba: types.ModuleType, k: Kernel, extras: tuple[str, ...]) -> tuple[Any, ...]:
    """numba types of the arguments ``k``'s function receives."""
    t = numba.types
    a2 = t.Array(t.float32, 2, "C")
    sig = (
        a2,
        a2,
        *[t.Array(t.float32, 1, "C")] * len(k.params),
        *[t.Array(t.float64, 1, "C")] * len(k.state),
    )
    return (*sig, t.int64, *[t.float64 if e == "samplerate" else t.int64 for e in extras])


def _culprit_lines(k: Kernel, symbols: set[str]) -> list[str]:
    """Source lines of ``k``'s function where numba's debug information places the
    refused calls (best effort: empty when it cannot tell)."""
    numba = _numba()
    sig = _arg_types(numba, k, _extras_of(k))
    try:
        lines, first = inspect.getsourcelines(k.py_func)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numba's doubts about debug lines of its own helpers
            disp = numba.njit(error_model="numpy", boundscheck=False, debug=True)(k.py_func)
            disp.compile(sig)
            ir = disp.inspect_llvm(sig)
    except Exception:
        return []
    locs = dict(re.findall(r"^(!\d+) = !DILocation\(line: (\d+)", ir, re.M))
    inlined = dict(re.findall(r"^(!\d+) = !DILocation\([^\n]*inlinedAt: (!\d+)", ir, re.M))
    bad = {s for s in symbols if not s.startswith("cfunc.")}
    found = set()
    for m in re.finditer(r"call [^@\n]*@\"?([\w.$]+)\"?\([^\n]*!dbg (!\d+)", ir):
        callee, dbg = m.groups()
        if callee in bad or _ALLOCATING.match(callee) or (_RUNTIME.match(callee) and callee not in _REFCOUNT):
            while dbg in inlined:
                dbg = inlined[dbg]
            line = int(locs.get(dbg, 0))
            if first <= line < first + len(lines):
                found.add(line)
    return [f"  line {n}: {lines[n - first].strip()}" for n in sorted(found)]


def _extras_of(k: Kernel) -> tuple[str, ...]:
    return _extras(k.name, k.py_func, 2 + len(k.params) + len(k.state) + 1)


# -- graph surface --------------------------------------------------------------------------
class KernelNode(Node):
    """A node running a :class:`Kernel`; its parameters are the kernel's (attributes, or
    ``node.param(name)``), and ``node.out("out2")`` reaches a further output of a kernel
    with several."""

    kind: ClassVar[str] = "kernel"

    def __getattr__(self, name: str) -> Param:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.param(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if not name.startswith("_") and name in self.params():
            self.set_param(name, value)
        else:
            super().__setattr__(name, value)

    @property
    def kernel(self) -> Kernel:
        """The kernel this node runs."""
        kernel: Kernel = self.__dict__["_kernel"]
        return kernel


class KernelNodes:
    """The builder method for kernel nodes (mixed into :class:`chronus.Graph`)."""

    if TYPE_CHECKING:
        _core: _core.Graph
        _nodes: list[Node]

    def kernel(
        self,
        k: Kernel,
        *inputs: Signal | Sequence[Signal],
        name: str | None = None,
        **params: ParamValue,
    ) -> KernelNode:
        """Adds a node running kernel ``k`` with ``inputs`` (one signal, or a list of signals
        to sum, per kernel input) and parameter values (numbers, one per lane, or signals)."""
        if not isinstance(k, Kernel):
            raise TypeError(f"kernel() needs a kernel made by @chronus.kernel, got {type(k).__name__}")
        if len(inputs) > k.inputs:
            raise _core.GraphError(f"kernel '{k.name}' takes {k.inputs} inputs, got {len(inputs)}")
        node_id = self._core.add_kernel(k._core, name)
        node = KernelNode(cast("Graph", self), node_id, dict(self._core.node_spec(node_id)))
        node._kernel = k
        self._nodes.append(node)
        ports = node._spec["inputs"]
        for port, sources in zip(ports[: len(inputs)], inputs, strict=True):
            for source in [sources] if isinstance(sources, Signal) else sources:
                node.connect(port, source)
        for pname, value in params.items():
            if pname not in k.params:
                known = ", ".join(k.params) or "none"
                raise _core.GraphError(
                    f"{node.name}: kernel '{k.name}' has no parameter '{pname}' (parameters: {known})"
                )
            node.set_param(pname, value)
        return node

    def replace_kernel(self, node: KernelNode, k: Kernel) -> None:
        """Makes ``node`` run kernel ``k`` (same numbers of inputs and outputs): parameters
        with the same names keep their values and modulation. Heard at the next render, or
        live at the next :meth:`chronus.Engine.update` (see :meth:`chronus.Engine.replace_kernel`)."""
        if not isinstance(node, KernelNode) or node.graph is not self:
            raise _core.GraphError(f"replace_kernel() needs a kernel node of this graph, got {node!r}")
        if not isinstance(k, Kernel):
            raise TypeError(
                f"replace_kernel() needs a kernel made by @chronus.kernel, got {type(k).__name__}"
            )
        self._core.set_kernel(node.id, k._core)
        node._spec = dict(self._core.node_spec(node.id))
        node._kernel = k

"""Control surfaces: OSC (:mod:`.osc`), the browser panel (:mod:`.panel`), the address
space both use (:mod:`.addresses`), serving a patch (:mod:`.serve`), the graph's
structure as data and DOT (:mod:`.structure`), and what the panel's session view draws
(:mod:`.overview`)."""

from .addresses import Address, ControlError, Controller, Reply, osc_name
from .osc import OscServer
from .serve import Server, serve
from .structure import describe, to_dot

__all__ = [
    "Address",
    "ControlError",
    "Controller",
    "OscServer",
    "Reply",
    "Server",
    "describe",
    "osc_name",
    "serve",
    "to_dot",
]

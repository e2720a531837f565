# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The one schema engine of pdserve.cluster's configuration families (private API).

Every configuration family (``_pymotor``, ``_motor``, and the stacks to come) describes its input
with :class:`Spec` trees and reports broken rules as :class:`ConfigError` (path, value, rule)
collected in a :class:`Ctx`, so every family's errors read the same and all of them are listed
at once.

- Errors: :data:`ABSENT`, :class:`ConfigError`, :class:`Ctx`, :func:`join`; JSON data:
  :func:`merge` (deep merge, new objects), :func:`copy_json`.
- The walker: :func:`walk_schema` (types, ranges, enums, unknown keys, defaults).
- Type checks: :func:`is_int`, :func:`is_num`; name checks: :func:`is_label_key`,
  :func:`is_label_value`, :func:`is_namespace_name`, :func:`is_env_name`; the named string checks
  a :class:`Spec` can carry (:data:`CHECKS`).
- Quantities: :func:`parse_quantity` (any Kubernetes quantity), :func:`memory_quantity`.

Standard library only: shipped to managed hosts with the modules that use it.
"""
from __future__ import annotations

import copy
import difflib
import json
import re

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import system_path_rule


# ------------------------------------------------------------------------------------- errors
class _Missing:
    """A value that is not there (a missing key, or the absent side of a diff)."""

    __slots__ = ()

    def __repr__(self):
        return "<absent>"

    def __bool__(self):
        return False

    def __deepcopy__(self, memo):
        return self

    def __copy__(self):
        return self


#: Marks an absent key in :class:`ConfigError` values and in diff results.
ABSENT = _Missing()


def render_value(value, limit=80):
    """A value as compact JSON for a message (``<missing>`` for :data:`ABSENT`), cut at ``limit``."""
    if value is ABSENT:
        return "<missing>"
    try:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > limit:
        text = text[:limit - 3] + "..."
    return text


class ConfigError:
    """One broken rule: where (JSON path), what (the value) and why (the rule)."""

    __slots__ = ("path", "value", "rule")

    def __init__(self, path, value, rule):
        self.path = path
        self.value = value
        self.rule = rule

    def __str__(self):
        return "%s: %s: %s" % (self.path, render_value(self.value), self.rule)

    def __repr__(self):
        return "ConfigError(%r, %r, %r)" % (self.path, self.value, self.rule)

    def __eq__(self, other):
        if not isinstance(other, ConfigError):
            return NotImplemented
        return (self.path, self.value, self.rule) == (other.path, other.value, other.rule)

    def __hash__(self):
        return hash((self.path, self.rule))

    def to_dict(self):
        return {"path": self.path, "value": None if self.value is ABSENT else self.value,
                "rule": self.rule, "message": str(self)}


class ErrorsResult:
    """``ok`` and ``messages`` of a validation result with an ``errors`` list of ConfigError
    (the families' Result classes)."""

    __slots__ = ()

    @property
    def ok(self):
        return not self.errors

    @property
    def messages(self):
        return [str(e) for e in self.errors]


class Ctx:
    """Collects errors (into ``errors``, a list it may be given); remembers the broken paths so
    that rules built on them stay quiet."""

    __slots__ = ("errors", "bad")

    def __init__(self, errors=None):
        self.errors = [] if errors is None else errors
        self.bad = set()

    def err(self, path, value, rule):
        self.errors.append(ConfigError(path, value, rule))
        self.bad.add(path)

    def is_bad(self, path):
        return path in self.bad


def join(path, key):
    """``path.key`` (``key`` alone at the top)."""
    return "%s.%s" % (path, key) if path else str(key)


def merge(base, override):
    """Deep-merge ``override`` over ``base`` (dicts merge, anything else replaces); new objects."""
    if not isinstance(base, dict) or not isinstance(override, dict):
        return copy.deepcopy(override)
    out = copy.deepcopy(base)
    for key, value in override.items():
        if key in out and isinstance(out[key], dict) and isinstance(value, dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def copy_json(value):
    """Fast deep copy of JSON-like data (dict / list / scalars)."""
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value


# ---------------------------------------------------------------------------------- type checks
def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def is_num(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def port_number(value):
    """A port written as an integer or as a numeric string (vLLM's kv_port is a string), or None."""
    if is_int(value):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


#: A DNS-1123 label: namespaces, Service and object names.
NAMESPACE_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
LABEL_NAME_RE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$")
DNS_SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_VALUE_RE = re.compile(r"^(([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?)$")


def is_dns_subdomain(value):
    return isinstance(value, str) and len(value) <= 253 and bool(DNS_SUBDOMAIN_RE.match(value))


def is_namespace_name(value):
    return isinstance(value, str) and len(value) <= 63 and bool(NAMESPACE_RE.match(value))


def is_env_name(value):
    return bool(ENV_NAME_RE.match(str(value)))


def is_label_key(key):
    """A Kubernetes label key: ``[prefix/]name`` (prefix a DNS subdomain, name <= 63)."""
    if not isinstance(key, str) or not key:
        return False
    prefix, _sep, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not DNS_SUBDOMAIN_RE.match(prefix)):
        return False
    return 0 < len(name) <= 63 and bool(LABEL_NAME_RE.match(name))


def is_label_value(value):
    """A non-empty Kubernetes label value."""
    return isinstance(value, str) and len(value) <= 63 and bool(LABEL_VALUE_RE.match(value)) and value != ""


# ----------------------------------------------------------------------------------- quantities
_SUFFIX = {
    "Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60,
    "n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
}
_QUANTITY_RE = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$")
#: A memory size as the vendor documents write one: a plain number, a binary or decimal suffix.
_MEMORY_RE = re.compile(r"^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$")


def parse_quantity(value):
    """A Kubernetes resource quantity ("8", "500m", "64Gi") as a float (None counts 0)."""
    if value is None:
        return 0.0
    if isinstance(value, (int, float)):
        return float(value)
    match = _QUANTITY_RE.match(str(value).strip())
    if not match:
        raise ValueError("not a Kubernetes quantity: %r" % (value,))
    return float(match.group(1)) * _SUFFIX[match.group(2) or ""]


def memory_quantity(text):
    """Bytes of a memory quantity such as ``8Gi`` or ``512M``, or None when ``text`` is not one."""
    if not isinstance(text, str) or not _MEMORY_RE.match(text.strip()):
        return None
    return parse_quantity(text.strip())


# ------------------------------------------------------------------------- named string checks
#: The string checks a :class:`Spec` names: check -> function(value) -> the broken rule or None.
CHECKS = {
    "nonempty": lambda v: None if v.strip() else "must be a non-empty string",
    "abspath": lambda v: None if v.startswith("/") else "must be an absolute path inside the container",
    "weightpath": lambda v: ("must be an absolute path inside the container" if not v.startswith("/")
                             else system_path_rule(v)),
    "name": lambda v: None if is_namespace_name(v) else (
        "must be a valid Kubernetes namespace name (lower-case letters, digits and '-', at most 63 characters)"),
    "label_key": lambda v: None if is_label_key(v) else "must be a valid Kubernetes label key",
    "label_value": lambda v: None if is_label_value(v) else (
        "must be a valid, non-empty Kubernetes label value (the doc: no spaces; letters, digits, '-', '_', '.')"),
    "quantity": lambda v: None if memory_quantity(v) is not None else "must be a Kubernetes memory quantity such as 8Gi",
}


# -------------------------------------------------------------------------------------- schema
#: No default: an absent optional key stays absent.
NO = object()


class Spec:
    """One field of a schema.

    ``kind``: ``obj`` (``keys``; ``closed`` refuses other keys, an open one keeps them), ``str``,
    ``int``, ``num``, ``bool``, ``port`` (1..65535, or ``lo``), ``list`` (``enum`` per item) or
    ``any``. ``default`` fills an absent key (objects are walked too); ``required`` reports it.
    ``lo`` / ``hi`` (``lo_open``: strictly above ``lo``) bound numbers; ``range_rule`` replaces the
    range message; ``enum`` lists the allowed values; ``check`` names a :data:`CHECKS` entry.
    """

    __slots__ = ("kind", "default", "required", "enum", "lo", "hi", "lo_open", "keys", "closed",
                 "nonempty", "check", "range_rule")

    def __init__(self, kind, default=NO, required=False, enum=None, lo=None, hi=None, lo_open=False,
                 keys=None, closed=True, nonempty=False, check=None, range_rule=None):
        self.kind = kind
        self.default = default
        self.required = required
        self.enum = enum
        self.lo = lo
        self.hi = hi
        self.lo_open = lo_open
        self.keys = keys or {}
        self.closed = closed
        self.nonempty = nonempty
        self.check = check
        self.range_rule = range_rule


def suggest(key, known):
    """The unknown-key rule, with the closest known key when there is one."""
    close = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.6)
    if close:
        return 'unknown key (did you mean "%s"?)' % close[0]
    return "unknown key (known keys: %s)" % ", ".join(sorted(known))


def enum_rule(enum, value, hints=True):
    rule = "must be one of %s" % ", ".join(enum)
    close = difflib.get_close_matches(str(value), list(enum), n=1, cutoff=0.6) if hints else None
    if close:
        rule += ' (did you mean "%s"?)' % close[0]
    return rule


def range_rule(spec):
    if spec.range_rule:
        return spec.range_rule
    lo, hi = spec.lo, spec.hi
    if lo is not None and hi is not None:
        return "must be between %s and %s" % (lo, hi)
    if lo is not None:
        return ("must be greater than %s" if spec.lo_open else "must be at least %s") % lo
    return "must be at most %s" % hi


def _out_of_range(spec, value):
    lo, hi = spec.lo, spec.hi
    return (lo is not None and (value <= lo if spec.lo_open else value < lo)) or (hi is not None and value > hi)


def walk_schema(spec, value, path, ctx, fresh=False, hints=True):
    """Check ``value`` against ``spec``, report into ``ctx`` and fill the defaults.

    In place by default (objects get their defaults, the value is returned). ``fresh=True``
    builds new objects instead (a closed object keeps its known keys only) and counts a None
    value as absent. ``hints`` adds "did you mean" to unknown-key and enum rules.
    """
    kind = spec.kind
    if kind == "any":
        return value
    if kind == "obj":
        return _walk_obj(spec, value, path, ctx, fresh, hints)
    if kind == "str":
        if not isinstance(value, str):
            ctx.err(path, value, "must be a string")
        elif spec.nonempty and not value.strip():
            ctx.err(path, value, "must be a non-empty string")
        elif spec.check and CHECKS[spec.check](value):
            ctx.err(path, value, CHECKS[spec.check](value))
        elif spec.enum is not None and value not in spec.enum:
            ctx.err(path, value, enum_rule(spec.enum, value, hints))
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            ctx.err(path, value, "must be a boolean (true or false)")
        return value
    if kind in ("int", "num"):
        if not (is_int(value) if kind == "int" else is_num(value)):
            ctx.err(path, value, "must be an integer" if kind == "int" else "must be a number")
        elif _out_of_range(spec, value):
            ctx.err(path, value, range_rule(spec))
        return value
    if kind == "port":
        lo = 1 if spec.lo is None else spec.lo
        if not is_int(value):
            ctx.err(path, value, "must be an integer port number")
        elif value < lo or value > 65535:
            ctx.err(path, value, "port must be between %s and %s" % (lo, 65535))
        return value
    if kind == "list":
        if not isinstance(value, list):
            ctx.err(path, value, "must be a list")
            return []
        for index, item in enumerate(value if spec.enum is not None else ()):
            if item not in spec.enum:
                ctx.err("%s[%d]" % (path, index), item, "must be one of %s" % ", ".join(spec.enum))
        return copy.deepcopy(value) if fresh else value
    raise AssertionError("unknown spec kind %r" % kind)  # pragma: no cover


def _walk_obj(spec, value, path, ctx, fresh, hints):
    if not isinstance(value, dict):
        ctx.err(path or "config", value, "must be an object")
        return {} if fresh else value
    out = {} if fresh else value
    for name, sub in spec.keys.items():
        sub_path = join(path, name)
        present = name in value and not (fresh and value[name] is None)
        if present:
            out[name] = walk_schema(sub, value[name], sub_path, ctx, fresh, hints)
        elif sub.required:
            ctx.err(sub_path, ABSENT, "is required")
        elif sub.default is not NO:
            default = copy.deepcopy(sub.default)
            out[name] = walk_schema(sub, default, sub_path, ctx, fresh, hints) if sub.kind == "obj" else default
    for name in value:
        if name in spec.keys:
            continue
        if spec.closed:
            ctx.err(join(path, name), value[name], suggest(name, spec.keys) if hints
                    else "unknown key (known keys: %s)" % ", ".join(sorted(spec.keys)))
        elif fresh:
            out[name] = copy.deepcopy(value[name])
    return out

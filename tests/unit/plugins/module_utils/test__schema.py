# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Unit tests of module_utils/_schema.py (issue 15): the one schema engine of the configuration
families (errors, the walker in both of its modes, type and name checks, quantities)."""
from __future__ import annotations

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils import _schema as s

SPEC = s.Spec("obj", keys={
    "name": s.Spec("str", required=True, check="name"),
    "mode": s.Spec("str", default="fast", enum=("fast", "slow")),
    "count": s.Spec("int", lo=1, hi=4),
    "ratio": s.Spec("num", lo=0, lo_open=True),
    "port": s.Spec("port"),
    "open": s.Spec("obj", closed=False, default={}),
    "tags": s.Spec("list", enum=("a", "b")),
})


def messages(ctx):
    return [str(e) for e in ctx.errors]


def test_in_place_walk_fills_defaults_and_reports_every_error():
    value = {"name": "Bad_Name", "count": 9, "ratio": 0, "port": 70000, "tags": ["a", "c"], "mdoe": "x"}
    ctx = s.Ctx()
    out = s.walk_schema(SPEC, value, "", ctx)
    assert out is value and value["mode"] == "fast" and value["open"] == {}
    assert messages(ctx) == [
        'name: "Bad_Name": must be a valid Kubernetes namespace name (lower-case letters, digits and \'-\', '
        'at most 63 characters)',
        "count: 9: must be between 1 and 4",
        "ratio: 0: must be greater than 0",
        "port: 70000: port must be between 1 and 65535",
        'tags[1]: "c": must be one of a, b',
        'mdoe: "x": unknown key (did you mean "mode"?)',
    ]
    assert ctx.is_bad("count") and not ctx.is_bad("mode")


def test_fresh_walk_builds_new_objects_and_counts_none_as_absent():
    value = {"name": None, "mode": "slwo", "open": {"k": [1]}, "zzz": 1}
    ctx = s.Ctx()
    out = s.walk_schema(SPEC, value, "", ctx, fresh=True, hints=False)
    assert out is not value and "zzz" not in out
    assert out["open"] == {"k": [1]} and out["open"]["k"] is not value["open"]["k"]
    assert messages(ctx) == [
        "name: <missing>: is required",
        'mode: "slwo": must be one of fast, slow',
        "zzz: 1: unknown key (known keys: count, mode, name, open, port, ratio, tags)",
    ]


def test_errors_share_a_list_and_read_the_same():
    errors = []
    s.Ctx(errors).err("a.b", s.ABSENT, "is required")
    assert errors == [s.ConfigError("a.b", s.ABSENT, "is required")]
    assert errors[0].to_dict() == {"path": "a.b", "value": None, "rule": "is required",
                                   "message": "a.b: <missing>: is required"}
    assert s.render_value("x" * 100).endswith("...") and len(s.render_value("x" * 100)) == 80
    assert s.join("", "a") == "a" and s.join("a", 1) == "a.1"


@pytest.mark.parametrize("value,ok", [(1, True), (True, False), (1.0, False)])
def test_is_int(value, ok):
    assert s.is_int(value) is ok


def test_names():
    assert s.is_label_key("pdserve.io/stack") and not s.is_label_key("-x") and not s.is_label_key("")
    assert s.is_label_value("module-a3-16") and not s.is_label_value("") and not s.is_label_value("a b")
    assert s.is_namespace_name("mindie") and not s.is_namespace_name("Mindie") and not s.is_namespace_name("a" * 64)
    assert s.is_env_name("MINDIE_LOG_LEVEL") and not s.is_env_name("1X")


@pytest.mark.parametrize("text,value", [("8", 8.0), ("500m", 0.5), ("64Gi", 64 * 2 ** 30), ("1e3", 1000.0),
                                        (None, 0.0), (3, 3.0)])
def test_parse_quantity(text, value):
    assert s.parse_quantity(text) == value


def test_parse_quantity_refuses():
    with pytest.raises(ValueError, match="not a Kubernetes quantity"):
        s.parse_quantity("8 GiB")


@pytest.mark.parametrize("text,value", [("8Gi", 8 * 2 ** 30), (" 512M ", 512e6), ("1.5Ki", 1536.0), ("500m", None),
                                        ("-1Gi", None), ("", None), (8, None)])
def test_memory_quantity(text, value):
    assert s.memory_quantity(text) == value


@pytest.mark.parametrize("value,port", [(1025, 1025), (" 8998 ", 8998), ("x", None), (True, None), (1.0, None)])
def test_port_number(value, port):
    assert s.port_number(value) == port


def test_errors_result_ok_and_messages():
    class R(s.ErrorsResult):
        __slots__ = ("errors",)

        def __init__(self, errors):
            self.errors = errors

    ctx = s.Ctx()
    assert R(ctx.errors).ok is True and R(ctx.errors).messages == []
    ctx.err("a.b", 3, "must be a string")
    result = R(ctx.errors)
    assert result.ok is False
    assert result.messages == [str(ctx.errors[0])] and "a.b" in result.messages[0] and "must be a string" in result.messages[0]

"""The plain value classes keep what the dataclasses they replace gave: equality, repr,
immutability and hashing where frozen, ``replace``, pickling and copying."""

from __future__ import annotations

import copy
import pickle
from typing import ClassVar

import pytest

from fakemedia._record import Frozen, FrozenError, Record, replace
from fakemedia.annotation.model import Region
from fakemedia.formats.jpeg import Segment
from fakemedia.manifest.report import Status, StatusList
from fakemedia.manifest.validate import StoreResults


class Point(Frozen):
    __slots__ = ("label", "x", "y")
    x: int
    y: int
    label: str

    def __init__(self, x: int, y: int, label: str = "") -> None:
        self._init(x=x, y=y, label=label)


class Box(Record):
    __slots__ = ("_cache", "note", "size")
    _uncompared: ClassVar[tuple[str, ...]] = ("note",)
    size: int
    note: str
    _cache: int | None

    def __init__(self, size: int, note: str = "", _cache: int | None = None) -> None:
        self.size, self.note, self._cache = size, note, _cache


def test_equality_repr_and_hash_follow_the_fields_in_order() -> None:
    assert Point(1, 2) == Point(1, 2) and Point(1, 2) != Point(2, 1)
    assert repr(Point(1, 2, "a")) == "Point(x=1, y=2, label='a')"
    assert hash(Point(1, 2)) == hash(Point(1, 2))
    assert Point(1, 2) != (1, 2, "")  # another class is never equal
    assert Box(1, "a") == Box(1, "b")  # uncompared field
    assert repr(Box(1, "a", 5)) == "Box(size=1, note='a')"  # private fields are not shown
    with pytest.raises(TypeError):
        hash(Box(1))


def test_frozen_records_refuse_assignment_and_deletion() -> None:
    p = Point(1, 2)
    with pytest.raises(FrozenError):
        p.x = 3
    with pytest.raises(AttributeError):
        del p.y
    with pytest.raises(AttributeError):
        p.z = 1
    box = Box(1)
    box.size = 2
    assert box.size == 2


def test_replace_builds_a_new_record_through_init() -> None:
    assert replace(Point(1, 2, "a"), y=5) == Point(1, 5, "a")
    assert replace(Box(1, _cache=7), size=2)._cache == 7
    with pytest.raises(TypeError):
        replace(Point(1, 2), z=3)
    with pytest.raises(Exception, match="region"):  # a Region checks itself again
        replace(Region("rectangle", x=0, y=0, width=1, height=1), width=-1)


@pytest.mark.parametrize("value", [
    Point(1, 2, "a"), Segment(0xD8, 0, b"\xff\xd8"), Status("claim.missing", None, "x"),
    Region("rectangle", x=0, y=0, width=4, height=3),
    StoreResults(StatusList([Status("a")]), identities={"m": []}),
])
def test_pickle_and_copy_round_trip(value: object) -> None:
    for clone in (pickle.loads(pickle.dumps(value)), copy.copy(value), copy.deepcopy(value)):
        assert clone == value and type(clone) is type(value)


def test_subclass_fields_follow_the_parents() -> None:
    results = StoreResults(identities={"m": []})
    assert StoreResults._fields == ("active_manifest", "ingredient_deltas", "manifest_statuses",
                                    "identities", "signers")
    assert results == StoreResults()  # identities, signers and manifest_statuses are not compared

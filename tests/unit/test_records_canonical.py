"""The streaming canonical JSON writer of records (records/export.py): what it writes is
exactly ``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)``, and the
digests it reports are those of exactly the bytes of the body."""

import hashlib
import json

from hypothesis import given
from hypothesis import strategies as st

from commonground.records.chain import canonical_json
from commonground.records.export import Lazy, RecordWriter, Stream, canonical_chunks

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def streamed(value):
    """The same value with every list turned into a Stream (and dict values into Lazy)."""
    if isinstance(value, list):
        return Stream(iter([streamed(v) for v in value]))
    if isinstance(value, dict):
        return {k: Lazy(lambda v=v: streamed(v)) for k, v in value.items()}
    return value


@given(json_values)
def test_streamed_values_are_written_exactly_as_canonical_json(value):
    assert "".join(canonical_chunks(streamed(value))).encode() == canonical_json(value)


@given(st.dictionaries(st.text(min_size=1, max_size=8), json_values, min_size=1, max_size=6))
def test_the_written_record_is_the_canonical_body_plus_integrity_and_the_digests_match(body):
    body.pop("integrity", None)
    writer = RecordWriter()
    chunks = []
    for key in sorted(body):
        chunks.extend(writer.member(key, streamed(body[key])))
    chunks.extend(writer.finish("a" * 64, 3))
    written = b"".join(chunks)

    canonical = canonical_json(body)
    integrity = json.loads(written)["integrity"]
    assert written == canonical[:-1] + b',"integrity":' + canonical_json(integrity) + b"}"
    assert integrity["body_sha256"] == hashlib.sha256(canonical).hexdigest()
    assert integrity["sections"] == {
        key: hashlib.sha256(canonical_json(value)).hexdigest() for key, value in body.items()
    }
    assert (integrity["audit_head"], integrity["audit_events"]) == ("a" * 64, 3)


def test_non_ascii_text_is_written_as_utf8_not_escaped():
    assert "".join(canonical_chunks({"t": Stream(["合意", "توافق"])})) == '{"t":["合意","توافق"]}'


def test_a_stream_is_read_only_when_its_turn_comes():
    order = []

    def tracked(name, values):
        order.append(name)
        yield from values

    value = {
        "b": Lazy(lambda: Stream(tracked("b", [2]))),
        "a": Lazy(lambda: Stream(tracked("a", [1]))),
    }
    assert "".join(canonical_chunks(value)) == '{"a":[1],"b":[2]}'
    assert order == ["a", "b"]

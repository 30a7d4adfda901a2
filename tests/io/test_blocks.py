"""Reading a stream in blocks of whole lines."""

from __future__ import annotations

import io

import pytest

from softmax_cli.io.streaming.blocks import LINES_PER_BLOCK, line_blocks


@pytest.mark.parametrize(
    ("line_length", "block_size", "grown"), [(9, 100_000, 100_000), (40, 10_000, 20_000)]
)
def test_blocks_grow_for_long_lines_up_to_twice_the_size(
    line_length: int, block_size: int, grown: int
) -> None:
    # 9-byte lines: 100,000 bytes hold more than LINES_PER_BLOCK of them, but a block never
    # shrinks; 40-byte lines would want 220,000 bytes, and get twice 10,000.
    lines = [f"{n:0{line_length - 1}d}\n".encode() for n in range(3 * grown // line_length)]
    data = b"".join(lines)
    blocks = list(line_blocks(io.BytesIO(data), block_size))
    assert b"".join(block for _, block in blocks) == data
    starts = [start for start, _ in blocks]
    counts = [block.count(b"\n") for _, block in blocks]
    assert starts == [1 + sum(counts[:i]) for i in range(len(blocks))]
    assert len(blocks[0][1]) <= block_size
    assert max(len(block) for _, block in blocks[1:-1]) == grown - grown % line_length
    assert LINES_PER_BLOCK * 9 < 100_000 and LINES_PER_BLOCK * 40 > 20_000


def test_a_last_line_without_a_newline_gets_one_and_a_bom_is_dropped() -> None:
    blocks = list(line_blocks(io.BytesIO(b"\xef\xbb\xbf1,2\r\n3,4"), 4))
    assert b"".join(block for _, block in blocks) == b"1,2\n3,4\n"


@pytest.mark.parametrize("block_size", [1, 2, 3, 7, 64])
def test_a_lone_cr_is_a_line_break_and_crlf_one_break_across_reads(block_size: int) -> None:
    text = b"1,2\r3,4\r\n5,6\r\r7,8\r"
    blocks = list(line_blocks(io.BytesIO(text), block_size))
    joined = b"".join(block for _, block in blocks)
    assert joined == b"1,2\n3,4\n5,6\n\n7,8\n"
    starts = [start for start, _ in blocks]
    lines_before = [
        joined[: sum(len(b) for _, b in blocks[:i])].count(b"\n") + 1 for i in range(len(blocks))
    ]
    assert starts == lines_before

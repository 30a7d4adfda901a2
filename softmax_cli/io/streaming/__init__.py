"""Streams in blocks: lines read a block at a time, parsed ahead on a second core, the heap kept
warm, and the chunks of rows every reader hands on."""

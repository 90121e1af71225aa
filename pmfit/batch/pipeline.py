"""The pieces every batch run is made of: the `Scorer` (built once, before any worker
forks, and shared with them), and the `Results` that take scored blocks in order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pmfit.bank.model import Bank
from pmfit.batch.lines import Line
from pmfit.batch.rows import Block, Rejection
from pmfit.batch.scored import Scored
from pmfit.batch.writers import Output, Sink


class Results:
    """Where scored blocks go, in input order: `take` gets what `prepare` made of each
    (in whichever process scored it: a worker sends only that)."""

    prepare: Callable[[Scored], Any]
    #: Whether `prepare` reads "what would change it" (the report does not).
    reads_flips = True

    def start(self) -> None:
        pass

    def take(self, prepared: Any) -> None:
        raise NotImplementedError

    def end(self) -> None:
        pass


class Written(Results):
    """Results written to `sink` in `output`'s format."""

    def __init__(self, bank: Bank, sink: Sink, output: Output) -> None:
        self.sink = sink
        self.output = output
        self.formatter = output.formatter(bank)
        self.prepare = self.formatter.chunk
        self.empty = True

    def start(self) -> None:
        self.sink.write(self.formatter.start())

    def take(self, prepared: Any) -> None:
        if prepared:
            self.sink.write(self.formatter.place(prepared, self.empty))
            self.empty = False

    def end(self) -> None:
        self.sink.write(self.formatter.end(self.empty))


class Scorer:
    """Per process: the compiled bank and the JSONL decoder, built once; `prepare` makes
    what goes on of each scored block (`Results.prepare`)."""

    def __init__(self, bank: Bank, results: Results) -> None:
        from pmfit.batch.fast import Compiled
        from pmfit.batch.jsonl import LineDecoder

        self.compiled = Compiled(bank)
        self.decoder = LineDecoder(bank)
        self.prepare = results.prepare
        self.flips = results.reads_flips

    def score(self, block: Block) -> Any:
        from pmfit.batch.fast import score

        codes = block.matrix(self.compiled.n_questions)
        return self.prepare(score(self.compiled, codes, block.respondents, flips=self.flips))

    def jsonl(self, file: str, first: int, lines: list[Line]) -> tuple[Any, list[Rejection], int]:
        block = self.decoder.block(lines, first, file)
        return self.score(block), block.rejections, len(block)

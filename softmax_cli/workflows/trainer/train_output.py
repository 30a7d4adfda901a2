"""Where a train run's results go: the report, the saved model and the figure."""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO, NamedTuple

if TYPE_CHECKING:
    from softmax_cli.core.trainer.outcome import TrainOutcome
    from softmax_cli.workflows.trainer.train_data import Examples


class Report(NamedTuple):
    """Where a run's results go: the report (a table, else JSON) to ``stdout``, the
    model to ``save``, the figure to ``plot``, when given."""

    stdout: BinaryIO
    as_table: bool
    color: str = "auto"
    save: str | None = None
    plot: str | None = None


def report_outcome(
    outcome: TrainOutcome,
    report: Report,
    source: str,
    trained_on: Examples | None = None,
) -> None:
    """Save the model, plot (decision regions need the rows ``trained_on``) and write
    the report."""
    if report.save is not None:
        from softmax_cli.io.formats.modelfile import SavedModel, save_model

        fitted = outcome.fitted
        model = SavedModel(
            fitted.model,
            outcome.schema.classes,
            outcome.settings,
            fitted.preprocessor,
            outcome.schema.target,
        )
        save_model(report.save, model)
    if report.plot is not None:
        _plot(report.plot, outcome, trained_on)
    if report.as_table:
        from softmax_cli.render.console import make_console
        from softmax_cli.render.train_report import render_train_report

        render_train_report(make_console(report.color), outcome, source)
    else:
        from softmax_cli.io.formats.reports import format_train_json

        report.stdout.write(format_train_json(outcome))


def _plot(path: str, outcome: TrainOutcome, trained_on: Examples | None) -> None:
    """The figure; decision regions only when the model sees just two numeric columns."""
    from softmax_cli.io.named_file import replacing
    from softmax_cli.render.plots import plot_train

    schema = outcome.schema
    with replacing(path) as stream:
        if trained_on is not None and len(schema.numeric) == 2 and not schema.categorical:
            plot_train(stream, outcome, trained_on.numbers, trained_on.targets)
        else:
            plot_train(stream, outcome)

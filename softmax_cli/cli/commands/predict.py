"""The ``predict`` command: apply a saved model to rows of features."""

from __future__ import annotations

from typing import Any

import click

from softmax_cli.cli.engine_options import row_engine_options, row_plan, run_per_shard
from softmax_cli.cli.group import NumbersCommand
from softmax_cli.cli.options import (
    feature_input_options,
    output_options,
    report_skipped,
    stdout_bytes,
)


@click.command("predict", cls=NumbersCommand)
@click.option(
    "-m",
    "--model",
    "model_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    metavar="MODEL.npz",
    help="A model saved by 'softmax train --save' or 'softmax train-blobs --save'.",
)
@feature_input_options
@output_options
@row_engine_options
def predict_command(model_path: str, **kwargs: Any) -> None:
    """Predict classes with a model saved by train or train-blobs.

    Prints each sample's class probabilities and its predicted class. Features
    come as arguments (one sample) or as CSV rows on stdin or from --input,
    one sample per row, with the same input rules as the softmax command. A train
    model matches the columns of a header row by name (in any order; other columns
    are ignored) and applies its own preprocessing; when the rows carry the target
    column, their accuracy and log loss are reported (on stderr, or under the table).
    Output: one probability per class and the predicted class; --labels renames the
    model's classes.

    \b
    Examples:
      softmax train-blobs --seed 1 --save model.npz --quiet >/dev/null
      softmax predict --model model.npz 15.2 0.3
      printf 'x,y\\n15,0\\n0,15\\n' | softmax predict -m model.npz --format json
      softmax predict -m iris.npz -i new.csv --format csv > predictions.csv
    """
    from softmax_cli.workflows.trainer.predict import predict_rows

    plan = row_plan(kwargs)
    spec, output = plan.spec, plan.output
    if plan.outputs is not None:
        from softmax_cli.workflows.cluster.row_outputs import RowCall

        run_per_shard(plan, lambda _: RowCall(predict_rows, (model_path,), (output,)))
        return
    predicted = predict_rows(model_path, spec, output, stdout_bytes())
    for note in predicted.notes:
        click.echo(f"predict: {note}", err=True)
    report_skipped(predicted.skipped)

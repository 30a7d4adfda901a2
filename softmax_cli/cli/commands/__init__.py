"""One thin Click command per module, registered in ``softmax_cli.cli.registry``."""

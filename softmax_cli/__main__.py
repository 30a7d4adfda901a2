"""Allow ``python -m softmax_cli``."""

from softmax_cli.cli.main import main

if __name__ == "__main__":
    main()

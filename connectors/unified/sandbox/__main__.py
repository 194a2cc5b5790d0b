"""`python -m connectors.unified.sandbox`: see `connectors.unified.sandbox.cli`."""

from connectors.unified.sandbox.cli import main

if __name__ == "__main__":
    raise SystemExit(main())

"""The commands behind the CLI: doc, cost and diff; each takes the parsed arguments and returns an exit code."""

"""Command-line interface: `viblio-pipeline SUBCOMMAND`."""

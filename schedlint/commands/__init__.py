"""CLI commands that live outside cli.py; each module registers its commands on `schedlint.cli.app`."""

"""``bastion <verb>``: one entry point; each capability contributes its commands (see registry)."""

from __future__ import annotations

import logging
import sys

import click

from bastion import __version__
from bastion.registry import CLI_COMMANDS, load


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bastion")
@click.option("--config", "-c", envvar="BASTION_CONFIG", type=click.Path(dir_okay=False),
              help="Path to bastion.toml (default: ./bastion.toml if present).")
@click.option("--verbose", "-v", is_flag=True, help="Log at INFO level on stderr.")
@click.pass_context
def cli(ctx: click.Context, config: str | None, verbose: bool) -> None:
    """Bastion: verified, policy-governed and provable access to frontier models."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx.ensure_object(dict)
    ctx.obj["config"] = config


for _ref in CLI_COMMANDS:
    cli.add_command(load(_ref))


def main() -> None:
    cli(prog_name="bastion")


if __name__ == "__main__":
    main()

"""``token create|list|revoke``: the write access of the HTTP API (``serve``)."""

from __future__ import annotations

import attrs
import click

from barcode_plugins.cli.context import AppContext, json_option, pass_app, print_json
from barcode_plugins.cli.output import table


@click.group()
def token() -> None:
    """Tokens for the HTTP API: writes need 'Authorization: Token <token>'."""


@token.command()
@click.argument("name")
@json_option
@pass_app
def create(app: AppContext, name: str, as_json: bool) -> None:
    """Create a token named NAME and print it. It is shown only this once: the store keeps a hash."""
    record, secret = app.engine.create_api_token(name)
    if as_json:
        print_json({"id": record.id, "name": record.name, "token": secret, "created_at": record.created_at})
        return
    click.echo(secret)
    click.echo(f"token {record.name!r} created; it is not shown again", err=True)


@token.command(name="list")
@click.option("--all", "include_revoked", is_flag=True, help="Include revoked tokens.")
@json_option
@pass_app
def list_(app: AppContext, include_revoked: bool, as_json: bool) -> None:
    """List tokens (name, a hint of the first characters, dates); never the tokens themselves."""
    records = app.engine.api_tokens(include_revoked)
    if as_json:
        print_json([attrs.asdict(record, filter=lambda field, _: field.name != "token_hash") for record in records])
        return
    rows = [(r.id, r.name, r.hint, r.created_at[:19].replace("T", " "), r.revoked_at or "") for r in records]
    click.echo(table(("id", "name", "starts", "created (UTC)", "revoked"), rows))


@token.command()
@click.argument("name_or_id")
@json_option
@pass_app
def revoke(app: AppContext, name_or_id: str, as_json: bool) -> None:
    """Revoke the token with this name (or id): requests carrying it are refused from now on."""
    record = app.engine.revoke_api_token(name_or_id)
    if as_json:
        print_json({"id": record.id, "name": record.name, "revoked_at": record.revoked_at})
        return
    click.echo(f"token {record.name!r} revoked")


def register(group: click.Group) -> None:
    """Add this module's commands."""
    group.add_command(token)

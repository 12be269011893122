"""``serve``: the HTTP API and the scanning-station page (extra ``barcode-plugins[server]``)."""

from __future__ import annotations

import click

from barcode_plugins.cli.context import AppContext, CliError, pass_app


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="TCP port.")
@click.option("--open-reads", is_flag=True, help="Serve scans, decodes, history and orders without a token.")
@pass_app
def serve(app: AppContext, host: str, port: int, open_reads: bool) -> None:
    """Serve the HTTP API and the station page on the store (writes need a token: see 'token create')."""
    try:
        # lazy: the HTTP stack is heavy and optional; no other command may pay for it
        import uvicorn

        from barcode_plugins.web.app import create_app
    except ImportError as error:
        raise CliError(
            f"serve needs the server extra: pip install 'barcode-plugins[server]' ({error.name} is missing)", 2
        ) from None
    engine = app.engine
    path = engine.open_store()  # open (and migrate) the store now: a bad --db fails here, before the port is bound
    click.echo(f"barcode-plugins: serving {path} on http://{host}:{port}/", err=True)
    if host not in ("127.0.0.1", "::1", "localhost"):
        click.echo(
            "warning: listening beyond this machine; tokens travel in plain HTTP unless a TLS proxy is in front",
            err=True,
        )
    if not open_reads:
        click.echo("reads and writes need 'Authorization: Token <token>' (barcode-plugins token create NAME)", err=True)
    uvicorn.run(
        create_app(engine, open_reads=open_reads),
        host=host,
        port=port,
        log_level="warning",
        server_header=False,
        timeout_graceful_shutdown=5,
    )


def register(group: click.Group) -> None:
    """Add this module's commands."""
    group.add_command(serve)

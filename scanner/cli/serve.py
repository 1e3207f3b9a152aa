"""``piiscout serve``: the DPO's workbench, a web application over the inventory.

Bound to 127.0.0.1 by default; any other address needs ``--allow-remote`` (and then a TLS
front end: set ``--secure-cookies`` so the session cookie is only sent over HTTPS). Users are
created with ``piiscout users add``.
"""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path

import click

from scanner.cli.inventory import data_dir_of, db_options, settings_for


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@click.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; a non-loopback one needs --allow-remote.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option("--allow-remote", is_flag=True,
              help="Allow listening on a non-loopback address (put TLS in front of it).")
@click.option("--secure-cookies", is_flag=True,
              help="Mark the session cookie Secure (only sent over HTTPS).")
@click.option("--session-minutes", default=30, show_default=True, type=click.IntRange(1, 1440),
              help="A session expires after this long without a request.")
@click.option("--source-db", "source_dbs", multiple=True, metavar="URL",
              envvar="PIISCOUT_SOURCE_DB",
              help="Connection URL (with credentials) of a scanned server database, for live "
              "subject lookups; repeatable, or PIISCOUT_SOURCE_DB (space-separated), which keeps "
              "passwords out of the process list. SQLite databases need none. Never shown.")
@db_options
def command(host: str, port: int, allow_remote: bool, secure_cookies: bool, session_minutes: int,
            source_dbs: tuple[str, ...], db_url: str | None, config: Path | None) -> None:
    """Serve the DPO's workbench: dashboard, inventory, review, subject access, gaps, RoPA."""
    if not is_loopback(host) and not allow_remote:
        raise click.ClickException(
            f"refusing to listen on {host}: it is not a loopback address. Add --allow-remote "
            "(and put TLS in front, with --secure-cookies) to serve other machines"
        )
    try:
        from scanner.web import create_app
    except ImportError as exc:
        raise click.ClickException(
            f"the workbench needs the web extra: pip install 'piiscout[web]' ({exc.name})"
        ) from None
    from werkzeug.serving import make_server

    settings = settings_for(config)
    app = create_app(
        db_url=db_url or settings.inventory.url, data_dir=data_dir_of(settings),
        settings=settings, secure_cookies=secure_cookies, session_minutes=session_minutes,
        source_dbs=source_dbs,
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    server = make_server(host, port, app, threaded=True)
    click.echo(f"piiscout workbench on http://{host}:{server.server_port}/ (Ctrl-C stops it)",
               err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.config["INVENTORY"].close()

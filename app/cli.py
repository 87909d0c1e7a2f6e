"""Command line: migrate, serve, load demo data, bootstrap an organisation and a superadmin."""

import asyncio
import ipaddress
import logging
import os
from typing import Annotated

import typer
from rich.console import Console

from app import db
from app.config import settings
from app.migrate import upgrade

cli = typer.Typer(help="Vanguard Points (先锋积分) administration.", no_args_is_help=True)
console = Console()
log = logging.getLogger("app.cli")


def _migrate() -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with console.status("Migrating the database…"):
        upgrade(settings.effective_database_url)
    console.print("[green]Database is at the latest schema.[/green]")


@cli.command()
def migrate() -> None:
    """Upgrade the database to the latest schema."""
    _migrate()


async def _load_demo_if_empty() -> bool:
    from app.demo.loader import database_is_empty, load_demo

    try:
        async with db.unit_of_work() as session:
            if not await database_is_empty(session):
                return False
            result = await load_demo(session)
    finally:
        # uvicorn runs its own event loop; a pooled connection made on this one must not
        # outlive it (on PostgreSQL its first use there logged "Event loop is closed").
        await db.engine.dispose()
    console.print(
        f"[green]Demo data loaded:[/green] {result['members']} members, "
        f"standard {result['standard_id']} published for {result['year']}, "
        f"{result['claims']} claims, {result['entries']} branch entries, "
        f"{result['closed_months']} closed branch months."
    )
    return True


async def _holds_demo_accounts() -> bool:
    from app.demo.loader import holds_demo_data

    try:
        async with db.unit_of_work() as session:
            return await holds_demo_data(session)
    finally:
        await db.engine.dispose()


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name or 0.0.0.0-style wildcard reaches other machines


def guard_public_demo(*, host: str, allow: bool) -> None:
    """The demo accounts share a published password: only on loopback, unless asked for."""
    if is_loopback(host):
        return
    if not allow:
        console.print(
            f"[red]Refusing to serve the demo accounts on {host}:[/red] their password is "
            "published. Serve on 127.0.0.1, or pass --allow-public-demo (ALLOW_PUBLIC_DEMO=true) "
            "for a throw-away demonstration."
        )
        raise typer.Exit(code=2)
    log.warning(
        "Serving the demo accounts, whose password is published, on %s: anyone who can reach "
        "it can sign in as them.",
        host,
    )
    console.print(f"[yellow]Warning: the demo accounts are reachable on {host}.[/yellow]")


@cli.command()
def demo() -> None:
    """Load the demo organisation into an empty database."""
    _migrate()
    if not asyncio.run(_load_demo_if_empty()):
        console.print("The database is not empty; demo data was not loaded.")


@cli.command()
def bootstrap(
    organisation: Annotated[str, typer.Option(help="Name of the top-level organisation")],
    username: Annotated[str, typer.Option(help="Login name of the superadmin")] = "root",
    password: Annotated[
        str | None,
        typer.Option(
            help="Superadmin password (default: read from BOOTSTRAP_PASSWORD or prompted)"
        ),
    ] = None,
) -> None:
    """Create the top-level organisation, a superadmin and the default standard for this year."""
    secret = (
        password
        or os.environ.get("BOOTSTRAP_PASSWORD")
        or typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    )
    from app.auth.passwords import WeakPassword, check_password_strength

    try:
        check_password_strength(secret, user_words=[username])
    except WeakPassword as exc:
        raise typer.BadParameter(exc.detail) from exc
    _migrate()

    async def run() -> None:
        from app.demo.loader import current_year
        from app.models import Organisation, RoleAssignment, User
        from app.security import hash_password_async
        from app.standards.service import install_default

        try:
            async with db.unit_of_work() as session:
                org = Organisation(name=organisation, kind="committee", path="")
                session.add(org)
                await session.flush()
                org.path = f"/{org.id}/"
                user = User(
                    username=username,
                    display_name=username,
                    password_hash=await hash_password_async(secret),
                    is_superadmin=True,
                    must_change_password=False,
                )
                session.add(user)
                await session.flush()
                assert user.id is not None and org.id is not None
                session.add(
                    RoleAssignment(user_id=user.id, role="org_admin", organisation_id=org.id)
                )
                await install_default(session, organisation_id=org.id, year=current_year())
        finally:
            await db.engine.dispose()

    asyncio.run(run())
    console.print(f"[green]Created {organisation} and superadmin {username}.[/green]")


@cli.command()
def serve(
    demo_data: Annotated[
        bool, typer.Option("--demo/--no-demo", help="Load demo data into an empty database")
    ] = False,
    allow_public_demo: Annotated[
        bool,
        typer.Option(
            "--allow-public-demo",
            help="Serve the demo accounts (published password) on an address other than "
            "loopback (also ALLOW_PUBLIC_DEMO=true)",
        ),
    ] = False,
    reload: bool = False,
) -> None:
    """Migrate, optionally load demo data, and serve the API and the web app."""
    import uvicorn

    allow = allow_public_demo or settings.allow_public_demo
    if demo_data:
        guard_public_demo(host=settings.host, allow=allow)
    _migrate()
    if demo_data:
        asyncio.run(_load_demo_if_empty())
    elif not is_loopback(settings.host) and asyncio.run(_holds_demo_accounts()):
        guard_public_demo(host=settings.host, allow=allow)
    console.print(f"Serving on http://{settings.host}:{settings.port}")
    uvicorn.run(
        "app.main:app",
        host=settings.host,
        port=settings.port,
        reload=reload,
        # Forwarding headers are applied by the app, from trusted proxies only
        # (FORWARDED_ALLOW_IPS, app.middleware.TrustedProxyHeaders).
        proxy_headers=False,
        server_header=False,
    )


if __name__ == "__main__":
    cli()

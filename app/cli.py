"""Command line: migrate, serve, load demo data, bootstrap an organisation and a superadmin."""

import asyncio
import os
from typing import Annotated

import typer
from rich.console import Console

from app import db
from app.config import settings
from app.migrate import upgrade

cli = typer.Typer(help="Vanguard Points (先锋积分) administration.", no_args_is_help=True)
console = Console()


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

    async with db.SessionFactory() as session:
        if not await database_is_empty(session):
            return False
        result = await load_demo(session)
        await session.commit()
    # uvicorn runs its own event loop; pooled connections must not outlive this one.
    await db.engine.dispose()
    console.print(
        f"[green]Demo data loaded:[/green] {result['members']} members, "
        f"standard {result['standard_id']} published for {result['year']}, "
        f"{result['claims']} claims, {result['entries']} branch entries, "
        f"{result['closed_months']} closed branch months."
    )
    return True


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
    if len(secret) < 8:
        raise typer.BadParameter("the password needs at least 8 characters")
    _migrate()

    async def run() -> None:
        from app.demo.loader import current_year
        from app.models import Organisation, RoleAssignment, User
        from app.security import hash_password
        from app.standards.service import install_default

        async with db.SessionFactory() as session:
            org = Organisation(name=organisation, kind="committee", path="")
            session.add(org)
            await session.flush()
            org.path = f"/{org.id}/"
            user = User(
                username=username,
                display_name=username,
                password_hash=hash_password(secret),
                is_superadmin=True,
                must_change_password=False,
            )
            session.add(user)
            await session.flush()
            assert user.id is not None and org.id is not None
            session.add(RoleAssignment(user_id=user.id, role="org_admin", organisation_id=org.id))
            await install_default(session, organisation_id=org.id, year=current_year())
            await session.commit()
        await db.engine.dispose()

    asyncio.run(run())
    console.print(f"[green]Created {organisation} and superadmin {username}.[/green]")


@cli.command()
def serve(
    demo_data: Annotated[
        bool, typer.Option("--demo/--no-demo", help="Load demo data into an empty database")
    ] = False,
    reload: bool = False,
) -> None:
    """Migrate, optionally load demo data, and serve the API and the web app."""
    import uvicorn

    _migrate()
    if demo_data:
        asyncio.run(_load_demo_if_empty())
    console.print(f"Serving on http://{settings.host}:{settings.port}")
    uvicorn.run(
        "app.main:app",
        host=settings.host,
        port=settings.port,
        reload=reload,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        server_header=False,
    )


if __name__ == "__main__":
    cli()

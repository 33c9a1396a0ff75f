"""`python -m viblio_pipeline.localswf`: run the service without the config layer (tests, tools)."""

from __future__ import annotations

import argparse
import logging
import sys

from viblio_pipeline.localswf.server import serve
from viblio_pipeline.localswf.store import StoreInUse


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m viblio_pipeline.localswf",
                                     description="Embedded SWF-compatible service.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8787, help="0 picks a free port (printed on stdout)")
    parser.add_argument("--db", default="var/swf.sqlite3", help="SQLite file (':memory:' for none)")
    parser.add_argument("--poll-timeout", type=float, default=60.0, help="long-poll hold, seconds")
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(message)s")
    try:
        serve(args.host, args.port, args.db, args.poll_timeout)
    except (StoreInUse, OSError) as exc:
        print(f"localswf: cannot start: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()

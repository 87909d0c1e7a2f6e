"""Print the API's OpenAPI document as JSON, keys sorted, for the frontend's generated types.

`make types` turns it into frontend/src/api/schema.d.ts; `make test` checks that file is current.
"""

import json
import sys
from pathlib import Path

# Run as `python scripts/openapi.py` from anywhere: the repository root holds the `app` package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.main import app


def main() -> None:
    json.dump(app.openapi(), sys.stdout, sort_keys=True, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

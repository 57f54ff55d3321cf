"""Executes every notebook in this folder (or those named) from top to bottom, as a reader would;
exits with status 1 naming the notebook and the cell if any cell raises. Outputs are not saved.

    python run_all.py [NOTEBOOK.ipynb ...]
"""

import pathlib
import sys
import time

import nbclient
import nbformat

HERE = pathlib.Path(__file__).resolve().parent


def main() -> int:
    names = sys.argv[1:] or sorted(p.name for p in HERE.glob("*.ipynb"))
    failed = []
    for name in names:
        nb = nbformat.read(HERE / name, as_version=4)
        start = time.perf_counter()
        client = nbclient.NotebookClient(
            nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}
        )
        try:
            client.execute()
        except nbclient.exceptions.CellExecutionError as e:
            print(f"{name}: FAILED\n{e}", flush=True)
            failed.append(name)
            continue
        print(f"{name}: ok in {time.perf_counter() - start:.1f} s", flush=True)
    if failed:
        print(f"{len(failed)} of {len(names)} notebooks failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Execute notebooks with Jupyter's own nbclient, for the runner's cross-check.

usage: execute.py KERNEL_NAME TIMEOUT_SECONDS IN.ipynb OUT.ipynb
       execute.py --validate FILE.ipynb...

Runs IN through nbclient with the named kernelspec, validates the result with
nbformat and writes it to OUT. Exits 1 when a cell reports an error.
With --validate, checks each FILE against nbformat's own JSON schema (version 4.5).
"""
import sys
import warnings

import nbclient
import nbformat


def validate(paths):
    # nbformat repairs some defects (a missing cell id) with a warning: fail instead.
    warnings.simplefilter("error")
    for path in paths:
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        if (nb.nbformat, nb.nbformat_minor) != (4, 5):
            print(f"{path}: nbformat {nb.nbformat}.{nb.nbformat_minor}, want 4.5", file=sys.stderr)
            return 1
        nbformat.validate(nb, version=4, version_minor=5)
    return 0


def main():
    if sys.argv[1] == "--validate":
        return validate(sys.argv[2:])
    kernel, timeout, src, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    nb = nbformat.read(src, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        kernel_name=kernel,
        timeout=timeout,
        startup_timeout=120,
        allow_errors=False,
        record_timing=True,
        # A shutdown_request lets GoNB stop the gopls it started (a kill would orphan it).
        shutdown_kernel="graceful",
    )
    status = 0
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as err:
        print(err, file=sys.stderr)
        status = 1
    nbformat.validate(nb)
    nbformat.write(nb, dst)
    return status


if __name__ == "__main__":
    sys.exit(main())

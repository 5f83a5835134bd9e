"""Execute notebooks with Jupyter's own nbclient, for the runner's cross-check.

usage: execute.py KERNEL_NAME TIMEOUT_SECONDS IN.ipynb OUT.ipynb
       execute.py --validate FILE.ipynb...

Runs IN through nbclient with the named kernelspec, validates the result with
nbformat and writes it to OUT. Exits 1 when a cell reports an error.
With --validate, checks each FILE against nbformat's own JSON schema (version 4.5).
"""
import sys
import warnings
from queue import Empty

import nbclient
import nbformat
from nbclient.exceptions import CellExecutionComplete
from nbclient.util import ensure_async


class Client(nbclient.NotebookClient):
    """nbclient, plus one thing for GoNB: a cell's display messages can arrive after
    the cell's idle status. Plain nbclient drops them; here they go to the cell they
    belong to, as the Go runner does (a later cell's wait, or a final drain)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._cells_by_msg = {}

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        self._cells_by_msg[parent_msg_id] = (cell, cell_index)
        while True:
            msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=None))
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                self._late(msg)
                continue
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                return

    def _late(self, msg):
        target = self._cells_by_msg.get(msg["parent_header"].get("msg_id"))
        if target is None or msg["msg_type"] == "status":
            return
        try:
            self.process_message(msg, *target)
        except CellExecutionComplete:
            pass

    async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
        cell = await super().async_execute_cell(cell, cell_index, *args, **kwargs)
        if cell_index == len(self.nb.cells) - 1 or all(c.cell_type != "code" for c in self.nb.cells[cell_index + 1:]):
            while True:  # the last code cell: wait until the kernel is quiet
                try:
                    msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=0.3))
                except Empty:
                    break
                self._late(msg)
        return cell


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
    client = Client(
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

#!/usr/bin/env bash
# Regenerates the README's screenshot: chosen cells of an executed notebook, opened in
# Jupyter's classic Notebook (Debian's jupyter-notebook) and captured by headless Chromium.
#
#   make notebooks && bash docker/screenshot.sh out/notebooks/01-what-is-an-llm.ipynb 7,8 docker/screenshot.png
#
# CELLS are 0-based cell indexes; SIZE=WIDTH,HEIGHT sets the window (default 1200,820).
set -euo pipefail
[ $# = 3 ] || { echo "usage: $0 EXECUTED.ipynb CELLS OUT.png" >&2; exit 2; }
src=$(realpath "$1") cells=$2 png=$(realpath -m "$3")
dir=$(mktemp -d)
port=${PORT:-8917}
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
/usr/bin/python3 - "$src" "$cells" "$dir/chapter.ipynb" <<'PY'
import sys, nbformat
from nbformat.sign import NotebookNotary
src, cells, dst = sys.argv[1], sys.argv[2], sys.argv[3]
nb = nbformat.read(src, as_version=4)
nb.cells = [nb.cells[int(i)] for i in cells.split(",")]
nbformat.write(nb, dst)
NotebookNotary().sign(nb)  # outputs of our own run: trust them, so the widgets' scripts run
PY
/usr/bin/jupyter notebook --no-browser --port="$port" --ip=127.0.0.1 --NotebookApp.token='' \
  --NotebookApp.password='' --allow-root --notebook-dir="$dir" >"$dir/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/tree" && break; sleep 0.2; done
chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
  --disable-sync --no-first-run --user-data-dir="$dir/profile" --hide-scrollbars \
  --window-size="${SIZE:-1200,820}" --virtual-time-budget=15000 --screenshot="$png" \
  "http://127.0.0.1:$port/notebooks/chapter.ipynb" 2>/dev/null
echo "wrote $png"

#!/bin/sh
# Unpacks the two Debian packages that carry the public-domain books the
# tiny model was trained on (see README.md) into a folder, without
# installing R:
#
#	sh llm/tiny/fetch-books.sh /tmp/llm-books
#	export LLM_BOOKS_ROOT=/tmp/llm-books
#	go run ./llm/tiny/build -texts /tmp/tiny-texts
set -eu
dir=${1:-/tmp/llm-books}
mkdir -p "$dir"
cd "$dir"
apt-get download r-cran-janeaustenr r-cran-tokenizers
for f in r-cran-janeaustenr_*.deb r-cran-tokenizers_*.deb; do
	dpkg-deb -x "$f" .
done
echo "unpacked into $dir: export LLM_BOOKS_ROOT=$dir"

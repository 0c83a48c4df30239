#!/usr/bin/env bash
# Download the classic CS231n COCO captioning release (about 1 GB) into
# data/coco_captioning. Needs internet access, curl or wget, and unzip.
#
# Usage (from anywhere):  bash data/get_coco.sh
set -euo pipefail

URL="http://cs231n.stanford.edu/coco_captioning.zip"
DATA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TARGET="$DATA_DIR/coco_captioning"

if [ -f "$TARGET/coco2014_captions.h5" ]; then
    echo "COCO captioning data already present in $TARGET; nothing to do."
    exit 0
fi
if ! command -v unzip >/dev/null 2>&1; then
    echo "error: 'unzip' is required" >&2
    exit 1
fi

WORK="$(mktemp -d "$DATA_DIR/.coco_download.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "Downloading $URL ..."
if command -v curl >/dev/null 2>&1; then
    curl -fL --retry 3 -o "$WORK/coco_captioning.zip" "$URL"
elif command -v wget >/dev/null 2>&1; then
    wget -O "$WORK/coco_captioning.zip" "$URL"
else
    echo "error: neither curl nor wget is installed" >&2
    exit 1
fi

echo "Unzipping ..."
unzip -q "$WORK/coco_captioning.zip" -d "$WORK/unzipped"
# The archive normally holds a top-level coco_captioning/ folder; accept a flat one too.
if [ -d "$WORK/unzipped/coco_captioning" ]; then
    SOURCE="$WORK/unzipped/coco_captioning"
else
    SOURCE="$WORK/unzipped"
fi
rm -rf "$TARGET"
mv "$SOURCE" "$TARGET"

cat <<MSG
COCO captioning data is in $TARGET
Load it from the repository root with:

    from cs231n.coco_utils import load_coco_data
    data = load_coco_data(base_dir='data/coco_captioning')

or set CS231N_DATA_DIR=$TARGET to make it the default.
MSG

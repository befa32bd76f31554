#!/bin/sh
# Speaks mk/prompts/prompts.txt into OUT_DIR/<name>.wav with espeak-ng:
# Danish, a pause, English (see prompts.txt). Usage: speak.sh PROMPTS_TXT OUT_DIR
set -eu
src="$1"
out="$2"
if ! command -v espeak-ng >/dev/null 2>&1; then
    echo "espeak-ng is needed to make the phone prompts: run 'make deps' (Debian package espeak-ng)" >&2
    exit 1
fi
mkdir -p "$out"
n=0
while IFS='|' read -r name da en; do
    case "$name" in '' | '#'*) continue ;; esac
    name=$(echo "$name" | tr -d ' ')
    case "$name" in *[!a-z_]*)
        echo "$src: bad prompt name '$name'" >&2
        exit 1
        ;;
    esac
    case "$da$en" in *'<'* | *'>'* | *'&'*)
        echo "$src: $name: no <, > or & in prompt texts" >&2
        exit 1
        ;;
    esac
    espeak-ng -m -s 150 -w "$out/$name.wav.tmp" \
        "<speak><voice name=\"da\">$da</voice><break time=\"700ms\"/><voice name=\"en\">$en</voice></speak>"
    mv "$out/$name.wav.tmp" "$out/$name.wav"
    n=$((n + 1))
done <"$src"
echo "made $n phone prompts in $out"

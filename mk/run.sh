#!/bin/sh
# `make run`: starts the server with the settings in ./samtale.conf if there is
# one, else the defaults (127.0.0.1:8443, ./data, development certificates).
set -eu
bin="$1"
conf=""
[ -f samtale.conf ] && conf="--config samtale.conf"
data=data
if [ -n "$conf" ]; then
    d=$(sed -n 's/^[[:space:]]*data_dir[[:space:]]*=[[:space:]]*"\{0,1\}\([^"#]*\)"\{0,1\}.*/\1/p' samtale.conf | tail -n 1)
    [ -n "$d" ] && data="$d"
fi
if [ -z "$($bin user list --data "$data" 2>/dev/null | sed 1d)" ]; then
    echo
    echo "No caseworker account yet. Create one in another terminal:"
    echo "    $bin user add YOUR-NAME --name \"Your Full Name\" --data $data"
fi
echo "Trust certs/dev/ca.pem in your browser (or accept the warning) for the development certificate."
echo "Stop the server with Ctrl-C."
echo
# shellcheck disable=SC2086
exec "$bin" serve $conf

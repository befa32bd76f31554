#!/bin/sh
# Creates a development CA and a server certificate, only if they are missing.
#   certs/make-dev-certs.sh DIR               localhost, 127.0.0.1 and ::1 (make certs)
#   certs/make-dev-certs.sh DIR HOST [HOST…]  also a LAN address or name, so a phone on
#                                             the same network can open the server
#                                             (make lan-certs HOST=192.168.1.20)
# Every server certificate is signed by the one development CA in certs/dev, so a
# phone needs to trust only certs/dev/ca.pem. Never use these in production: see
# README.md, "Real certificates".
set -eu
dir="${1:-certs/dev}"
shift || true
ca_dir=certs/dev
mkdir -p "$ca_dir" "$dir"
umask 077

if [ ! -f "$ca_dir/ca.pem" ] || [ ! -f "$ca_dir/ca.key" ]; then
    openssl ecparam -name prime256v1 -genkey -noout -out "$ca_dir/ca.key" 2>/dev/null
    openssl req -x509 -new -key "$ca_dir/ca.key" -sha256 -days 825 \
        -subj "/CN=samtale development CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$ca_dir/ca.pem"
    chmod 644 "$ca_dir/ca.pem"
    rm -f "$ca_dir/server.pem" # signed by a CA that is gone
fi

san="DNS:localhost,IP:127.0.0.1,IP:::1"
for h in "$@"; do
    case "$h" in
    *[!0-9.]*) case "$h" in *:*) san="$san,IP:$h" ;; *) san="$san,DNS:$h" ;; esac ;;
    *) san="$san,IP:$h" ;;
    esac
done

# Reuse an existing certificate only if it was made for exactly these names.
if [ -f "$dir/server.pem" ] && [ -f "$dir/server.key" ] && [ -f "$dir/names" ] &&
    [ "$(cat "$dir/names")" = "$san" ]; then
    exit 0
fi

cn="${1:-localhost}"
openssl ecparam -name prime256v1 -genkey -noout -out "$dir/server.key" 2>/dev/null
openssl req -new -key "$dir/server.key" -subj "/CN=$cn" -out "$dir/server.csr"
cat >"$dir/server.ext" <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$san
EXT
openssl x509 -req -in "$dir/server.csr" -CA "$ca_dir/ca.pem" -CAkey "$ca_dir/ca.key" \
    -CAcreateserial -days 397 -sha256 -extfile "$dir/server.ext" -out "$dir/server.pem" 2>/dev/null
rm -f "$dir/server.csr" "$dir/server.ext" "$ca_dir/ca.srl"
chmod 644 "$dir/server.pem"
printf '%s\n' "$san" >"$dir/names"
echo "certificate for $san created in $dir (trust $ca_dir/ca.pem in your browser to avoid warnings)"

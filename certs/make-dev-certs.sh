#!/bin/sh
# Creates a development CA and a server certificate for localhost, 127.0.0.1
# and ::1, only if they are missing. Never use these in production: see
# README.md, "Real certificates".
set -eu
dir="${1:-certs/dev}"
mkdir -p "$dir"
cd "$dir"

if [ -f server.pem ] && [ -f server.key ] && [ -f ca.pem ]; then
    exit 0
fi
umask 077

openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null
openssl req -x509 -new -key ca.key -sha256 -days 825 -subj "/CN=samtale development CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem

openssl ecparam -name prime256v1 -genkey -noout -out server.key 2>/dev/null
openssl req -new -key server.key -subj "/CN=localhost" -out server.csr
cat > server.ext <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
EXT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 397 \
    -sha256 -extfile server.ext -out server.pem 2>/dev/null
rm -f server.csr server.ext ca.srl
chmod 644 ca.pem server.pem
echo "development certificates created in $dir (trust $dir/ca.pem in your browser to avoid warnings)"

#!/usr/bin/env bash
# Builds the services' base image from Debian's own packages, without Docker or a registry: a Java 17 runtime
# (openjdk-17-jre-headless), the C and C++ runtimes that it and the bundled FFmpeg and ONNX Runtime libraries load,
# and busybox for the pack-checking init step (sh, sha256sum). Writes a `docker save` tarball (one layer) that
# `-Pimages` builds each service image on, and a list of the packages and versions in it beside it.
#
#   tools/images/debian-base.sh OUT.tar
#
# Packages come from this machine's apt sources (`apt-get download`: no root needed), for its architecture, so the
# base follows the Debian release and security updates of the machine that builds it; it expects Debian 12's package
# layout (files under /lib, not a merged /usr). The layer is reproducible from the same packages, files sorted, owned
# by root, timestamps zero, except the Java trust store, copied from this machine's ca-certificates-java.
set -euo pipefail
umask 022   # the layer's own folders and files must be readable by the service's user
out="$(realpath -m "$1")"
arch="$(dpkg --print-architecture)"
packages=(openjdk-17-jre-headless libc6 libgcc-s1 libstdc++6 zlib1g busybox-static)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debs" "$work/rootfs" "$work/image" "$(dirname "$out")"

chmod 755 "$work" && chmod 777 "$work/debs"   # apt's sandbox user writes the downloads
download() { (cd "$work/debs" && apt-get download "${packages[@]}" >/dev/null); }
if ! download; then
  # a fresh machine may have no package lists yet
  if [ "$(id -u)" = 0 ]; then { apt-get update -qq && download; } || exit 1; else
    echo "apt-get download failed: run 'sudo apt-get update' and build again" >&2; exit 1; fi
fi
for deb in "$work"/debs/*.deb; do
  dpkg-deb -x "$deb" "$work/rootfs"
  dpkg-deb --show --showformat='${Package}=${Version}\n' "$deb" >> "$work/packages.txt"
done

root="$work/rootfs"
# the runtime's trust store is a link to the one ca-certificates-java generates on install: take this machine's
mkdir -p "$root/etc/ssl/certs/java"
if [ -f /etc/ssl/certs/java/cacerts ]; then cp /etc/ssl/certs/java/cacerts "$root/etc/ssl/certs/java/cacerts"; fi
mkdir -p "$root/bin" "$root/usr/bin" "$root/tmp" "$root/deployments" "$root/proc"
chmod 1777 "$root/tmp"
ln -sf busybox "$root/bin/sh"
ln -sf ../../bin/busybox "$root/usr/bin/sha256sum"
ln -sf "../lib/jvm/java-17-openjdk-$arch/bin/java" "$root/usr/bin/java"
mkdir -p "$root/etc"
printf 'root:x:0:0:root:/root:/bin/sh\nfoley:x:185:185:FoleyStream:/deployments:/sbin/nologin\n' > "$root/etc/passwd"
printf 'root:x:0:\nfoley:x:185:\n' > "$root/etc/group"
rm -rf "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/lintian"

tar -C "$root" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$work/image/layer.tar" .
diff_id="sha256:$(sha256sum "$work/image/layer.tar" | cut -d' ' -f1)"
cat > "$work/image/config.json" <<JSON
{"architecture":"$arch","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                  "JAVA_HOME=/usr/lib/jvm/java-17-openjdk-$arch"]},
 "rootfs":{"type":"layers","diff_ids":["$diff_id"]},
 "history":[{"created":"1970-01-01T00:00:00Z","created_by":"tools/images/debian-base.sh: $(paste -sd',' "$work/packages.txt")"}]}
JSON
printf '[{"Config":"config.json","RepoTags":["foleystream/debian-java17:base"],"Layers":["layer.tar"]}]\n' \
  > "$work/image/manifest.json"
tar -C "$work/image" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$out" \
  manifest.json config.json layer.tar
cp "$work/packages.txt" "${out%.tar}.packages.txt"
echo "wrote $out ($(du -h "$out" | cut -f1)): $(paste -sd',' "$work/packages.txt")"

# Sourced by the fetch scripts: apt confined to a private tree under the project cache, so packages from other Debian
# suites (sid, trixie) can be downloaded without ever reading or changing the machine's own apt sources.
# The caller sets: apt_root (private tree), mirror (Debian mirror URL).

# apt_private <apt-get|apt-cache> <suite> <keyring-dir> <args...>: runs apt for one suite of the mirror's main
# component, trusting the debian-archive-*.gpg keyrings found in <keyring-dir>.
apt_private() {
  local tool=$1 suite=$2 keydir=$3; shift 3
  local sources="$apt_root/etc/$suite.sources"
  mkdir -p "$apt_root/etc" "$apt_root/lists/$suite/partial" "$apt_root/cache/archives/partial"
  printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
    "$mirror" "$suite" "$(find "$keydir" -maxdepth 1 -name 'debian-archive-*.gpg' ! -name '*removed*' -printf '%p ' | sed 's/ $//')" \
    > "$sources"
  "$tool" -q \
    -o Dir::Etc::SourceList="$sources" \
    -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::Etc::Preferences=/dev/null \
    -o Dir::Etc::PreferencesParts=/dev/null \
    -o Dir::State::Lists="$apt_root/lists/$suite" \
    -o Dir::State::Status=/dev/null \
    -o Dir::Cache="$apt_root/cache" \
    -o Debug::NoLocking=1 \
    -o APT::Sandbox::User=root \
    -o APT::Architecture=amd64 \
    -o APT::Architectures=amd64 \
    -o Acquire::Languages=none \
    "$@"
}

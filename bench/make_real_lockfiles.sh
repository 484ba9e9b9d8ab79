#!/usr/bin/env bash
# Regenerates tests/fixtures/lockfiles/npm/real/: lockfiles written by the real package managers
# for real applications (bench/real_apps/big: 1,300 packages; small: an alias, a peer and an
# optional dependency; monorepo: two workspaces), each with the package manager's own list of
# name@version beside it.
#
# Usage: [APPS="big small monorepo"] bench/make_real_lockfiles.sh [WORKDIR]
#        (WORKDIR defaults to /work/lockbench, outside the repo)
#
# Nothing runs package code: npm, pnpm and bun only write lockfiles (--lockfile-only,
# --ignore-scripts); yarn classic has no lockfile-only mode and pnpm 7/8 list only an installed
# tree, so those install into WORKDIR with --ignore-scripts (files unpacked, never executed).
# The registry is the one npm is configured with; its host never reaches the repository:
# real_lockfiles.py sanitize replaces the host of every resolved URL with registry.example.invalid.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE/../tests/fixtures/lockfiles/npm/real
WORK=${1:-/work/lockbench}
REG=$(npm config get registry)
HOST=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.urlsplit(sys.argv[1]).hostname)' "$REG")
PY=python3
mkdir -p "$OUT" "$WORK"

APPS=${APPS:-big small monorepo}

fresh() {  # fresh APP MANAGER -> a new WORKDIR/APP-MANAGER holding a copy of the app
  local dir=$WORK/$1-$2
  rm -rf "$dir" && mkdir -p "$dir" && cp -r "$HERE/real_apps/$1/." "$dir/"
  if [ "$2" != npm ] && [ "$2" != yarn1 ] && [ -d "$dir/packages" ]; then
    # pnpm links a sibling workspace only when asked with workspace:, bun and berry accept it
    # too; npm refuses the protocol and yarn 1 links by version.
    sed -i 's/"@lockbench\/util": "^1.0.0"/"@lockbench\/util": "workspace:^"/' \
      "$dir/packages/app/package.json"
  fi
  echo "$dir"
}

keep() {  # keep APP NAME LOCKFILE MANAGER LISTING: sanitized lockfile + expected list
  "$PY" "$HERE/real_lockfiles.py" sanitize "$3" "$OUT/$1.$2" "$HOST"
  "$PY" "$HERE/real_lockfiles.py" expected "$4" "$5" "$HERE/real_apps/$1" \
    > "$OUT/$1.$2.expected.txt"
  echo "$1.$2: $(wc -l < "$OUT/$1.$2.expected.txt") packages"
}

for app in $APPS; do
  cp "$HERE/real_apps/$app/package.json" "$OUT/$app.package.json"
  if [ -d "$HERE/real_apps/$app/packages" ]; then
    # The workspaces' own manifests, where the parsers look for them: beside the lockfiles.
    cp -r "$HERE/real_apps/$app/packages" "$OUT/"
  fi

  d=$(fresh $app npm)
  (cd "$d" && npm install --package-lock-only --ignore-scripts --no-audit --no-fund \
     --omit-lockfile-registry-resolved=false >/dev/null \
   && npm query '*' --package-lock-only > listing.json)
  keep $app package-lock.v3.json "$d/package-lock.json" npm "$d/listing.json"

  d=$(fresh $app pnpm9)
  (cd "$d" && npx -y pnpm@9 install --lockfile-only --ignore-scripts >/dev/null \
   && npx -y pnpm@10 list -r --depth Infinity --json --lockfile-only > listing.json)
  keep $app pnpm-v9.yaml "$d/pnpm-lock.yaml" pnpm "$d/listing.json"

  d=$(fresh $app yarn1)
  (cd "$d" && npx -y yarn@1 install --ignore-scripts --non-interactive --no-progress \
     --registry "$REG" --cache-folder "$WORK/yarn1-cache" >/dev/null \
   && npx -y yarn@1 list --json --no-progress > listing.json)
  keep $app yarn-classic.yarn.lock "$d/yarn.lock" yarn-classic "$d/listing.json"

  d=$(fresh $app berry)
  printf 'npmRegistryServer: "%s"\nnodeLinker: node-modules\nenableTelemetry: false\n' \
    "${REG%/}" > "$d/.yarnrc.yml"
  (cd "$d" && npm exec -y --package=@yarnpkg/cli-dist@4 -- yarn install --mode=update-lockfile \
     >/dev/null \
   && npm exec -y --package=@yarnpkg/cli-dist@4 -- yarn info --all --recursive --json \
     > listing.json)
  keep $app yarn-berry.yarn.lock "$d/yarn.lock" yarn-berry "$d/listing.json"

  d=$(fresh $app bun)
  (cd "$d" && BUN_CONFIG_REGISTRY=$REG npx -y bun@1 install --lockfile-only --ignore-scripts \
     >/dev/null \
   && npx -y bun@1 pm ls --all > listing.txt)
  keep $app bun.lock "$d/bun.lock" bun "$d/listing.txt"
done

# Older pnpm lockfile formats, for the small app: 6.0 (pnpm 8) and 5.4 (pnpm 7). pnpm 10 lists
# only 9.0 lockfiles, so these list the tree they install (scripts off) with their own pnpm.
case " $APPS " in *" small "*) OLD="8:v6 7:v5" ;; *) OLD="" ;; esac
for old in $OLD; do
  major=${old%%:*} name=${old##*:}
  d=$(fresh small pnpm$major)
  (cd "$d" && npx -y pnpm@$major install --lockfile-only --ignore-scripts >/dev/null \
   && npx -y pnpm@$major install --frozen-lockfile --ignore-scripts \
        --store-dir "$WORK/pnpm$major-store" >/dev/null \
   && npx -y pnpm@$major list --depth Infinity --json > listing.json)
  keep small pnpm-$name.yaml "$d/pnpm-lock.yaml" pnpm "$d/listing.json"
done
du -ch "$OUT" | tail -1

#!/usr/bin/env bash
# Convert the PyTorchJobs of a Flux repository offline and propose the result as a pull request.
#
#   hack/trainjob-migrate.sh [PATH...]          (default: apps)
#
# Flux's kustomize-controller runs no plugins or KRM functions, so the TrainJobs must be in
# Git: convert in place (`trainjob-migrate convert --write`; files without PyTorchJobs stay
# byte-identical), check that no PyTorchJob is left, commit on a branch, push, open a pull
# request with the GitHub CLI. Nothing to convert: exits 0 and changes nothing.
#
# Environment: TARGET_VERSION (2.3: the Trainer release the cluster runs), BRANCH
# (trainjob-migrate/trainer-$TARGET_VERSION), REMOTE (origin), BASE (the current branch),
# OPEN_PR (1; 0 to stop after the push).
set -euo pipefail

paths=("${@:-apps}")
target=${TARGET_VERSION:-2.3}
branch=${BRANCH:-trainjob-migrate/trainer-$target}
remote=${REMOTE:-origin}
base=${BASE:-$(git rev-parse --abbrev-ref HEAD)}

if ! git diff --quiet HEAD -- "${paths[@]}"; then
  echo "uncommitted changes under ${paths[*]}: commit or stash them first" >&2
  exit 1
fi

# Jobs that cannot be converted faithfully are left untouched and reported (convert exits
# non-zero), and `check` fails while any PyTorchJob remains: then stop, with the working
# tree restored and no branch, until they are fixed, so that the pull request converts all.
give_up() {
  echo "PyTorchJobs remain that need attention (see above): fix them, then run again" >&2
  git checkout -- "${paths[@]}"
  exit 1
}
trainjob-migrate convert --write --target-version "$target" "${paths[@]}" || give_up
trainjob-migrate check --target-version "$target" "${paths[@]}" || give_up

if git diff --quiet HEAD -- "${paths[@]}"; then
  echo "no PyTorchJob to convert under ${paths[*]}"
  exit 0
fi

git switch --create "$branch"
git add --all -- "${paths[@]}"
git commit --quiet --message "Convert PyTorchJobs to Kubeflow Trainer v2 TrainJobs (Trainer $target)" \
  --message "Converted offline by trainjob-migrate: Flux's kustomize-controller runs no KRM functions."
git push --quiet --set-upstream "$remote" "$branch"
if [[ ${OPEN_PR:-1} == 1 ]]; then
  gh pr create --base "$base" --head "$branch" \
    --title "Convert PyTorchJobs to TrainJobs (Trainer $target)" \
    --body "Converted by \`hack/trainjob-migrate.sh\` (\`trainjob-migrate convert --write --target-version $target ${paths[*]}\`). Review the TrainJobs, then merge: Flux applies them and prunes the PyTorchJobs."
fi

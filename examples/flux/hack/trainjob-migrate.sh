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
# Idempotent while the pull request is open (a weekly schedule runs it again): when the
# branch already holds exactly this conversion, nothing is pushed; when it holds an older
# one (main moved on), the branch is rebuilt from the current base and force-pushed (with a
# lease), and the open pull request shows the update; a new pull request is opened only
# when none is open for the branch.
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

if [[ -n $(git status --porcelain -- "${paths[@]}") ]]; then
  echo "uncommitted or untracked changes under ${paths[*]}: commit or stash them first" >&2
  exit 1
fi

# back to the committed tree (files the conversion added included)
restore() {
  git reset --quiet -- "${paths[@]}"
  git checkout -- "${paths[@]}"
  git clean -fdq -- "${paths[@]}"
}

# Jobs that cannot be converted faithfully are left untouched and reported (convert exits
# non-zero), and `check` fails while any PyTorchJob remains: then stop, with the working
# tree restored and no branch, until they are fixed, so that the pull request converts all.
give_up() {
  echo "PyTorchJobs remain that need attention (see above): fix them, then run again" >&2
  restore
  exit 1
}
trainjob-migrate convert --write --target-version "$target" "${paths[@]}" || give_up
trainjob-migrate check --target-version "$target" "${paths[@]}" || give_up

git add --all -- "${paths[@]}"
if git diff --cached --quiet HEAD -- "${paths[@]}"; then
  echo "no PyTorchJob to convert under ${paths[*]}"
  exit 0
fi

# the pull request branch of an earlier run, if it is still there
pushed=$(git ls-remote --heads "$remote" "refs/heads/$branch" | cut -f1)
if [[ -n $pushed ]]; then
  git fetch --quiet "$remote" "refs/heads/$branch"
  if git diff --cached --quiet FETCH_HEAD -- "${paths[@]}"; then
    echo "branch $branch already holds this conversion: nothing to push"
    restore
    exit 0
  fi
fi

git switch --quiet --force-create "$branch"
git commit --quiet --message "Convert PyTorchJobs to Kubeflow Trainer v2 TrainJobs (Trainer $target)" \
  --message "Converted offline by trainjob-migrate: Flux's kustomize-controller runs no KRM functions."
# an earlier run's branch is replaced, only if it is still what was seen above
git push --quiet --force-with-lease="refs/heads/$branch:$pushed" --set-upstream "$remote" "$branch"
open=0
if [[ -n $pushed && ${OPEN_PR:-1} == 1 ]]; then
  open=$(gh pr list --head "$branch" --state open --json number --jq length 2>/dev/null || echo 0)
fi
if [[ $open =~ ^[1-9] ]]; then
  echo "updated branch $branch of the open pull request"
elif [[ ${OPEN_PR:-1} == 1 ]]; then
  gh pr create --base "$base" --head "$branch" \
    --title "Convert PyTorchJobs to TrainJobs (Trainer $target)" \
    --body "Converted by \`hack/trainjob-migrate.sh\` (\`trainjob-migrate convert --write --target-version $target ${paths[*]}\`). Review the TrainJobs, then merge: Flux applies them and prunes the PyTorchJobs."
fi

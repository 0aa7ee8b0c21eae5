# Shell functions the hack/ scripts share; source it, do not run it.

step() { printf '\n== %s\n' "$*"; }

# sandbox_1cp2w KUBEUP NAME SPEC: make sure sandbox NAME (1 control plane,
# 2 workers) exists with its spec at SPEC; an existing one is kept, so
# that the apply after it converges it.
sandbox_1cp2w() {
  local kubeup=$1 name=$2 spec=$3
  if [ -f "$spec" ] && "$kubeup" sandbox list 2>/dev/null | awk 'NR>1 {print $1}' | grep -qx "$name"; then
    step "sandbox $name exists: converging it"
    return
  fi
  "$kubeup" sandbox delete --name "$name" >/dev/null 2>&1 || true
  step "sandbox $name: 3 node containers"
  "$kubeup" sandbox create --name "$name" --nodes 3 --control-planes 1 -f "$spec"
}

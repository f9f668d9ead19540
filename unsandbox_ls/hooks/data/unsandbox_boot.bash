# unsandbox-ls start-up hook for Bash, sourced before the script through BASH_ENV.
# See sitecustomize.py (the Python hook) for what it does; this is the same in Bash: `exec`
# replaces the shell, so nothing of this file shows in the script's messages or line numbers.
# On anything unexpected it returns, and leaves no variable or function behind.
__unsandbox_ls_word() {
  local t=$1 s='' i
  case $t in '~') return 1 ;; '-') REPLY=''; return 0 ;; esac
  for ((i = 0; i < ${#t}; i += 2)); do s+="\\x${t:i:2}"; done
  printf -v REPLY '%b' "$s"
}
__unsandbox_ls_frame() {
  local nonce=$1 body
  shift
  body=$(printf '%.300s\n' "${@:1:12}")
  printf -- '--- unsandbox-ls boot %s ---\n%s\n--- unsandbox-ls end %s ---\n' "$nonce" "$body" "$nonce" >&2
}
__unsandbox_ls_place() {
  [ "$1" -ef "$2" ] && return 0
  rm -f -- "$2" && mkdir -p -- "${2%/*}" && { ln -- "$1" "$2" 2>/dev/null || cp -- "$1" "$2"; }
}
__unsandbox_ls_boot() {
  local -a t args wires locals
  read -r -a t <<<"$UNSANDBOX_LS_BOOT"
  [ "${t[0]}" = 1 ] || return 0
  local nonce=${t[1]} code stdin='' at n i script found d tree input ok
  local -a report=('hook bash')
  __unsandbox_ls_word "${t[2]}" && code=$REPLY
  __unsandbox_ls_word "${t[3]}" && stdin=$REPLY
  at=4; n=${t[at]}
  for ((i = 1; i <= n; i++)); do __unsandbox_ls_word "${t[at + i]}"; args+=("$REPLY"); done
  at=$((at + 1 + n)); n=${t[at]}
  for ((i = 0; i < n; i++)); do
    __unsandbox_ls_word "${t[at + 1 + 2 * i]}"; wires+=("$REPLY")
    __unsandbox_ls_word "${t[at + 2 + 2 * i]}"; locals+=("$REPLY")
  done
  at=$((at + 1 + 2 * n)); n=${t[at]}
  local -a restore_names restore_values restore_set
  for ((i = 0; i < n; i++)); do
    __unsandbox_ls_word "${t[at + 1 + 2 * i]}"; restore_names+=("$REPLY")
    if __unsandbox_ls_word "${t[at + 2 + 2 * i]}"; then restore_set+=(1); else restore_set+=(0); fi
    restore_values+=("$REPLY")
  done
  script=$0
  [[ $script == /* ]] || script=$PWD/$script
  if [ ! -f "$script" ]; then __unsandbox_ls_frame "$nonce" "${report[@]}" 'skipped no script file'; return 0; fi
  for d in /tmp/input "$PWD" /root/input /tmp "${script%/*}"; do
    ok=1
    for i in "${wires[@]}"; do [ -f "$d/$i" ] || { ok=0; break; }; done
    if [ $ok = 1 ]; then found=$d; break; fi
  done
  report+=("input ${found:-none}" "code $script" "cwd $PWD")
  if [ -z "$found" ]; then __unsandbox_ls_frame "$nonce" "${report[@]}" 'skipped the input files were not found'; return 0; fi
  tree=$found
  if [ ! -w "$found" ]; then tree=$(mktemp -d "${TMPDIR:-/tmp}/unsandbox-ls-XXXXXX") || return 0; fi
  for i in "${!wires[@]}"; do
    [ -n "${locals[i]}" ] || continue
    if [ "$tree" != "$found" ] || [ "${wires[i]}" != "${locals[i]}" ]; then
      __unsandbox_ls_place "$found/${wires[i]}" "$tree/${locals[i]}" || { __unsandbox_ls_frame "$nonce" "${report[@]}" "error cannot place ${locals[i]}"; return 0; }
    fi
  done
  __unsandbox_ls_place "$script" "$tree/$code" || { __unsandbox_ls_frame "$nonce" "${report[@]}" 'error cannot place the script'; return 0; }
  if [ "$tree" = "$found" ]; then  # the folder holds what the local one does: no flat names, no hook
    for i in "${!wires[@]}"; do
      [ "${wires[i]}" = "${locals[i]}" ] || rm -f -- "$found/${wires[i]}"
    done
  fi
  if [ "$tree" != /tmp/input ] && [ ! -e /tmp/input ]; then ln -s -- "$tree" /tmp/input 2>/dev/null; fi
  input=/dev/null
  [ -n "$stdin" ] && input=$tree/$stdin
  report+=("tree $tree" "exec $tree/$code")
  __unsandbox_ls_frame "$nonce" "${report[@]}"
  cd -- "$tree" || return 0
  for i in "${!restore_names[@]}"; do
    if [ "${restore_set[i]}" = 1 ]; then export "${restore_names[i]}=${restore_values[i]}"; else unset "${restore_names[i]}"; fi
  done
  unset UNSANDBOX_LS_BOOT
  exec "$BASH" "$code" "${args[@]}" <"$input"
}
# a `bash -c` (the sandbox's own wrapper, say) is not the script: only a script file is booted
if [ -n "${UNSANDBOX_LS_BOOT:-}" ] && [ -z "${BASH_EXECUTION_STRING+set}" ]; then __unsandbox_ls_boot; fi
unset -f __unsandbox_ls_boot __unsandbox_ls_word __unsandbox_ls_frame __unsandbox_ls_place
unset REPLY

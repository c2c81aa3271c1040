# shellcheck shell=bash
# The OS packages KubeLab needs, installed when missing (sourced by ./kubelab and ./run-tests).
#
# require_tools WHY TOOL=PACKAGE...   e.g. require_tools "the netns lab" ip=iproute2 dig=dnsutils
#   TOOL is a program looked up on PATH (or "py:MODULE", a Python module); PACKAGE is Debian's package for it.
#   On Debian or Ubuntu as root, the missing packages are installed with apt-get (and the command is shown);
#   as another user, or on another distribution, the one command to run is printed and nothing is installed.

kl_missing_packages() {
  local pair tool package missing=()
  for pair in "$@"; do
    tool=${pair%%=*} package=${pair#*=}
    case $tool in
      py:*) python3 -c "import ${tool#py:}" >/dev/null 2>&1 && continue ;;
      *) PATH="$PATH:/usr/sbin:/sbin" command -v "$tool" >/dev/null 2>&1 && continue ;;
    esac
    case " ${missing[*]} " in *" $package "*) ;; *) missing+=("$package") ;; esac
  done
  echo "${missing[*]}"
}

kl_distribution() {
  # ID and ID_LIKE from os-release: "debian", "ubuntu debian", "fedora", ...
  (. "${KL_OS_RELEASE:-/etc/os-release}" 2>/dev/null && echo "${ID:-unknown} ${ID_LIKE:-}") || echo unknown
}

require_tools() {
  local why=$1; shift
  local missing; missing=$(kl_missing_packages "$@")
  [ -z "$missing" ] && return 0
  local command="apt-get install -y --no-install-recommends $missing"
  case " $(kl_distribution) " in
    *" debian "* | *" ubuntu "*)
      if [ "$(id -u)" = 0 ]; then
        echo "kubelab: $why needs these Debian packages, which are missing: $missing" >&2
        echo "kubelab: installing them: apt-get update && $command" >&2
        export DEBIAN_FRONTEND=noninteractive
        if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing; } >/tmp/kubelab-apt.log 2>&1; then
          echo "kubelab: apt-get failed (its output is in /tmp/kubelab-apt.log); run it yourself: apt-get update && $command" >&2
          return 1
        fi
        echo "kubelab: installed $missing" >&2
      else
        echo "kubelab: $why needs these packages, which are missing: $missing" >&2
        echo "kubelab: install them with: sudo apt-get install -y --no-install-recommends $missing" >&2
      fi ;;
    *)
      echo "kubelab: $why needs programs this machine lacks ($(kl_missing_tools "$@")); this is not Debian or Ubuntu, so nothing is installed." >&2
      echo "kubelab: on Debian the one command is: $command — install the same programs with your distribution's package manager." >&2 ;;
  esac
}

kl_missing_tools() {
  local pair tool out=()
  for pair in "$@"; do
    tool=${pair%%=*}
    case $tool in
      py:*) python3 -c "import ${tool#py:}" >/dev/null 2>&1 || out+=("python3 module ${tool#py:}") ;;
      *) PATH="$PATH:/usr/sbin:/sbin" command -v "$tool" >/dev/null 2>&1 || out+=("$tool") ;;
    esac
  done
  echo "${out[*]}"
}

# What the netns lab runs on this machine: ip/bridge, iptables, nginx for nginx pods, and the tools `kubelab exec`
# runs in pods and nodes (dig, curl, tcpdump, conntrack, ping, tracepath); graphviz for `graph -o svg`.
KL_LAB_TOOLS=(ip=iproute2 bridge=iproute2 iptables=iptables nginx=nginx-light dig=dnsutils curl=curl tcpdump=tcpdump
  conntrack=conntrack ping=iputils-ping tracepath=iputils-tracepath dot=graphviz)

# What the tests use besides: tmux (the interactive tour), rsvg-convert (graph's SVG), chromium (the UI's browser
# tests), ps, and python3's kubernetes client (the API server against a second client library).
KL_TEST_TOOLS=("${KL_LAB_TOOLS[@]}" ps=procps tmux=tmux rsvg-convert=librsvg2-bin chromium=chromium python3=python3 py:kubernetes=python3-kubernetes)

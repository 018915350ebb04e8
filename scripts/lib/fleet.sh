# A local demo/benchmark fleet: one OpenSSH sshd on a free 127.0.0.1 port, N node names
# (nodeNNNN.fleet.test) mapped onto it by a generated ssh_config, keys in the fleet directory,
# and a LittleChef kitchen whose nodes are those names. Source this file, then:
#   fleet_start DIR N [KITCHEN_TEMPLATE]   # sshd running, DIR/kitchen ready
#   fleet_stop DIR
# Loopback only; everything lives in DIR.

fleet_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
    shuf -i 20000-60000 -n 1
}

fleet_start() {
  local dir=$1 count=$2 template=${3:-}
  mkdir -p "$dir/home" "$dir/kitchen/nodes" /run/sshd
  : >"$dir/home/.bashrc"
  [ -f "$dir/host_key" ] || ssh-keygen -q -t ed25519 -N '' -C fleet-host -f "$dir/host_key"
  [ -f "$dir/client_key" ] || ssh-keygen -q -t ed25519 -N '' -C fleet-client -f "$dir/client_key"
  cp "$dir/client_key.pub" "$dir/authorized_keys"
  local port
  port=$(fleet_free_port)
  echo "$port" >"$dir/port"
  cat >"$dir/sshd_config" <<CONFIG
ListenAddress 127.0.0.1:$port
HostKey $dir/host_key
AuthorizedKeysFile $dir/authorized_keys
PidFile $dir/sshd.pid
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
LogLevel ERROR
PrintMotd no
PrintLastLog no
MaxStartups 4000:30:4000
MaxSessions 100
SetEnv HOME=$dir/home
CONFIG
  cat >"$dir/ssh_config" <<CONFIG
Host *.fleet.test
  HostName 127.0.0.1
  Port $port
  User root
  IdentityFile $dir/client_key
  IdentitiesOnly yes
  HostKeyAlias fleet-sshd
  UserKnownHostsFile $dir/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 120
CONFIG
  echo "fleet-sshd $(cut -d' ' -f1,2 "$dir/host_key.pub")" >"$dir/known_hosts"
  /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
  local i
  for i in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.05
  done

  if [ -n "$template" ]; then
    cp -r "$template/." "$dir/kitchen/"
  fi
  cat >"$dir/kitchen/littlechef.cfg" <<CONFIG
[userinfo]
user = root
ssh-config = $dir/ssh_config

[kitchen]
node_work_path = /tmp/brigade-fleet/{node}
CONFIG
  if [ -f "$template/littlechef.cfg.deploy" ]; then
    cat "$template/littlechef.cfg.deploy" >>"$dir/kitchen/littlechef.cfg"
  fi
  mkdir -p "$dir/kitchen/environments" "$dir/kitchen/roles"
  [ -f "$dir/kitchen/roles/web.json" ] ||
    echo '{"name": "web", "run_list": []}' >"$dir/kitchen/roles/web.json"
  [ -f "$dir/kitchen/environments/production.json" ] ||
    echo '{"name": "production"}' >"$dir/kitchen/environments/production.json"
  for i in $(seq 1 "$count"); do
    printf '{"chef_environment": "production", "run_list": ["role[web]"]}\n' \
      >"$dir/kitchen/nodes/$(printf 'node%04d' "$i").fleet.test.json"
    printf 'node%04d.fleet.test\n' "$i"
  done >"$dir/hosts"
}

fleet_stop() {
  local dir=$1
  if [ -f "$dir/sshd.pid" ]; then
    kill "$(cat "$dir/sshd.pid")" 2>/dev/null || true
    rm -f "$dir/sshd.pid"
  fi
}

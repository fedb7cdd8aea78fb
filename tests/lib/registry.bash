# Start and stop Debian's docker-registry (the upstream distribution registry)
# on 127.0.0.1, by pid.  Sourced by hack/test, hack/demo and the fixture script.
#
#   registry_start DIR PORT STORAGE [tls]   start one instance; state in DIR
#   registry_stop DIR                       stop it (by the pid in DIR/pid)
#   registry_free_port                      print a free TCP port on 127.0.0.1
#   registry_make_tls DIR                   CA, server certificate, htpasswd
#
# With "tls", the instance serves HTTPS with a certificate for 127.0.0.1 and
# localhost signed by a CA made in DIR/ca.crt, and asks for basic auth
# (user "engtest", password in DIR/password, bcrypt htpasswd).

ENG_REGISTRY_USER=engtest

registry_free_port() {
	local port
	for port in $(seq 5100 5999); do
		if ! ss -Hltn "sport = :$port" | grep -q .; then
			# Not listening; make sure no other start in this run took it.
			if [ ! -e "/tmp/.eng-port-$port" ] || ! kill -0 "$(cat "/tmp/.eng-port-$port")" 2>/dev/null; then
				echo $$ >"/tmp/.eng-port-$port"
				echo "$port"
				return 0
			fi
		fi
	done
	echo "registry_free_port: no free port in 5100-5999" >&2
	return 1
}

registry_make_tls() {
	local dir=$1
	mkdir -p "$dir"
	[ -s "$dir/server.crt" ] && return 0
	openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=eng test CA" \
		-keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
		-keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >"$dir/ext.cnf"
	openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
		-CAcreateserial -days 3650 -extfile "$dir/ext.cnf" -out "$dir/server.crt" 2>/dev/null
	openssl rand -hex 12 >"$dir/password"
	htpasswd -Bbn "$ENG_REGISTRY_USER" "$(cat "$dir/password")" >"$dir/htpasswd"
	chmod 0644 "$dir"/*.crt "$dir/password" "$dir/htpasswd"
}

registry_start() {
	local dir=$1 port=$2 storage=$3 mode=${4:-plain} scheme=http curlopt=()
	mkdir -p "$dir"
	{
		echo "version: 0.1"
		echo "log: {level: warn, accesslog: {disabled: true}}"
		echo "storage:"
		echo "  filesystem: {rootdirectory: $storage}"
		echo "  delete: {enabled: true}"
		echo "http:"
		echo "  addr: 127.0.0.1:$port"
		if [ "$mode" = tls ]; then
			echo "  tls: {certificate: $dir/server.crt, key: $dir/server.key}"
			echo "auth:"
			echo "  htpasswd: {realm: eng-test, path: $dir/htpasswd}"
		fi
	} >"$dir/config.yml"
	if [ "$mode" = tls ]; then
		registry_make_tls "$dir"
		scheme=https
		curlopt=(--cacert "$dir/ca.crt")
	fi
	docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
	echo $! >"$dir/pid"
	echo "127.0.0.1:$port" >"$dir/address"
	local i
	for i in $(seq 1 100); do
		# 200 for the plain registry, 401 (auth asked) for the TLS one.
		case $(curl -s -o /dev/null -w '%{http_code}' "${curlopt[@]}" "$scheme://127.0.0.1:$port/v2/") in
		200 | 401) return 0 ;;
		esac
		if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
			echo "registry on port $port died; its log:" >&2
			cat "$dir/log" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "registry on port $port did not answer in 10 s" >&2
	return 1
}

# proxy_start DIR PORT UPSTREAM: nginx on 127.0.0.1:PORT in front of UPSTREAM
# (a registry's host:port), stopped by registry_stop DIR.
proxy_start() {
	local dir=$1 port=$2 upstream=$3
	mkdir -p "$dir/tmp"
	# a token server whose answer is 3 MiB (eng takes 1 MiB at most)
	{
		printf '{"token":"'
		head -c 3145728 /dev/zero | tr '\0' a
		printf '"}'
	} >"$dir/bigtoken.json"
	cat >"$dir/nginx.conf" <<-EOF
		daemon off;
		master_process off;
		worker_processes 1;
		pid $dir/nginx.pid;
		error_log $dir/error.log warn;
		events { worker_connections 256; }
		http {
		    log_format ranges '\$request_method \$uri \$status range=\$http_range sent=\$body_bytes_sent';
		    access_log $dir/access.log ranges;
		    client_body_temp_path $dir/tmp;
		    proxy_temp_path $dir/tmp;
		    fastcgi_temp_path $dir/tmp;
		    uwsgi_temp_path $dir/tmp;
		    scgi_temp_path $dir/tmp;
		    server {
		        listen 127.0.0.1:$port;
		        location ~ ^/v2/eng-test/broken/ {
		            return 500 '{"errors":[{"code":"UNKNOWN","message":"injected failure"}]}';
		        }
		        location ~ ^/v2/eng-test/trickle/(.*)\$ {
		            limit_rate 2;
		            proxy_pass http://$upstream/v2/eng-test/busybox/\$1;
		        }
		        location ~ ^/v2/eng-test/bigtoken/ {
		            add_header WWW-Authenticate 'Bearer realm="http://127.0.0.1:$port/token",service="eng-test"' always;
		            return 401 '{"errors":[{"code":"UNAUTHORIZED","message":"a token is needed"}]}';
		        }
		        location = /token {
		            default_type application/json;
		            alias $dir/bigtoken.json;
		        }
		        location ~ /blobs/ {
		            limit_rate 4m;
		            proxy_buffering off;
		            proxy_pass http://$upstream;
		        }
		        location / {
		            proxy_pass http://$upstream;
		        }
		    }
		}
	EOF
	nginx -c "$dir/nginx.conf" -p "$dir" >"$dir/log" 2>&1 &
	echo $! >"$dir/pid"
	echo "127.0.0.1:$port" >"$dir/address"
	local i
	for i in $(seq 1 50); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/")" = 200 ] && return 0
		sleep 0.1
	done
	echo "nginx on port $port did not answer; its log:" >&2
	cat "$dir/log" "$dir/error.log" >&2
	return 1
}

registry_stop() {
	local dir=$1 pid
	[ -f "$dir/pid" ] || return 0
	pid=$(cat "$dir/pid")
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f "$dir/pid" "/tmp/.eng-port-$(cut -d: -f2 "$dir/address" 2>/dev/null)"
}

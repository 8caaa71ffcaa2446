#!/bin/bash
# MySQL 8 container init (docker-compose.yml): runs once, when the data volume is empty, from
# /docker-entrypoint-initdb.d. One database and one user per service; each user is granted its own database
# only, so a service can never read or change another service's data.
#
#   <service>_db, user <service>_svc, password from <SERVICE>_DB_PASSWORD (set by docker-compose.yml, which
#   builds each service's <SERVICE>_DB_URL from the same variable)
#
# Written so that it also works when the entrypoint sources it instead of executing it (a checkout without the
# executable bit): no `set` changes, no `exit`, everything inside a function.

create_service_databases() {
	local svc var password sql=""
	for svc in customer vehicle cleaner booking configuration notification webhook; do
		var="${svc^^}_DB_PASSWORD"
		password="${!var:-}"
		if [[ -z "$password" ]]; then
			echo "01-service-databases.sh: $var is not set" >&2
			return 1
		fi
		# SQL string literal: double the quotes and backslashes.
		password="${password//\\/\\\\}"
		password="${password//\'/\'\'}"
		sql+="CREATE DATABASE IF NOT EXISTS \`${svc}_db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"$'\n'
		sql+="CREATE USER IF NOT EXISTS '${svc}_svc'@'%' IDENTIFIED BY '${password}';"$'\n'
		sql+="GRANT ALL PRIVILEGES ON \`${svc}_db\`.* TO '${svc}_svc'@'%';"$'\n'
	done
	# The init server listens on its socket only; the root password is already set at this point.
	mysql --defaults-extra-file=<(printf '[client]\npassword=%s\n' "$MYSQL_ROOT_PASSWORD") \
		--protocol=socket -uroot <<<"$sql"
}

create_service_databases || false

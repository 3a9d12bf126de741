-- What tor needs to read the binlog (the api-server's user owns database tor).
GRANT REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.* TO 'tor'@'%';

#!/usr/bin/python3
"""Fault campaign: Tor's guarantees measured while faults are injected.

Writers commit realistic outbox traffic to MariaDB, with a ledger table
written in the same transactions as the ground truth of what committed. The
real `tor` binary relays it to Kafka, keeping its checkpoint in Redis; it
reaches each server through toxiproxy. Faults of every kind are injected at
random moments, one at a time, each followed by a probe event whose arrival
in Kafka measures how long Tor took to resume. At the end a checker reads
every topic to its end and compares it with the ledger:

  lost        committed outbox rows never published                       must be 0
  forbidden   messages from rolled-back work or non-outbox tables         must be 0
  corrupted   key, value, topic or headers not byte-exact                  must be 0
  split       a key on more than one partition                             must be 0
  reordered   a key's first deliveries out of commit order                 must be 0
  duplicates  counted per fault; allowed only after Tor stopped without a
              clean shutdown, and then only messages after the checkpoint
              it had saved, at most as many as were delivered after it    (docs/guarantees.md)
              With --exactly-once (kafka.exactly_once, Kafka transactions)
              the checker reads with isolation.level=read_committed and
              every duplicate is a failure                                 must be 0

Run through tests/chaos/run.sh (it starts toxiproxy and finds the servers);
docs/reliability.md describes every fault and shows the latest tables.
"""
import argparse
import bisect
import collections
import hashlib
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import traceback
import urllib.request

import MySQLdb
from confluent_kafka import Consumer, TopicPartition, KafkaError
from confluent_kafka.admin import AdminClient, NewTopic

# --- profiles -------------------------------------------------------------------------------------

FAULT_KINDS = [
    "tor_kill", "tor_pause",
    "kafka_kill", "redis_kill", "mariadb_kill",
    "binlog_flush",
    "mysql_latency", "kafka_latency", "redis_latency",
    "mysql_reset", "kafka_reset", "redis_reset",
    "mysql_blackhole", "kafka_blackhole", "redis_blackhole",
]
# Opt-in kinds (--extra): a clean stop (SIGTERM) and restart, after which nothing may repeat.
EXTRA_KINDS = ["tor_term"]
# With --ha two tor processes run as a hot-standby pair (ha.enabled); the fault kinds that
# signal tor aim at the active one, and one more kind joins: SIGKILL of the active one, the
# standby takes over, the killed one comes back as the standby.
HA_KINDS = ["failover"]
ALL_KINDS = FAULT_KINDS + HA_KINDS + EXTRA_KINDS
# The lease of the pair: short, so a failover stays short; a Redis outage longer than it
# (a black hole, a restart) stops publishing and may hand the lease over.
HA_LEASE_TTL_S = 3

PROFILES = {
    # scripts/test.sh: a few minutes, every kind at least 5 times.
    "short": dict(per_kind=5, writers=3, aggregates=3000, gap=(0.1, 0.6), pause=(2.0, 5.0),
                  latency_s=(1.5, 3.0), latency_ms=(50, 400), reset_s=(0.5, 1.5), blackhole_extra=(1.5, 3.0),
                  flush_burst=(3, 8), big_txn_every=45.0, big_rows=(10000, 12000), writer_sleep=0.1),
    # The long campaign (docs/reliability.md): 100 faults of every kind, more traffic, bigger
    # transactions and wider latencies than the short one. Outages stay as long as the short
    # profile's (every black hole still outlasts every timeout) so that the ~1,600 faults fit in
    # about two hours on a 2-core machine: what the count proves is repetition, not duration.
    "long": dict(per_kind=100, writers=4, aggregates=5000, gap=(0.05, 0.3), pause=(2.0, 4.0),
                 latency_s=(1.2, 2.5), latency_ms=(50, 1000), reset_s=(0.5, 1.5), blackhole_extra=(0.8, 2.0),
                 flush_burst=(3, 10), big_txn_every=60.0, big_rows=(10000, 30000), writer_sleep=0.05),
}

# Timeouts in tor's chaos configuration: short, so a black hole longer than
# every one of them stays short.
MYSQL_DEAD_AFTER_S = 2
KAFKA_SOCKET_TIMEOUT_MS = 2000
REDIS_TIMEOUT_S = 1
BLACKHOLE_BASE = {"mysql": MYSQL_DEAD_AFTER_S, "kafka": KAFKA_SOCKET_TIMEOUT_MS / 1000, "redis": REDIS_TIMEOUT_S}

AGG_TYPES = ["Order", "order", "ORDER", "Customer", "CUSTOMER", "Invoice-Ä", "shipment"]


def route(agg_type, topics):
    """The topic tor must choose: the routes written into its config, first match wins."""
    if agg_type in ("Order", "order", "ORDER"):
        return topics["orders"]
    if agg_type in ("Customer", "CUSTOMER"):
        return topics["customers"]
    if agg_type == "Probe":
        return topics["probe"]
    return topics["other"]


def agg_key(i):
    # Non-ASCII keys (2-, 3- and 4-byte UTF-8) for a third of the aggregates.
    return [f"agg-{i}", f"Agg-{i}-ü€", f"агрегат-{i}-😀"][i % 3]


def agg_type(i):
    return AGG_TYPES[(i * 7919) % len(AGG_TYPES)]


EMOJI = "😀🚀𝄞".encode()


def make_payload(rng, small=False):
    r = rng.random()
    if small:
        n = rng.randint(0, 300)
    elif r < 0.03:
        n = 0
    elif r < 0.45:
        n = rng.randint(1, 200)
    elif r < 0.90:
        n = rng.randint(200, 4096)
    elif r < 0.985:
        n = rng.randint(4096, 65536)
    elif r < 0.997:
        n = rng.randint(65536, 512 * 1024)
    else:
        n = rng.randint(512 * 1024, 900 * 1024)
    if n == 0:
        return b""
    kind = rng.random()
    if kind < 0.4:  # binary bytes, NULs included
        return os.urandom(n)
    # JSON-ish text with 4-byte UTF-8 inside
    unit = b'{"k":"v\xc3\xa9",' + EMOJI + b'"n":12345}'
    body = (unit * (n // len(unit) + 1))[:n]
    if kind < 0.7 and n > 8:
        body = body[: n - 8] + os.urandom(8)
    return body


# --- small helpers ---------------------------------------------------------------------------------

def now():
    return time.time()


def log(msg):
    sys.stderr.write(f"[chaos {time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


class Fail(Exception):
    pass


# SIGTERM/SIGINT during a campaign: stop injecting, then check what was reached.
STOP_REQUESTED = threading.Event()


def port_open(port):
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def http(method, url, body=None, timeout=5):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.read()


def gtid_seq(gtid_text, domain="0"):
    """Sequence number of `domain` in a MariaDB GTID or GTID set ("0-1-5,1-2-7")."""
    best = None
    for part in (gtid_text or "").split(","):
        f = part.strip().split("-")
        if len(f) == 3 and f[0] == domain:
            best = int(f[2])
    return best


# --- the environment: servers, toxiproxy, tor -----------------------------------------------------

class Env:
    def __init__(self, args):
        e = os.environ
        self.root = args.repo
        self.servers_sh = os.path.join(self.root, "scripts", "servers.sh")
        self.run_dir = e["TOR_RUN_DIR"]
        self.mysql_port = int(e["TOR_MYSQL_PORT"])
        self.kafka_port = int(e["TOR_KAFKA_PORT"])
        self.redis_port = int(e["TOR_REDIS_PORT"])
        self.tor_bin = args.tor_bin
        self.toxiproxy_bin = args.toxiproxy
        base = args.port_base
        self.tp_api_port = base
        self.proxy_port = {"mysql": base + 1, "kafka": base + 2, "redis": base + 3}
        self.kafka_proxied_port = base + 4  # the broker's second listener, behind the kafka proxy
        self.tor_http_port = base + 5
        self.tor_http_ports = [base + 5, base + 6] if getattr(args, "ha", False) else [base + 5]
        self.tp_url = f"http://127.0.0.1:{self.tp_api_port}"
        self.kafka_direct = f"127.0.0.1:{self.kafka_port}"
        # The broker's extra listener: clients that bootstrap through the proxy are told
        # to reach the broker at the proxy's address, so all of tor's Kafka traffic crosses it.
        kc = int(e.get("TOR_KAFKA_CONTROLLER_PORT", self.kafka_port + 1))
        extra = [
            f"listeners=PLAINTEXT://127.0.0.1:{self.kafka_port},CONTROLLER://127.0.0.1:{kc},"
            f"PROXIED://127.0.0.1:{self.kafka_proxied_port}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.kafka_port},"
            f"PROXIED://127.0.0.1:{self.proxy_port['kafka']}",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,PROXIED:PLAINTEXT",
            # Flush every partition each second and record the recovery point every two:
            # a broker killed with -9 then recovers about a second of log, not the minute
            # of unflushed segments that makes each kafka_kill cost 20-30 s under load.
            "log.flush.interval.ms=1000",
            "log.flush.scheduler.interval.ms=1000",
            "log.flush.offset.checkpoint.interval.ms=2000",
            # The restarted broker registers again only once the killed one's session has
            # expired in the controller (9 s by default): keep that session short.
            "broker.heartbeat.interval.ms=750",
            "broker.session.timeout.ms=3000",
        ]
        self.kafka_extra_props = extra
        prev = e.get("TOR_KAFKA_EXTRA_PROPS", "")
        # The broker's JVM: C1 only, which starts in about half the time under load and is
        # fast enough for the campaign's traffic.
        self.server_env = dict(e, TOR_KAFKA_EXTRA_PROPS=(prev + "\n" if prev else "") + "\n".join(extra),
                               TOR_KAFKA_JVM_OPTS=e.get("TOR_KAFKA_JVM_OPTS",
                                                        "-XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:TieredStopAtLevel=1"))
        self.toxiproxy = None

    def servers(self, *args, check=True):
        r = subprocess.run([self.servers_sh, *args], env=self.server_env, cwd=self.root,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if check and r.returncode != 0:
            raise Fail(f"servers.sh {' '.join(args)} failed:\n{r.stdout}")
        return r.stdout

    def pidfile(self, server):
        return {"mariadb": f"{self.run_dir}/mariadb/mysqld.pid", "kafka": f"{self.run_dir}/kafka/kafka.pid",
                "redis": f"{self.run_dir}/redis/redis.pid"}[server]

    def server_pid(self, server):
        with open(self.pidfile(server)) as f:
            return int("".join(c for c in f.read() if c.isdigit()))

    def server_port(self, server):
        return {"mariadb": self.mysql_port, "kafka": self.kafka_port, "redis": self.redis_port}[server]

    def kill9(self, server):
        pid = self.server_pid(server)
        os.kill(pid, signal.SIGKILL)
        # Gone once /proc has no such process, or only its zombie is left and every thread
        # (and so every socket) is closed: the leader turns zombie before the other threads end.
        deadline = now() + 30
        while now() < deadline:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    state = f.read().split(")")[-1].split()[0]
                gone = state == "Z" and len(os.listdir(f"/proc/{pid}/task")) <= 1
            except (FileNotFoundError, ProcessLookupError):
                gone = True
            if gone and not port_open(self.server_port(server)):
                return
            time.sleep(0.02)
        raise Fail(f"{server} (pid {pid}) did not die after SIGKILL")

    def restart(self, server):
        """Start a killed server again on its data; retried, a port may linger a moment."""
        for attempt in range(3):
            try:
                return self.servers("start", server)
            except Fail:
                if attempt == 2:
                    raise
                time.sleep(2)

    def ensure_kafka_listener(self):
        props = f"{self.run_dir}/kafka/server.properties"
        try:
            text = open(props).read()
            configured = all(line in text for line in self.kafka_extra_props)
        except FileNotFoundError:
            configured = False
        if configured and port_open(self.kafka_proxied_port):
            return
        log("restarting Kafka with a second listener for the proxy")
        self.servers("stop", "kafka")
        self.servers("start", "kafka")

    def start_toxiproxy(self, workdir):
        for p in [self.tp_api_port, *self.proxy_port.values(), *self.tor_http_ports]:
            if port_open(p):
                raise Fail(f"port {p} is in use: choose another TOR_CHAOS_PORT_BASE")
        self.toxiproxy = subprocess.Popen(
            [self.toxiproxy_bin, "-host", "127.0.0.1", "-port", str(self.tp_api_port)],
            stdout=open(f"{workdir}/toxiproxy.log", "ab"), stderr=subprocess.STDOUT,
            env=dict(os.environ, LOG_LEVEL="warn"))
        deadline = now() + 20
        while not port_open(self.tp_api_port):
            if self.toxiproxy.poll() is not None or now() > deadline:
                raise Fail("toxiproxy did not start (see toxiproxy.log)")
            time.sleep(0.1)
        upstream = {"mysql": self.mysql_port, "kafka": self.kafka_proxied_port, "redis": self.redis_port}
        for name, port in self.proxy_port.items():
            http("POST", f"{self.tp_url}/proxies", {"name": name, "listen": f"127.0.0.1:{port}",
                                                   "upstream": f"127.0.0.1:{upstream[name]}", "enabled": True})

    def add_toxic(self, proxy, name, type_, attributes, stream):
        http("POST", f"{self.tp_url}/proxies/{proxy}/toxics",
             {"name": name, "type": type_, "stream": stream, "toxicity": 1.0, "attributes": attributes})

    def remove_toxic(self, proxy, name):
        http("DELETE", f"{self.tp_url}/proxies/{proxy}/toxics/{name}")

    def stop_toxiproxy(self):
        if self.toxiproxy and self.toxiproxy.poll() is None:
            self.toxiproxy.terminate()
            try:
                self.toxiproxy.wait(10)
            except subprocess.TimeoutExpired:
                self.toxiproxy.kill()

    def mysql(self, db=None):
        kw = dict(host="127.0.0.1", port=self.mysql_port, user="root", charset="utf8mb4", use_unicode=True,
                  connect_timeout=5, autocommit=False)
        if db:
            kw["db"] = db
        return MySQLdb.connect(**kw)

    def redis_get(self, key):
        r = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(self.redis_port), "--raw", "GET", key],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=10)
        if r.returncode != 0 or r.stdout.startswith("ERR") or "Could not connect" in r.stderr:
            raise Fail(f"redis GET {key}: {r.stdout}{r.stderr}")
        return r.stdout.strip()


class Tor:
    """The tor process, restarted by a small supervisor when it exits on its own."""

    def __init__(self, env, workdir, config_path, state, name="tor", http_port=None):
        self.env, self.workdir, self.config_path, self.state = env, workdir, config_path, state
        self.name = name
        self.http_port = http_port or env.tor_http_port
        self.proc = None
        self.lock = threading.Lock()
        self.expect_exit = False
        self.stopped = threading.Event()
        self.exits = []  # unplanned exits: dicts
        self.starts = 0

    def start(self):
        logf = open(f"{self.workdir}/{self.name}.log", "ab")
        logf.write(f"===== start {self.starts} at {time.strftime('%H:%M:%S')} =====\n".encode())
        logf.flush()
        self.proc = subprocess.Popen([self.env.tor_bin, "--config", self.config_path], stdout=logf,
                                     stderr=subprocess.STDOUT,
                                     env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")})
        self.starts += 1

    def wait_ready(self, seconds=60):
        deadline = now() + seconds
        while now() < deadline:
            if self.proc.poll() is not None:
                raise Fail(f"tor exited with {self.proc.returncode} while starting (see tor.log)")
            try:
                http("GET", f"http://127.0.0.1:{self.http_port}/readyz", timeout=1)
                return
            except Exception:
                time.sleep(0.1)
        raise Fail("tor not ready after {seconds}s")

    def kill(self, sig=signal.SIGKILL, before_restart=None):
        """Signal, wait for the exit, restart; returns the checkpoint it had saved and its exit code.
        before_restart, if given, runs between the exit and the restart."""
        with self.lock:
            self.expect_exit = True
            self.proc.send_signal(sig)
            try:
                code = self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                code = f"still running 60 s after {sig.name}, killed"
                self.proc.wait()
            cp = self.state.read_checkpoint()
            try:
                if before_restart:
                    before_restart()
            finally:
                self.expect_exit = False
                self.start()
            return cp, code

    def ha_role(self, timeout=0.5):
        """(tor_ha_lease_term, tor_ha_active, tor_ha_activations_total) from its metrics; None
        when it does not answer (paused, starting or stopped)."""
        try:
            text = http("GET", f"http://127.0.0.1:{self.http_port}/metrics", timeout=timeout).decode()
        except Exception:
            return None
        got = {}
        for line in text.splitlines():
            f = line.split()
            if len(f) == 2 and f[0] in ("tor_ha_active", "tor_ha_lease_term", "tor_ha_activations_total"):
                got[f[0]] = int(float(f[1]))
        return got.get("tor_ha_lease_term"), got.get("tor_ha_active"), got.get("tor_ha_activations_total")

    def ha_active(self):
        """tor_ha_active: 1 or 0, None when it does not answer."""
        role = self.ha_role()
        return role[1] if role else None

    def pause(self, seconds):
        with self.lock:
            self.proc.send_signal(signal.SIGSTOP)
        time.sleep(seconds)
        with self.lock:
            self.proc.send_signal(signal.SIGCONT)

    def supervise(self, current_fault):
        while not self.stopped.is_set():
            time.sleep(0.1)
            with self.lock:
                if self.stopped.is_set() or self.expect_exit or self.proc.poll() is None:
                    continue
                code = self.proc.returncode
                try:
                    cp = self.state.read_checkpoint()
                except Exception as e:  # Redis may be the fault at hand
                    cp = {"error": str(e)}
                fault = current_fault()
                self.exits.append({"time": now(), "code": code, "fault": fault, "checkpoint": cp,
                                   "instance": self.name})
                log(f"{self.name} exited on its own with {code} during/after fault #{fault}; restarting it")
                time.sleep(0.5)
                self.start()

    def stop_clean(self, seconds=30):
        with self.lock:
            self.stopped.set()
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(seconds)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None


# --- the writers ------------------------------------------------------------------------------------

CONN_ERRORS = {2002, 2003, 2006, 2013, 2026, 2055, 1927, 1053, 1152, 1205, 1213, 4031}


class Ledger:
    """What the writers know locally: ids that must never be published, and counters."""

    def __init__(self):
        self.lock = threading.Lock()
        self.forbidden = {}  # id -> reason
        self.counts = collections.Counter()

    def forbid(self, ids, reason):
        with self.lock:
            for i in ids:
                self.forbidden[i] = reason
            self.counts[f"forbidden_{reason}"] += len(ids)

    def count(self, what, n=1):
        with self.lock:
            self.counts[what] += n


class Writer(threading.Thread):
    def __init__(self, wid, env, db, other_db, cfg, topics, ledger, stop, big_slot, altered, seed):
        super().__init__(daemon=True, name=f"writer-{wid}")
        self.wid, self.env, self.db, self.other_db, self.cfg = wid, env, db, other_db, cfg
        self.topics, self.ledger, self.stop_ev, self.big_slot, self.altered = topics, ledger, stop, big_slot, altered
        self.rng = random.Random(seed)
        self.counter = 0
        self.txn_counter = 0
        self.conn = None
        self.recent_ids = collections.deque(maxlen=200)
        self.error = None

    def next_id(self):
        self.counter += 1
        return (self.wid + 1) * 10**12 + self.counter

    def connect(self):
        while not self.stop_ev.is_set():
            try:
                self.conn = self.env.mysql(self.db)
                return True
            except MySQLdb.OperationalError:
                time.sleep(0.2)
        return False

    def run(self):
        try:
            if not self.connect():
                return
            while not self.stop_ev.is_set():
                self.one_transaction()
                time.sleep(self.rng.uniform(0, self.cfg["writer_sleep"]))
        except Exception as e:
            self.error = f"{type(e).__name__}: {e}\n{traceback.format_exc()}"
            log(f"writer {self.wid} failed: {self.error}")

    def committed(self, txn):
        """After a lost connection during COMMIT: the ledger says whether it committed.
        None when the server stays unreachable (the checker reads the ledger anyway)."""
        deadline = now() + 180
        while now() < deadline:
            try:
                self.conn = self.env.mysql(self.db)
                c = self.conn.cursor()
                c.execute("SELECT COUNT(*) FROM txns WHERE txn = %s", (txn,))
                n = c.fetchone()[0]
                self.conn.rollback()
                return n == 1
            except MySQLdb.OperationalError:
                self.conn = None
                time.sleep(0.2)
        return None

    def one_transaction(self):
        rng, cfg = self.rng, self.cfg
        self.txn_counter += 1
        txn = (self.wid + 1) * 10**12 + self.txn_counter
        big = False
        with self.big_slot["lock"]:
            if now() >= self.big_slot["next"]:
                self.big_slot["next"] = now() + cfg["big_txn_every"]
                big = True
        r = rng.random()
        kind = "big" if big else ("rollback" if r < 0.08 else "savepoint" if r < 0.16 else
                                  "insert_delete" if r < 0.24 else "update" if r < 0.29 else
                                  "only_other" if r < 0.33 else "cleanup" if r < 0.35 else "plain")
        if big:
            nrows = rng.randint(*cfg["big_rows"])
            naggs = 200
        else:
            nrows = min(50, 1 + int(rng.expovariate(1 / 8)))
            naggs = rng.randint(1, min(5, nrows))
        if kind == "only_other":
            nrows = 0
        aggs = sorted(rng.sample(range(1, cfg["aggregates"] + 1), naggs))
        expected, forbidden = [], []  # ids
        cur = None
        try:
            cur = self.conn.cursor()
            cur.execute("BEGIN")
            cur.execute("SELECT id, version FROM aggregates WHERE id IN (%s) ORDER BY id FOR UPDATE"
                        % ",".join(str(a) for a in aggs))
            version = {a: v + 1 for a, v in cur.fetchall()}
            cur.execute("UPDATE aggregates SET version = version + 1 WHERE id IN (%s)" % ",".join(str(a) for a in aggs))
            idx = collections.Counter()

            def rows(n, small=False):
                out, led = [], []
                for _ in range(n):
                    a = aggs[rng.randrange(len(aggs))] if not big else aggs[rng.randrange(len(aggs))]
                    eid = self.next_id()
                    idx[a] += 1
                    payload = make_payload(rng, small)
                    key = agg_key(a)
                    typ = agg_type(a)
                    out.append((eid, typ, key, f"ev.{rng.randint(0, 9)}", payload))
                    led.append((eid, txn, key, version[a], idx[a], route(typ, self.topics),
                                hashlib.sha256(payload).digest(), len(payload)))
                return out, led

            def insert(out, led):
                if out:
                    cur.executemany("INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload) "
                                    "VALUES (%s, %s, %s, %s, %s)", out)
                    cur.executemany("INSERT INTO ledger (id, txn, aggregateid, version, idx, topic, sha, len) "
                                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", led)

            def other_tables(n):
                # The outbox's exact columns, in a table that is not the outbox, and a table
                # named outbox in another schema: neither may be published.
                ids = []
                for table in ("outbox_shadow", f"`{self.other_db}`.outbox"):
                    vals = []
                    for _ in range(n):
                        a = aggs[0]
                        eid = self.next_id()
                        ids.append(eid)
                        vals.append((eid, agg_type(a), agg_key(a), "shadow", make_payload(rng, True)))
                    cur.executemany(f"INSERT INTO {table} (id, aggregatetype, aggregateid, type, payload) "
                                    "VALUES (%s, %s, %s, %s, %s)", vals)
                return ids

            out, led = rows(nrows, small=big)
            insert(out, led)
            expected += [r[0] for r in out]
            if rng.random() < 0.3 or kind == "only_other":
                forbidden += other_tables(rng.randint(1, 5))
            if kind == "savepoint":
                cur.execute("SAVEPOINT sp")
                out2, led2 = rows(rng.randint(1, 10))
                insert(out2, led2)
                forbidden += other_tables(1)
                forbidden += [r[0] for r in out2]
                cur.execute("ROLLBACK TO SAVEPOINT sp")
                self.ledger.count("savepoint_rollbacks")
                out3, led3 = rows(rng.randint(0, 5))
                insert(out3, led3)
                expected += [r[0] for r in out3]
            if kind == "insert_delete" and expected:
                gone = expected[: max(1, len(expected) // 2)]
                cur.execute("DELETE FROM outbox WHERE id IN (%s)" % ",".join(str(i) for i in gone))
            if kind == "update" and self.recent_ids:
                ids = rng.sample(list(self.recent_ids), min(5, len(self.recent_ids)))
                cur.execute("UPDATE outbox SET type = CONCAT(type, '!') WHERE id IN (%s)" % ",".join(map(str, ids)))
                if expected:
                    cur.execute("UPDATE outbox SET payload = CONCAT(payload, 'x') WHERE id = %s", (expected[0],))
            if kind == "cleanup":
                cur.execute("DELETE FROM outbox WHERE id BETWEEN %s AND %s LIMIT 2000",
                            ((self.wid + 1) * 10**12, self.next_id() - 5000))
            if self.altered.is_set() and expected:
                cur.execute("UPDATE outbox SET note = 'after-alter' WHERE id = %s", (expected[-1],))
            cur.execute("INSERT INTO txns (txn, writer, nrows) VALUES (%s, %s, %s)", (txn, self.wid, len(expected)))
            if kind == "rollback":
                self.conn.rollback()
                self.ledger.forbid(expected + forbidden, "rolled back")
                self.ledger.count("rollbacks")
                return
        except MySQLdb.Error as e:
            # Before COMMIT: the server rolls the transaction back.
            code = e.args[0] if e.args else None
            try:
                self.conn.rollback()
            except MySQLdb.Error:
                self.conn = None
            self.ledger.forbid(expected + forbidden, "aborted")
            self.ledger.count("aborted_" + ("deadlock" if code == 1213 else "connection" if code in CONN_ERRORS
                                            else str(code)))
            if self.conn is None or code in CONN_ERRORS:
                self.connect()
            return
        try:
            self.conn.commit()
            ok = True
        except MySQLdb.Error as e:
            # COMMIT sent, answer lost: it may or may not have committed. Never guess.
            self.ledger.count("commit_outcome_unknown")
            self.conn = None
            ok = self.committed(txn)
            self.ledger.count({True: "commit_unknown_was_committed", False: "commit_unknown_was_rolled_back",
                               None: "commit_unknown_unresolved"}[ok])
            _ = e
            if self.conn is None and not self.connect():
                return
        self.ledger.forbid(forbidden, "non-outbox table")
        if ok is None:
            return
        if ok:
            self.ledger.count("transactions")
            self.ledger.count("events", len(expected))
            if big:
                self.ledger.count("big_transactions")
            self.recent_ids.extend(expected[-20:])
        else:
            self.ledger.forbid(expected, "commit failed")


# --- the campaign -----------------------------------------------------------------------------------

class State:
    def __init__(self, env, key):
        self.env, self.key = env, key

    def read_checkpoint(self):
        raw = self.env.redis_get(self.key)
        return json.loads(raw) if raw else None


class BinlogJanitor:
    """Purges the binary logs before the one tor's saved checkpoint is in, as an operator's
    retention would: the campaign writes about 10 MB of binlog a second, which would fill the
    disk in a long run. tor resumes from the saved checkpoint, so nothing it still needs goes;
    MariaDB itself keeps a file a dump connection is reading."""

    def __init__(self, env, state, every_s=20.0):
        self.env, self.state, self.every_s = env, state, every_s
        self.stop = threading.Event()
        self.purged_to = None
        self.thread = threading.Thread(target=self.run, daemon=True, name="binlog-janitor")

    def run(self):
        while not self.stop.wait(self.every_s):
            try:
                cp = self.state.read_checkpoint()
                if not cp or not cp.get("file") or cp["file"] == self.purged_to:
                    continue
                c = self.env.mysql()
                try:
                    c.cursor().execute(f"PURGE BINARY LOGS TO '{cp['file']}'")
                    self.purged_to = cp["file"]
                finally:
                    c.close()
            except Exception:  # a server down or restarting: the next round tries again
                pass


class Probes:
    """Probe events: one after each fault; their arrival time in Kafka (the broker's append
    time) tells when tor resumed."""

    def __init__(self, env, db, topic):
        self.env, self.db, self.topic = env, db, topic
        self.seen = {}
        self.cv = threading.Condition()
        self.seq = 0
        self.stop = threading.Event()
        self.conn = None
        self.thread = threading.Thread(target=self.consume, daemon=True, name="probe-consumer")

    def consume(self):
        c = Consumer({"bootstrap.servers": self.env.kafka_direct, "group.id": f"chaos-probe-{os.getpid()}",
                      "enable.auto.commit": False, "reconnect.backoff.max.ms": 500,
                      "topic.metadata.refresh.interval.ms": 1000, "log_level": 0})
        c.assign([TopicPartition(self.topic, 0, 0)])
        while not self.stop.is_set():
            m = c.poll(0.2)
            if m is None or m.error():
                continue
            ts = m.timestamp()[1] / 1000.0
            pid = int(dict(m.headers() or [])["id"])
            with self.cv:
                self.seen.setdefault(pid, ts)
                self.cv.notify_all()
        c.close()

    def send(self):
        """Commits one probe event (retrying while MariaDB is away); returns its id."""
        self.seq += 1
        pid = 10**12 * 50 + self.seq
        deadline = now() + 180
        while True:
            if now() > deadline:
                raise Fail("could not commit a probe event for 180 s: MariaDB unreachable")
            try:
                if self.conn is None:
                    self.conn = self.env.mysql(self.db)
                cur = self.conn.cursor()
                cur.execute("INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload) "
                            "VALUES (%s, 'Probe', 'probe', 'probe', %s)", (pid, b"probe"))
                cur.execute("INSERT INTO ledger (id, txn, aggregateid, version, idx, topic, sha, len) "
                            "VALUES (%s, %s, 'probe', %s, 1, %s, %s, 5)",
                            (pid, pid, self.seq, self.topic, hashlib.sha256(b"probe").digest()))
                cur.execute("INSERT INTO txns (txn, writer, nrows) VALUES (%s, -1, 1)", (pid,))
                self.conn.commit()
                return pid
            except MySQLdb.Error:
                try:
                    if self.conn is not None:
                        cur = self.conn.cursor()
                        cur.execute("SELECT COUNT(*) FROM txns WHERE txn = %s", (pid,))
                        if cur.fetchone()[0] == 1:
                            return pid
                except MySQLdb.Error:
                    pass
                self.conn = None
                time.sleep(0.2)

    def wait(self, pid, timeout):
        deadline = now() + timeout
        with self.cv:
            while pid not in self.seen:
                left = deadline - now()
                if left <= 0:
                    return None
                self.cv.wait(left)
            return self.seen[pid]


def setup_database(env, db, other_db, aggregates):
    c = env.mysql()
    cur = c.cursor()
    for d in (db, other_db):
        cur.execute(f"DROP DATABASE IF EXISTS `{d}`")
        cur.execute(f"CREATE DATABASE `{d}` CHARACTER SET utf8mb4")
    cols = ("id BIGINT NOT NULL PRIMARY KEY, aggregatetype VARCHAR(64) NOT NULL, aggregateid VARCHAR(191) NOT NULL, "
            "type VARCHAR(64) NOT NULL, payload LONGBLOB")
    cur.execute(f"CREATE TABLE `{db}`.outbox ({cols}) ENGINE=InnoDB")
    cur.execute(f"CREATE TABLE `{db}`.outbox_shadow ({cols}) ENGINE=InnoDB")
    cur.execute(f"CREATE TABLE `{other_db}`.outbox ({cols}) ENGINE=InnoDB")
    cur.execute(f"CREATE TABLE `{db}`.aggregates (id INT NOT NULL PRIMARY KEY, version BIGINT NOT NULL) ENGINE=InnoDB")
    cur.execute(f"CREATE TABLE `{db}`.ledger (id BIGINT NOT NULL PRIMARY KEY, txn BIGINT NOT NULL, "
                "aggregateid VARCHAR(191) NOT NULL, version BIGINT NOT NULL, idx INT NOT NULL, "
                "topic VARCHAR(128) NOT NULL, sha BINARY(32) NOT NULL, len INT NOT NULL, KEY (txn)) ENGINE=InnoDB")
    cur.execute(f"CREATE TABLE `{db}`.txns (txn BIGINT NOT NULL PRIMARY KEY, writer INT NOT NULL, "
                "nrows INT NOT NULL) ENGINE=InnoDB")
    for i in range(1, aggregates + 1, 1000):
        cur.executemany(f"INSERT INTO `{db}`.aggregates VALUES (%s, 0)",
                        [(j,) for j in range(i, min(aggregates + 1, i + 1000))])
    c.commit()
    c.close()


def write_config(path, env, db, topics, redis_key, http_port=None, ha=False, exactly_once=False):
    server_id = 40000 + os.getpid() % 20000
    routes = [
        {"pattern": "[Oo]rder|ORDER", "topic": topics["orders"]},
        {"pattern": "Customer|CUSTOMER", "topic": topics["customers"]},
        {"pattern": "Probe", "topic": topics["probe"]},
        {"pattern": ".*", "topic": topics["other"]},
    ]
    cfg = f"""# tor's configuration for the fault campaign: every server through its proxy,
# timeouts short so a black hole longer than each of them stays short.
mysql:
  host: 127.0.0.1
  port: {env.proxy_port['mysql']}
  user: tor
  password: tor
  server_id: {server_id}
  start: end
  heartbeat: 500ms
  dead_after: {MYSQL_DEAD_AFTER_S}s
  connect_timeout: 2s
  reconnect_timeout: 5m
kafka:
  brokers: ["127.0.0.1:{env.proxy_port['kafka']}"]
  create_topics: false
  delivery_timeout: 5m
  properties: {{socket.timeout.ms: "{KAFKA_SOCKET_TIMEOUT_MS}", request.timeout.ms: "{KAFKA_SOCKET_TIMEOUT_MS}", message.max.bytes: "2000000"}}
  exactly_once: {"true" if exactly_once else "false"}
redis:
  host: 127.0.0.1
  port: {env.proxy_port['redis']}
  key: "{redis_key}"
  timeout: {REDIS_TIMEOUT_S}s
  reconnect_backoff_max: 1s
outbox:
  tables: ["{db}.outbox"]
  routes: {json.dumps(routes, ensure_ascii=False)}
  on_update: skip
router:
  checkpoint_interval: 200ms
  flush_timeout: 20s
log:
  level: info
  progress_interval: 10s
http:
  address: 127.0.0.1
  port: {http_port or env.tor_http_port}
"""
    if ha:
        cfg += f"""ha:
  enabled: true
  lease_ttl: {HA_LEASE_TTL_S}s
"""
    with open(path, "w") as f:
        f.write(cfg)


class Takeovers(threading.Thread):
    """With --ha: records every time an instance became active, which makes it resume from the
    saved checkpoint as a restart does, with a checkpoint it cannot have resumed before. Every
    time an instance becomes active its tor_ha_activations_total grows, and a take by another
    holder also starts a new lease term (tor_ha_lease_term), so a take is seen even when it is
    quick: an instance that stops during a Redis outage and takes its own lease back
    milliseconds later (under the same term, when the outage kept it from giving the lease up)
    reports one more activation. Each round samples the saved checkpoint, then asks every
    instance its role, term and activations; an instance seen active with another (term,
    activations) than in its last answer took the lease after that answer, so after that round's
    sample was read, and checkpoints only move forward: that sample is a floor for what it
    resumed from."""

    def __init__(self, tors, state):
        super().__init__(daemon=True, name="takeovers")
        self.tors, self.state = tors, state
        self.stop = threading.Event()
        self.events = []  # {"t": the round it last answered before, "seen": the round after, ...}
        self.last = {}    # instance -> (round time, checkpoint sample, (term, activations), active) of its last answer

    def round(self, cp):
        t_round = now()
        for t in self.tors:
            o = t.ha_role()
            if o is None:
                continue
            term, active, activations = o
            prev = self.last.get(t.name)
            if active == 1 and prev is not None and prev[2] != (term, activations):
                self.events.append({"t": prev[0], "seen": now(), "instance": t.name, "term": term,
                                    "checkpoint": prev[1]})
                log(f"{t.name} took the lease (term {term}), seen {now() - prev[0]:.2f} s after its last answer")
            self.last[t.name] = (t_round, cp, (term, activations), active)

    def run(self):
        cp = None
        while not self.stop.is_set():
            try:
                cp = self.state.read_checkpoint()
            except Exception:
                pass  # Redis may be the fault at hand: an older sample is still a floor
            self.round(cp)
            self.stop.wait(0.2)


class Campaign:
    def __init__(self, args):
        self.args = args
        self.cfg = dict(PROFILES[args.profile])
        if args.per_kind:
            self.cfg["per_kind"] = args.per_kind
        self.env = Env(args)
        self.seed = args.seed if args.seed is not None else random.randrange(2**32)
        self.rng = random.Random(self.seed)
        tag = self.tag = f"{os.getpid()}_{int(now()) % 100000}"
        self.db, self.other_db = f"chaos_{tag}", f"chaos_{tag}_x"
        self.topics = {t: f"chaos.{tag}.{t}" for t in ("orders", "customers", "other", "probe")}
        self.redis_key = f"tor:chaos:{tag}"
        self.workdir = args.workdir or os.path.join(self.env.run_dir, f"chaos-{tag}")
        os.makedirs(self.workdir, exist_ok=True)
        self.faults = []
        self.stopped_early = False
        self.current = -1
        self.ledger = Ledger()
        self.state = State(self.env, self.redis_key)
        self.tors = []
        self.takeovers = None

    @property
    def tor(self):
        """The instance the tor faults aim at: the only one, or with --ha the active one."""
        if not self.args.ha:
            return self.tors[0]
        deadline = now() + 30
        while now() < deadline:
            for t in self.tors:
                if t.ha_active() == 1:
                    return t
            time.sleep(0.1)
        raise Fail("no tor instance reports itself active (tor_ha_active 1) for 30 s")

    def exits(self):
        return [e for t in self.tors for e in t.exits]

    def takeover_events(self):
        return self.takeovers.events if self.takeovers else []

    def failover(self, f):
        """SIGKILL of the active instance; the standby must take over before the killed one comes
        back (as the standby). The fault's end, from which its resume time counts, is the kill."""
        victim = self.tor
        others = [t for t in self.tors if t is not victim]

        def wait_takeover():
            f["_end"] = now()
            deadline = now() + HA_LEASE_TTL_S + 30
            while now() < deadline:
                if any(t.ha_active() == 1 for t in others):
                    return
                time.sleep(0.05)
            raise Fail(f"no standby took over within {HA_LEASE_TTL_S + 30} s of the active one's SIGKILL")

        cp, _ = victim.kill(before_restart=wait_takeover)
        return {"checkpoint": cp, "killed": victim.name, "takeover_s": round(now() - f["_end"], 2)}

    # --- faults ---
    def toxic_fault(self, server, kind):
        c = self.cfg
        name = f"{kind}_{len(self.faults)}"
        streams = ("upstream", "downstream")
        if kind == "latency":
            dur = self.rng.uniform(*c["latency_s"])
            ms = self.rng.randint(*c["latency_ms"])
            for s in streams:
                self.env.add_toxic(server, f"{name}_{s}", "latency", {"latency": ms, "jitter": ms // 4}, s)
            detail = {"latency_ms": ms, "seconds": round(dur, 2)}
        elif kind == "reset":
            dur = self.rng.uniform(*c["reset_s"])
            for s in streams:
                self.env.add_toxic(server, f"{name}_{s}", "reset_peer", {"timeout": 0}, s)
            detail = {"seconds": round(dur, 2)}
        else:  # blackhole: nothing passes, nothing is closed
            dur = BLACKHOLE_BASE[server] + self.rng.uniform(*c["blackhole_extra"])
            for s in streams:
                self.env.add_toxic(server, f"{name}_{s}", "timeout", {"timeout": 0}, s)
            detail = {"seconds": round(dur, 2), "longer_than_timeout_s": BLACKHOLE_BASE[server]}
        # A probe committed while the fault lasts: whether tor went on publishing meanwhile,
        # and how late (a Redis outage must not stop publishing).
        t_in = now()
        pid = self.probes.send()
        time.sleep(max(0.0, dur - (now() - t_in)))
        t_end = now()
        arrived = self.probes.seen.get(pid)
        detail["probe_during_s"] = round(arrived - t_in, 3) if arrived is not None and arrived <= t_end else None
        for s in streams:
            self.env.remove_toxic(server, f"{name}_{s}")
        return detail

    def inject(self, kind, f):
        env = self.env
        if kind == "failover":
            return self.failover(f)
        if kind == "tor_kill":
            cp, _ = self.tor.kill()
            return {"checkpoint": cp}
        if kind == "tor_term":
            cp, code = self.tor.kill(signal.SIGTERM)
            return {"checkpoint": cp, "exit_code": code}
        if kind == "tor_pause":
            d = self.rng.uniform(*self.cfg["pause"])
            self.tor.pause(d)
            return {"seconds": round(d, 2)}
        if kind in ("kafka_kill", "redis_kill", "mariadb_kill"):
            server = kind.split("_")[0]
            env.kill9(server)
            t = now()
            env.restart(server)
            return {"restart_seconds": round(now() - t, 2)}
        if kind == "binlog_flush":
            n = self.rng.randint(*self.cfg["flush_burst"])
            c = env.mysql()
            cur = c.cursor()
            for _ in range(n):
                cur.execute("FLUSH BINARY LOGS")
                time.sleep(self.rng.uniform(0, 0.2))
            c.close()
            return {"flushes": n}
        server, what = kind.split("_")
        return self.toxic_fault(server, what)

    def alter_outbox(self):
        c = self.env.mysql(self.db)
        cur = c.cursor()
        # A column in the middle: every later row image has another shape.
        cur.execute("ALTER TABLE outbox ADD COLUMN note VARCHAR(64) NULL AFTER aggregateid")
        c.close()
        self.altered.set()
        log("ALTER TABLE outbox ADD COLUMN note ... AFTER aggregateid")

    def run(self):
        env, cfg = self.env, self.cfg
        kinds = [k for k in FAULT_KINDS + (HA_KINDS if self.args.ha else [])
                 if k not in self.args.skip and (not self.args.only or k in self.args.only)] + self.args.extra
        log(f"profile {self.args.profile}{' with a hot-standby pair' if self.args.ha else ''}: "
            f"{cfg['per_kind']} faults of each of {len(kinds)} kinds, seed {self.seed}, work dir {self.workdir}")
        env.ensure_kafka_listener()
        env.start_toxiproxy(self.workdir)
        setup_database(env, self.db, self.other_db, cfg["aggregates"])
        admin = AdminClient({"bootstrap.servers": env.kafka_direct, "log_level": 0})
        new = [NewTopic(t, num_partitions=1 if k == "probe" else 4, replication_factor=1,
                        config={"message.timestamp.type": "LogAppendTime", "max.message.bytes": "2000000",
                                # Small segments: a broker killed with -9 recovers only the
                                # unflushed last one, so its restart stays short.
                                "segment.bytes": str(8 << 20)})
               for k, t in self.topics.items()]
        for t, f in admin.create_topics(new).items():
            f.result(30)
        del admin
        for n, port in enumerate(env.tor_http_ports):
            name = "tor" if not self.args.ha else f"tor-{'ab'[n]}"
            config_path = f"{self.workdir}/{name}.yaml"
            write_config(config_path, env, self.db, self.topics, self.redis_key, port, self.args.ha,
                         self.args.exactly_once)
            t = Tor(env, self.workdir, config_path, self.state, name, port)
            self.tors.append(t)
            t.start()
            t.wait_ready()
            if n == 0:
                deadline = now() + 30
                while self.state.read_checkpoint() is None:  # its first checkpoint: where it starts
                    if now() > deadline:
                        raise Fail("tor saved no first checkpoint within 30 s")
                    time.sleep(0.1)
        for t in self.tors:
            threading.Thread(target=t.supervise, args=(lambda: self.current,), daemon=True).start()
        if self.args.ha:
            self.takeovers = Takeovers(self.tors, self.state)
            self.takeovers.round(self.state.read_checkpoint())  # where each one stands at the start
            self.takeovers.start()
        self.probes = Probes(env, self.db, self.topics["probe"])
        self.probes.thread.start()
        self.janitor = BinlogJanitor(env, self.state)
        self.janitor.thread.start()
        p = self.probes.send()
        if self.probes.wait(p, 60) is None:
            raise Fail("the first probe event did not arrive within 60 s (see tor.log)")

        self.stop_writers = threading.Event()
        self.altered = threading.Event()
        big_slot = {"lock": threading.Lock(), "next": now() + 10}
        writers = [Writer(i, env, self.db, self.other_db, cfg, self.topics, self.ledger, self.stop_writers,
                          big_slot, self.altered, self.rng.randrange(2**32)) for i in range(cfg["writers"])]
        for w in writers:
            w.start()
        t0 = now()
        # Rounds of one fault of every kind, each round in its own random order: a run stopped
        # early (--max-seconds, SIGTERM) still has about as many faults of every kind.
        schedule = []
        for _ in range(cfg["per_kind"]):
            schedule += self.rng.sample(kinds, len(kinds))
        aborted = None
        for n, kind in enumerate(schedule):
            if self.args.max_seconds and now() - t0 > self.args.max_seconds or STOP_REQUESTED.is_set():
                log(f"stopping the campaign after {len(self.faults)} of {len(schedule)} faults "
                    f"({'time budget' if not STOP_REQUESTED.is_set() else 'asked to stop'}); checking what it reached")
                self.stopped_early = True
                break
            if n == len(schedule) // 2:
                self.alter_outbox()
            time.sleep(self.rng.uniform(*cfg["gap"]))
            self.current = len(self.faults)
            f = {"n": self.current, "kind": kind, "start": now()}
            self.faults.append(f)
            try:
                f["detail"] = self.inject(kind, f)
            except Exception as e:
                f["error"] = f"{type(e).__name__}: {e}"
                log(f"fault #{f['n']} {kind}: injecting failed: {f['error']}")
                aborted = f"injecting {kind} failed"
                break
            f["end"] = f.pop("_end", None) or now()
            pid = self.probes.send()
            arrived = self.probes.wait(pid, self.args.resume_timeout)
            if arrived is None:
                f["resume"] = None
                log(f"fault #{f['n']} {kind}: tor did not resume within {self.args.resume_timeout} s")
                aborted = f"no resume after {kind}"
                break
            f["resume"] = max(0.0, arrived - f["end"])
            dead = [w for w in writers if not w.is_alive()]
            log(f"fault #{f['n']:3d} {kind:16s} {json.dumps(f.get('detail', {}), default=str)[:90]:90s} "
                f"resumed in {f['resume']:.2f} s")
            if dead:
                aborted = f"writer {dead[0].wid} died: {dead[0].error}"
                break
        self.stop_writers.set()
        for w in writers:
            w.join(120)
        self.duration = now() - t0
        self.writer_errors = [w.error for w in writers if w.error]
        # Everything committed so far is before this probe in the binlog.
        p = self.probes.send()
        if self.probes.wait(p, 120) is None:
            log("the final probe did not arrive within 120 s")
        self.current = len(self.faults)
        time.sleep(2)
        return aborted

    def finish(self):
        """A clean stop of every instance (standbys first, so nothing hands over); the first
        exit code that is not 0, else 0."""
        if self.takeovers:
            self.takeovers.stop.set()
            self.takeovers.join(5)
        order = sorted(self.tors, key=lambda t: t.ha_active() == 1) if self.args.ha else self.tors
        codes = [t.stop_clean() for t in order]
        self.probes.stop.set()
        self.env.stop_toxiproxy()
        return next((c for c in codes if c != 0), 0)

    def cleanup(self):
        try:
            admin = AdminClient({"bootstrap.servers": self.env.kafka_direct, "log_level": 0})
            for f in admin.delete_topics(list(self.topics.values())).values():
                f.result(60)
            c = self.env.mysql()
            cur = c.cursor()
            cur.execute(f"DROP DATABASE IF EXISTS `{self.db}`")
            cur.execute(f"DROP DATABASE IF EXISTS `{self.other_db}`")
            c.close()
            subprocess.run(["redis-cli", "-p", str(self.env.redis_port), "DEL", self.redis_key,
                            self.redis_key + ":owner"], stdout=subprocess.DEVNULL)
        except Exception as e:
            log(f"cleanup: {e}")


# --- the checker ------------------------------------------------------------------------------------

def exactly_once_of(camp):
    return bool(getattr(getattr(camp, "args", None), "exactly_once", False))


def read_topics(env, topics, read_committed=False):
    """Every message of every topic up to its end, values reduced to their SHA-256. With
    read_committed, as a consumer with isolation.level=read_committed sees them: the end is then
    each partition's last stable offset, past the transaction markers, so it is found by EOF."""
    conf = {"bootstrap.servers": env.kafka_direct, "group.id": f"chaos-check-{os.getpid()}",
            "enable.auto.commit": False, "check.crcs": True, "log_level": 0,
            "fetch.max.bytes": 8 * 1024 * 1024}
    if read_committed:
        conf.update({"isolation.level": "read_committed", "enable.partition.eof": True})
    c = Consumer(conf)
    parts = []
    ends = {}
    for t in topics:
        md = c.list_topics(t, timeout=30)
        for p in md.topics[t].partitions:
            tp = TopicPartition(t, p, 0)
            lo, hi = c.get_watermark_offsets(tp, timeout=30)
            if hi > lo:
                parts.append(TopicPartition(t, p, lo))
                ends[(t, p)] = hi
    c.assign(parts)
    msgs = []
    remaining = dict(ends)
    idle_since = now()
    while remaining:
        m = c.poll(1.0)
        if m is None:
            if now() - idle_since > 60:
                raise Fail(f"reading the topics stalled; partitions left: {remaining}")
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                remaining.pop((m.topic(), m.partition()), None)
                continue
            raise Fail(f"consumer error: {m.error()}")
        idle_since = now()
        t, p, o = m.topic(), m.partition(), m.offset()
        hdrs = m.headers() or []
        hd = {k: v for k, v in hdrs}
        v = m.value()
        msgs.append({
            "topic": t, "partition": p, "offset": o, "key": m.key(),
            "sha": hashlib.sha256(v).digest() if v is not None else None, "null": v is None,
            "len": len(v) if v is not None else -1,
            "id": int(hd["id"]) if "id" in hd else None,
            "gtid": hd.get("tor.gtid", b"").decode(errors="replace"),
            "headers": hashlib.sha256(repr(sorted(hdrs)).encode()).digest(),
            "ts": m.timestamp()[1] / 1000.0,
        })
        if (t, p) in remaining and o + 1 >= remaining[(t, p)]:
            del remaining[(t, p)]
    c.close()
    return msgs


def check(camp):
    env = camp.env
    c = env.mysql(camp.db)
    cur = c.cursor()
    cur.execute("SELECT id, txn, aggregateid, version, idx, topic, sha, len FROM ledger")
    ledger = {r[0]: r for r in cur.fetchall()}
    c.close()
    msgs = read_topics(env, camp.topics.values(), exactly_once_of(camp))
    msgs.sort(key=lambda m: (m["topic"], m["partition"], m["offset"]))
    faults = camp.faults
    starts = [f["start"] for f in faults]

    res = collections.Counter()
    problems = collections.defaultdict(list)
    first = {}          # id -> first message
    copies = collections.Counter()
    key_parts = collections.defaultdict(set)
    key_last = {}       # (topic, key) -> (version, idx) of the last first delivery
    dup_copies = []

    def fault_of(ts):
        lo, hi = 0, len(starts)
        while lo < hi:
            mid = (lo + hi) // 2
            if starts[mid] <= ts:
                lo = mid + 1
            else:
                hi = mid
        return lo - 1  # -1: before any fault

    for m in msgs:
        res["delivered_messages"] += 1
        i = m["id"]
        row = ledger.get(i)
        if row is None:
            res["forbidden"] += 1
            problems["forbidden"].append(f"id {i} ({camp.ledger.forbidden.get(i, 'not written by the writers')}) "
                                         f"on {m['topic']}/{m['partition']}@{m['offset']}")
            continue
        copies[i] += 1
        if copies[i] > 1:
            f0 = first[i]
            if any(f0[k] != m[k] for k in ("topic", "partition", "key", "sha", "headers", "null")):
                res["corrupted"] += 1
                problems["corrupted"].append(f"id {i}: a repeated copy at {m['topic']}/{m['partition']}@{m['offset']} "
                                             f"differs from the first at @{f0['offset']}")
            dup_copies.append(m)
            continue
        first[i] = m
        _, _, key, version, idx, topic, sha, length = row
        exact = (m["topic"] == topic and m["key"] == key.encode() and not m["null"]
                 and m["sha"] == bytes(sha) and m["len"] == length)
        if not exact:
            res["corrupted"] += 1
            problems["corrupted"].append(
                f"id {i} at {m['topic']}/{m['partition']}@{m['offset']}: expected topic {topic} key {key!r} "
                f"{length} bytes, got topic {m['topic']} key {m['key']!r} {m['len']} bytes"
                f"{' (null)' if m['null'] else ''}{', value differs' if m['sha'] != bytes(sha) else ''}")
        k = (m["topic"], m["key"])
        key_parts[k].add(m["partition"])
        pos = (version, idx)
        if k in key_last and pos <= key_last[k]:
            res["reordered"] += 1
            problems["reordered"].append(f"key {m['key']!r} on {m['topic']}: id {i} (version {version}, row {idx}) "
                                         f"delivered after (version, row) {key_last[k]}")
        key_last[k] = max(pos, key_last.get(k, pos))

    res["committed_events"] = len(ledger)
    res["delivered_events"] = len(first)
    lost = [i for i in ledger if i not in first]
    res["lost"] = len(lost)
    for i in lost[:20]:
        r = ledger[i]
        problems["lost"].append(f"id {i} (txn {r[1]}, key {r[2]!r}, topic {r[5]})")
    split = [k for k, ps in key_parts.items() if len(ps) > 1]
    res["split_keys"] = len(split)
    for k in split[:20]:
        problems["split_keys"].append(f"key {k[1]!r} on {k[0]} in partitions {sorted(key_parts[k])}")
    res["duplicates"] = sum(n - 1 for n in copies.values())
    if exactly_once_of(camp) and res["duplicates"]:
        # Exactly once: a read-committed consumer sees every committed row once, whatever happened.
        res["duplicates_exactly_once"] = res["duplicates"]
        for i, n in list((i, n) for i, n in copies.items() if n > 1)[:20]:
            problems["duplicates_exactly_once"].append(f"id {i} read {n} times with isolation.level=read_committed")

    # Duplicates: each repeated copy must be part of the replay after a restart of tor (a SIGKILL,
    # an exit of its own, or a clean stop, which must repeat nothing): a message after the
    # checkpoint it had saved that had been delivered before the restart. A restart's replay can
    # reach Kafka after the next fault began, so copies are matched to restarts by GTID, not time.
    restarts = []
    for fi, f in enumerate(faults):
        if f["kind"] in ("tor_kill", "tor_term", "failover") and "detail" in f:
            restarts.append({"t": f["start"], "fault": fi, "kind": f["kind"], "cp": f["detail"].get("checkpoint")})
    for e in camp.exits():
        restarts.append({"t": e["time"], "fault": e["fault"], "kind": f"exit {e['code']}", "cp": e["checkpoint"]})
    # With --ha every takeover resumes from the checkpoint, as a restart does. Its replay counts
    # from the round the new active one was last seen a standby; what the old one had delivered
    # counts until the fault in progress ended (a paused active one that wakes may still deliver
    # what it had handed to its producer before the pause: docs/guarantees.md), plus a margin.
    # A takeover during a clean stop (tor_term hands the lease over) must repeat nothing. The
    # take happened between the new active one's last answer ("t") and the round that saw it
    # ("seen"): when the next fault began in between (a pause of the instance that had just taken
    # the lease, which then loses it), the take may be that fault's doing, not the clean stop's.
    for tk in camp.takeover_events():
        fi = fault_of(tk["t"])
        f = faults[fi] if fi >= 0 else None
        until = max(tk["seen"], (f.get("end") or tk["seen"]) if f else tk["seen"]) + 2.0
        clean = (f is not None and f["kind"] == "tor_term" and tk["t"] <= (f.get("end") or tk["seen"]) + 1.0
                 and fault_of(tk["seen"]) == fi)
        restarts.append({"t": tk["t"], "fault": fi, "kind": "tor_term" if clean else "takeover",
                         "cp": tk["checkpoint"], "until": until, "instance": tk["instance"]})
    restarts.sort(key=lambda r: r["t"])
    seq_ts = sorted((m["ts"], gtid_seq(m["gtid"]) or 0) for m in first.values())
    ts_list = [t for t, _ in seq_ts]
    prefix_max, top = [], 0
    for _, sq in seq_ts:
        top = max(top, sq)
        prefix_max.append(top)
    for r in restarts:
        r["floor"] = gtid_seq(r["cp"].get("gtid_set")) if isinstance(r["cp"], dict) else None
        r.setdefault("until", r["t"] + 1.0)  # + requests in flight at the moment it stopped
        i = bisect.bisect_right(ts_list, r["until"])
        r["top"] = prefix_max[i - 1] if i else 0
        r["dups"] = []

    def label(fi):
        return f"fault #{fi} {faults[fi]['kind']}" if 0 <= fi < len(faults) else "the end of the campaign"

    dup_kind = collections.Counter()
    for m in dup_copies:
        sq = gtid_seq(m["gtid"]) or 0
        owner = next((r for r in reversed(restarts)
                      if r["t"] <= m["ts"] and (r["floor"] is None or r["floor"] < sq) and sq <= r["top"]), None)
        if owner is not None:
            owner["dups"].append(m)
            continue
        where = f"id {m['id']} gtid {m['gtid']} at {m['topic']}/{m['partition']}@{m['offset']}, appended during {label(fault_of(m['ts']))}"
        dup_kind[faults[fault_of(m["ts"])]["kind"] if fault_of(m["ts"]) >= 0 else "-"] += 1
        if any(r["t"] <= m["ts"] and r["floor"] is not None and sq <= r["floor"] for r in restarts):
            res["duplicates_over_bound"] += 1
            problems["duplicates_over_bound"].append(f"from before every saved checkpoint: {where}")
        else:
            res["unexplained_duplicates"] += 1
            problems["unexplained_duplicates"].append(f"not the replay of any restart of tor: {where}")
    per_restart = []
    for r in restarts:
        dups = r["dups"]
        if not dups:
            continue
        fi = r["fault"]
        name = (f"{label(fi)}" if not r["kind"].startswith("exit") else f"tor's {r['kind']} during {label(fi)}")
        if "instance" in r:
            name = f"the takeover by {r['instance']} during {label(fi)}"
        dup_kind[faults[fi]["kind"] if 0 <= fi < len(faults) else "-"] += len(dups)
        per_restart.append(len(dups))
        if r["kind"] == "tor_term":
            # docs/guarantees.md: after a clean stop the next start publishes nothing twice.
            res["duplicates_after_clean_stop"] += len(dups)
            problems["duplicates_after_clean_stop"].append(
                f"{len(dups)} duplicates after {name} (SIGTERM, exit code {faults[fi]['detail'].get('exit_code')}, "
                f"saved checkpoint GTID seq {r['floor']}): first id {dups[0]['id']} gtid {dups[0]['gtid']}")
            continue
        if r["floor"] is None:
            problems["notes"].append(f"{name}: checkpoint unknown ({r['cp']}); bound not checked")
            continue
        # At most what was delivered after that checkpoint before the restart.
        allowed = sum(1 for m in first.values() if m["ts"] <= r["until"] and (gtid_seq(m["gtid"]) or 0) > r["floor"])
        distinct = len({m["id"] for m in dups})
        if distinct > allowed:
            res["duplicates_over_bound"] += distinct - allowed
            problems["duplicates_over_bound"].append(
                f"{name}: {distinct} events repeated, but only {allowed} were delivered after its checkpoint")
    res["largest_duplicate_burst"] = max(per_restart, default=0)
    res["takeovers"] = sum(1 for r in restarts if "instance" in r)
    return res, problems, dup_kind


def table(camp, res, dup_kind, aborted, stop_code):
    faults = camp.faults
    by_kind = collections.defaultdict(list)
    for f in faults:
        by_kind[f["kind"]].append(f)
    exits = collections.Counter(faults[e["fault"]]["kind"] if 0 <= e["fault"] < len(faults) else "-"
                                for e in camp.exits())
    lines = ["| fault | injected | resume median (s) | resume max (s) | published during it: probes, median latency (s) "
             "| duplicates after it | tor exits |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    # Every kind the campaign injected (all of FAULT_KINDS in a full campaign, fewer with --only).
    for k in [k for k in ALL_KINDS if k in by_kind] or FAULT_KINDS:
        fs = by_kind.get(k, [])
        rs = [f["resume"] for f in fs if f.get("resume") is not None]
        med = f"{statistics.median(rs):.2f}" if rs else "-"
        mx = f"{max(rs):.2f}" if rs else "-"
        during = [(f.get("detail") or {}).get("probe_during_s", "n/a") for f in fs]
        if fs and all(d != "n/a" for d in during):
            got = [d for d in during if d is not None]
            dur = f"{len(got)}/{len(during)}" + (f", {statistics.median(got):.2f}" if got else "")
        else:
            dur = "-"
        lines.append(f"| {k} | {len(fs)} | {med} | {mx} | {dur} | {dup_kind.get(k, 0)} | {exits.get(k, 0)} |")
    lines.append(f"| **all** | {len(faults)} | | | | {sum(dup_kind.values())} | {len(camp.exits())} |")
    lines.append("")
    c = camp.ledger.counts
    inv = [("events committed (ledger)", res["committed_events"]),
           ("events delivered (distinct)", res["delivered_events"]),
           ("messages read", res["delivered_messages"]),
           ("**lost**", res["lost"]), ("**forbidden** (rolled back / non-outbox)", res["forbidden"]),
           ("**corrupted** (not byte-exact)", res["corrupted"]), ("**keys split** over partitions", res["split_keys"]),
           ("**reordered** (a key's first deliveries)", res["reordered"]),
           ("duplicates" + (" (**must be 0**: exactly once, read committed)" if exactly_once_of(camp)
                             else ""), res["duplicates"]),
           ("**duplicates over the bound**", res["duplicates_over_bound"]),
           ("**duplicates without a crash**", res["unexplained_duplicates"]),
           ("**duplicates after a clean stop**", res["duplicates_after_clean_stop"]),
           ("largest duplicate burst after one fault", res["largest_duplicate_burst"])]
    if camp.takeover_events():
        inv.append(("takes of the lease after the first (failovers, hand-overs, re-takes)", res["takeovers"]))
    lines += ["| measure | value |", "|---|---:|"] + [f"| {a} | {b} |" for a, b in inv]
    lines.append("")
    traffic = ", ".join(f"{k} {v}" for k, v in sorted(c.items()) if not k.startswith("forbidden_"))
    forb = ", ".join(f"{k[len('forbidden_'):]} {v}" for k, v in sorted(c.items()) if k.startswith("forbidden_"))
    lines.append(f"Traffic: {traffic}. Rows written that must never be published: {forb}.")
    lines.append(f"Campaign {camp.duration:.0f} s, seed {camp.seed}; tor restarts after it exited on its own: "
                 f"{len(camp.exits())}; final SIGTERM exit code: {stop_code}"
                 + ("; stopped early (time budget or asked to)" if camp.stopped_early else "")
                 + (f"; ABORTED: {aborted}" if aborted else "") + ".")
    return "\n".join(lines)


def recheck(args):
    """The checker alone, on the kept data of an earlier campaign."""
    import types
    r = json.load(open(args.recheck))
    tag = args.tag or r.get("tag")
    if not tag:
        sys.exit("chaos: --recheck needs --tag (the campaign's work dir is chaos-TAG)")
    camp = types.SimpleNamespace(
        env=Env(args), db=f"chaos_{tag}", topics={t: f"chaos.{tag}.{t}" for t in ("orders", "customers", "other", "probe")},
        faults=r["faults"], exits=lambda: r["exits"], takeover_events=lambda: r.get("takeovers", []),
        args=types.SimpleNamespace(exactly_once=r.get("exactly_once", False)),
        ledger=types.SimpleNamespace(forbidden={}, counts=collections.Counter(r.get("counts", {}))),
        duration=r.get("duration", float("nan")), seed=r.get("seed"), stopped_early=r.get("stopped_early", False))
    res, problems, dup_kind = check(camp)
    print(table(camp, res, dup_kind, r.get("aborted"), "(not stopped by the recheck)"))
    for kind, items in problems.items():
        print(f"\n{kind}:")
        for it in items[:20]:
            print(f"  {it}")
    bad = [k for k in ("lost", "forbidden", "corrupted", "split_keys", "reordered", "duplicates_over_bound",
                       "unexplained_duplicates", "duplicates_after_clean_stop") if res[k]]
    print("\nchaos recheck: " + ("FAILED: " + ", ".join(bad) if bad else "all invariants held"))
    sys.exit(1 if bad else 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", choices=sorted(PROFILES), default="short")
    ap.add_argument("--per-kind", type=int, help="faults of each kind (overrides the profile)")
    ap.add_argument("--skip", action="append", default=[], choices=FAULT_KINDS, help="leave out a kind")
    ap.add_argument("--extra", action="append", default=[], choices=EXTRA_KINDS, help="add an opt-in kind")
    ap.add_argument("--only", action="append", default=[], choices=FAULT_KINDS + HA_KINDS,
                    help="inject only this kind (repeat for several; --extra kinds are added)")
    ap.add_argument("--ha", action="store_true",
                    help="run two tor processes as a hot-standby pair (ha.enabled, lease TTL "
                         f"{HA_LEASE_TTL_S} s): the tor faults aim at the active one, and the kind "
                         "'failover' joins (TOR_CHAOS_PORT_BASE then needs 7 free ports)")
    ap.add_argument("--exactly-once", action="store_true",
                    help="run tor with kafka.exactly_once (Kafka transactions); the checker reads with "
                         "isolation.level=read_committed and allows no duplicate at all")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--repo", default=os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
    ap.add_argument("--tor-bin", default=os.environ.get("TOR_BIN"))
    ap.add_argument("--toxiproxy", default=os.environ.get("TOR_TOXIPROXY_BIN"))
    ap.add_argument("--port-base", type=int, default=int(os.environ.get("TOR_CHAOS_PORT_BASE", "47400")))
    ap.add_argument("--workdir")
    ap.add_argument("--resume-timeout", type=float, default=120)
    ap.add_argument("--max-seconds", type=float, help="stop injecting after this long, then check (SIGTERM does the same)")
    ap.add_argument("--result", help="write the table (markdown) and the result (JSON) next to this path")
    ap.add_argument("--keep", action="store_true", help="keep the database, topics and Redis key")
    ap.add_argument("--recheck", metavar="RESULT_JSON",
                    help="check again a campaign whose data was kept (a failed one, or --keep): its topics, "
                         "ledger and the fault log in RESULT_JSON")
    ap.add_argument("--tag", help="with --recheck: the campaign's tag (its work dir is chaos-TAG)")
    args = ap.parse_args()
    if args.recheck:
        return recheck(args)
    for need, what in ((args.tor_bin, "--tor-bin / TOR_BIN"), (args.toxiproxy, "--toxiproxy / TOR_TOXIPROXY_BIN")):
        if not need or not os.access(need, os.X_OK):
            sys.exit(f"chaos: {what} does not name an executable")
    if "failover" in args.only and not args.ha:
        sys.exit("chaos: the kind 'failover' needs --ha (a hot-standby pair)")
    camp = Campaign(args)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: STOP_REQUESTED.set())
    aborted, stop_code = None, None
    try:
        aborted = camp.run()
    except Fail as e:
        aborted = str(e)
        log(f"campaign failed: {e}")
    finally:
        if hasattr(camp, "stop_writers"):
            camp.stop_writers.set()
        if camp.tors:
            stop_code = camp.finish()
        else:
            camp.env.stop_toxiproxy()
    ok = aborted is None
    if hasattr(camp, "probes"):
        res, problems, dup_kind = check(camp)
        out = table(camp, res, dup_kind, aborted, stop_code)
        print(out)
        for kind, items in problems.items():
            print(f"\n{kind}:")
            for it in items[:20]:
                print(f"  {it}")
        for k in ("lost", "forbidden", "corrupted", "split_keys", "reordered", "duplicates_over_bound",
                  "unexplained_duplicates", "duplicates_after_clean_stop", "duplicates_exactly_once"):
            if res[k]:
                ok = False
        if camp.writer_errors:
            ok = False
            print("\nwriter errors:\n" + "\n".join(camp.writer_errors))
        if stop_code != 0:
            ok = False
            print(f"\ntor exited with {stop_code} after the final SIGTERM (expected 0)")
        if args.result:
            with open(args.result + ".md", "w") as f:
                f.write(out + "\n")
            with open(args.result + ".json", "w") as f:
                json.dump({"result": dict(res), "faults": camp.faults, "exits": camp.exits(),
                           "takeovers": camp.takeover_events(), "ha": args.ha, "tag": camp.tag,
                           "exactly_once": args.exactly_once,
                           "duration": camp.duration, "stopped_early": camp.stopped_early,
                           "counts": dict(camp.ledger.counts), "problems": problems, "seed": camp.seed,
                           "profile": args.profile, "aborted": aborted}, f, default=str, indent=1)
    if ok and not args.keep:
        camp.cleanup()
    if not ok:
        names = [t.name for t in camp.tors] or ["tor"]
        print(f"\nFAILED{': ' + aborted if aborted else ''} (work dir {camp.workdir}: "
              + ", ".join(f"{n}.log, {n}.yaml" for n in names) + ")")
        for n in names:
            try:
                with open(f"{camp.workdir}/{n}.log", "rb") as f:
                    tail = f.read().decode(errors="replace").splitlines()[-40:]
                print(f"----- last 40 lines of {n}.log -----\n" + "\n".join(tail))
            except FileNotFoundError:
                pass
    else:
        print("\nchaos: all invariants held")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

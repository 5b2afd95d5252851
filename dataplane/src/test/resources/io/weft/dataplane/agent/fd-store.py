# An emulated systemd service manager for one service, as far as its file-descriptor store goes (a test tool).
#   python3 fd-store.py NOTIFY_SOCKET NOTIFY_LOG AGENT_LOG COMMAND...
# Binds the notify socket (a datagram socket, like systemd's), logs every notification on one line, keeps the
# descriptors sent with FDSTORE=1 under their FDNAME (FDSTOREREMOVE=1 drops one), and reads commands on stdin:
#   start    starts COMMAND with the stored descriptors as fds 3.. and LISTEN_FDS, LISTEN_FDNAMES, LISTEN_PID
#   restart  SIGTERM to the running COMMAND, waits for its exit, then start (what 'systemctl restart' does)
#   kill     SIGKILL to it and waits
#   stop     SIGTERM, wait, and exit
# The COMMAND's pid is printed on stdout after each start ("started PID"), its exit status after each stop.
import array
import os
import signal
import socket
import sys
import threading

sock_path, notify_log, agent_log = sys.argv[1], sys.argv[2], sys.argv[3]
command = sys.argv[4:]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sock_path)
store = {}
lock = threading.Lock()
log = open(notify_log, 'a', buffering=1)


def receive():
    while True:
        msg, ancillary, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(253 * 4))
        fds = []
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                a = array.array('i')
                a.frombytes(data[:len(data) - len(data) % a.itemsize])
                fds.extend(a)
        text = msg.decode()
        fields = dict(line.split('=', 1) for line in text.split('\n') if '=' in line)
        with lock:
            name = fields.get('FDNAME', 'stored')
            if fields.get('FDSTOREREMOVE') == '1' and name in store:
                os.close(store.pop(name))
            if fields.get('FDSTORE') == '1' and fds:
                if name in store:
                    os.close(store.pop(name))
                store[name] = fds.pop(0)
            for extra in fds:
                os.close(extra)
        log.write(text.replace('\n', '|') + '\n')


def start():
    with lock:
        names = sorted(store)
        fds = [store[n] for n in names]
    out = os.open(agent_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(out, 1)
            os.dup2(out, 2)
            for i, fd in enumerate(fds):
                os.dup2(fd, 500 + i, inheritable=False)
            for i in range(len(fds)):
                os.dup2(500 + i, 3 + i, inheritable=True)
            os.closerange(3 + len(fds), 1024)
            env = dict(os.environ, NOTIFY_SOCKET=sock_path)
            if fds:
                env.update(LISTEN_FDS=str(len(fds)), LISTEN_FDNAMES=':'.join(names), LISTEN_PID=str(os.getpid()))
            os.execvpe(command[0], command, env)
        finally:
            os._exit(127)
    os.close(out)
    print('started %d with %d descriptor(s)' % (pid, len(fds)), flush=True)
    return pid


def end(pid, sig):
    os.kill(pid, sig)
    _, status = os.waitpid(pid, 0)
    print('exited %d' % status, flush=True)


threading.Thread(target=receive, daemon=True).start()
child = None
for line in sys.stdin:
    cmd = line.strip()
    if cmd == 'start':
        child = start()
    elif cmd == 'restart':
        end(child, signal.SIGTERM)
        child = start()
    elif cmd == 'kill':
        end(child, signal.SIGKILL)
        child = None
    elif cmd == 'stop':
        if child is not None:
            end(child, signal.SIGTERM)
        break

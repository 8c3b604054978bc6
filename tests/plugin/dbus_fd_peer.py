"""Two ends of a D-Bus call that passes file descriptors, through GLib's
GDBus (the library most D-Bus programs use), on the session bus given by
DBUS_SESSION_BUS_ADDRESS. The live test (test_live_protocols.py) runs the
service and the client under dbus-run-session and checks what the capture
shows: the call's UNIX_FDS linked to the SCM_RIGHTS descriptors that came
with it, on both hops (client to bus, bus to service).

  dbus_fd_peer.py service          own NAME, answer Describe(h, h) until Quit()
  dbus_fd_peer.py client FILE      call Describe with FILE and a socket end
  dbus_fd_peer.py both FILE        the service, and once it is ready the client
"""

import os
import socket
import subprocess
import sys

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

NAME = "org.udsdump.FdTest"
PATH = "/org/udsdump/FdTest"
XML = """<node><interface name="%s">
  <method name="Describe"><arg type="h" direction="in"/><arg type="h" direction="in"/>
    <arg type="s" direction="out"/></method>
  <method name="Quit"/>
</interface></node>""" % NAME


def describe(fd):
    """What the descriptor the service received is, as /proc names it."""
    return os.readlink("/proc/self/fd/%d" % fd)


def on_call(conn, sender, path, iface, method, params, invocation, loop):
    if method == "Quit":
        invocation.return_value(None)
        GLib.idle_add(loop.quit)
        return
    fds = invocation.get_message().get_unix_fd_list().steal_fds()
    text = " ".join(describe(fds[i]) for i in params.unpack())
    for fd in fds:
        os.close(fd)
    invocation.return_value(GLib.Variant("(s)", (text,)))


def service():
    loop = GLib.MainLoop()
    info = Gio.DBusNodeInfo.new_for_xml(XML).interfaces[0]

    def on_bus(conn, name):
        conn.register_object(PATH, info, lambda *a: on_call(*a, loop), None, None)
    Gio.bus_own_name(Gio.BusType.SESSION, NAME, Gio.BusNameOwnerFlags.NONE,
                     on_bus, lambda *a: print("ready", flush=True), lambda *a: loop.quit())
    loop.run()


def client(path):
    conn = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    a, b = socket.socketpair()
    fds = Gio.UnixFDList()
    with open(path) as f:
        fds.append(f.fileno())
        fds.append(a.fileno())
    reply, _ = conn.call_with_unix_fd_list_sync(
        NAME, PATH, NAME, "Describe", GLib.Variant("(hh)", (0, 1)), GLib.VariantType("(s)"),
        Gio.DBusCallFlags.NONE, 10000, fds, None)
    print(reply.unpack()[0], flush=True)
    conn.call_sync(NAME, PATH, NAME, "Quit", None, None, Gio.DBusCallFlags.NONE, 10000, None)
    a.close()
    b.close()


def both(path):
    svc = subprocess.Popen([sys.executable, __file__, "service"], stdout=subprocess.PIPE, text=True)
    try:
        assert svc.stdout.readline().strip() == "ready", "the service did not start"
        client(path)
    finally:
        svc.wait(timeout=30)


if __name__ == "__main__":
    {"service": lambda: service(), "client": lambda: client(sys.argv[2]),
     "both": lambda: both(sys.argv[2])}[sys.argv[1]]()

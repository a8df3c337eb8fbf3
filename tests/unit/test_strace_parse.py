"""The privacy test's strace reader catches what it must (else that test proves nothing)."""

from __future__ import annotations

from tests.integration.test_privacy import non_local, parse_strace

TRACE = """\
10 execve("/opt/llama/llama-cli", ["llama-cli", "-m", "x.gguf"], 0x7ffd /* 9 vars */) = 0
10 execve("/usr/local/bin/missing", ["missing"], 0x7ffd /* 9 vars */) = -1 ENOENT (No such file)
10 connect(3, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT (No such file)
10 connect(4, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.0.0.1")}, 16) = 0
11 connect(5, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), \
inet_pton(AF_INET6, "2606:4700::1", &sin6_addr), sin6_scope_id=0}, 28 <unfinished ...>
11 <... connect resumed>) = -1 ENETUNREACH (Network is unreachable)
12 connect(6, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16) = 0
12 connect(6, {sa_family=AF_UNSPEC, sa_data="\\0\\0\\0\\0"}, 16) = 0
13 bind(3, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("0.0.0.0")}, 16) = 0
14 bind(4, {sa_family=AF_INET, sin_port=htons(5000), sin_addr=inet_addr("127.0.0.1")}, 16) = 0
14 listen(4, 512) = 0
15 bind(7, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("0.0.0.0")}, 16) = 0
15 listen(7, 5) = 0
"""


def test_parser_flags_remote_connects_even_unfinished_and_wildcard_listeners():
    connects, execs, exposed = parse_strace(TRACE)
    assert execs == ["/opt/llama/llama-cli"]  # failed execs are not "ran"
    assert non_local(connects) == [("AF_INET6", "2606:4700::1", 443),
                                   ("AF_INET", "10.255.255.53", 53)]  # DNS leaves too
    assert ("AF_INET", "127.0.0.1", 8080) in connects
    assert exposed == [("0.0.0.0", 0)]  # pid 15 listens on all interfaces; 13 only probed

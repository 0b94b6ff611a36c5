// One public listening socket per pool process, all on the same port with SO_REUSEPORT: the
// kernel spreads new connections over them by a hash of the client's address and port. With one
// shared socket, whichever process happened to be awake took every connection of a burst, and
// keep-alive clients then stayed on it: under load one process of two often served everything
// (docs/benchmarks.md, "Process pool"). Node 20 cannot set SO_REUSEPORT (`reusePort` came in
// Node 22.12), so a few lines of Perl (perl-base is an essential package on Debian and Ubuntu)
// open the sockets and exec the pool supervisor with them. Without Perl, the pool shares one
// socket as before.
import { spawnSync } from "node:child_process";

/** The environment variable that tells the supervisor which fds are the public sockets. */
export const PUBLIC_FDS_VARIABLE = "OUTPOST_PUBLIC_FDS";

// Arguments: host, port, count, then the command to exec. Each socket is kept open across exec.
const OPEN_AND_EXEC = String.raw`
use strict; use Socket qw(:addrinfo SOCK_STREAM SOL_SOCKET SO_REUSEADDR SO_REUSEPORT); use Fcntl;
my ($host, $port, $count, @command) = @ARGV;
my ($error, $address) = getaddrinfo($host, $port, { socktype => SOCK_STREAM, flags => AI_PASSIVE | AI_NUMERICHOST });
die "ERR_LISTEN: cannot listen on $host:$port: $error\n" if $error;
my @sockets;
for (1 .. $count) {
  socket(my $socket, $address->{family}, SOCK_STREAM, 0) or die "ERR_LISTEN: socket: $!\n";
  setsockopt($socket, SOL_SOCKET, SO_REUSEADDR, 1) and setsockopt($socket, SOL_SOCKET, SO_REUSEPORT, 1) or die "ERR_LISTEN: SO_REUSEPORT: $!\n";
  bind($socket, $address->{addr}) or die "ERR_LISTEN: cannot listen on $host:$port: $!\n";
  listen($socket, 511) or die "ERR_LISTEN: listen: $!\n";
  fcntl($socket, F_SETFD, 0) or die "ERR_LISTEN: fcntl: $!\n";
  push @sockets, $socket;
}
$ENV{${PUBLIC_FDS_VARIABLE}} = join(",", map { fileno($_) } @sockets);
exec { $command[0] } @command or die "exec $command[0]: $!\n";
`;

/** @returns {boolean} whether Perl with SO_REUSEPORT is there */
export function canReusePort() {
  const probe = spawnSync("perl", ["-MSocket=SO_REUSEPORT", "-e", "SO_REUSEPORT()"], { stdio: "ignore" });
  return probe.status === 0;
}

/**
 * The command line that opens `count` public sockets on `host:port` and then runs `command`.
 * @param {string} host
 * @param {number} port
 * @param {number} count
 * @param {string[]} command
 * @returns {[string, string[]]}
 */
export function reusePortCommand(host, port, count, command) {
  return ["perl", ["-e", OPEN_AND_EXEC, host, String(port), String(count), ...command]];
}

/**
 * Where the supervisor holds its sockets: with the Perl wrapper, the admin socket is fd 3 and the
 * public ones are listed in the environment; else the shared public socket is fd 3, admin fd 4.
 * @param {NodeJS.ProcessEnv} env
 * @returns {{ publicFd: (slot: number) => number, adminFd: number }}
 */
export function supervisorFds(env) {
  const listed = env[PUBLIC_FDS_VARIABLE]?.split(",").map(Number);
  if (!listed) return { publicFd: () => 3, adminFd: 4 };
  return {
    publicFd: (slot) => {
      const fd = listed[slot];
      if (fd === undefined) throw new Error(`no public socket for process ${slot} (${PUBLIC_FDS_VARIABLE}=${listed.join(",")})`);
      return fd;
    },
    adminFd: 3,
  };
}

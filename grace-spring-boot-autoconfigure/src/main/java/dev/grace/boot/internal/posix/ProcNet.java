package dev.grace.boot.internal.posix;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import dev.grace.boot.internal.ListeningSocket;

/**
 * Reads what the kernel says about this process's sockets from {@code /proc}: which
 * descriptor is which socket, and which sockets are listening where. This needs no JVM
 * flag, unlike asking the JDK for a channel's descriptor number.
 */
public final class ProcNet {

	private static final String LISTEN = "0A";

	private static final Path FD_DIR = Path.of("/proc/self/fd");

	private ProcNet() {
	}

	/**
	 * Describes {@code fd} as a listening TCP socket.
	 * @param fd a descriptor of this process
	 * @return the socket
	 * @throws InvalidListenFdsException naming the descriptor when it is not open, not a
	 * socket, not TCP or not listening
	 */
	public static ListeningSocket listeningSocket(int fd) {
		String target;
		try {
			target = Files.readSymbolicLink(FD_DIR.resolve(Integer.toString(fd))).toString();
		}
		catch (NoSuchFileException ex) {
			throw new InvalidListenFdsException("inherited fd " + fd + " is not open");
		}
		catch (IOException ex) {
			throw new InvalidListenFdsException("inherited fd " + fd + " cannot be inspected: " + ex.getMessage());
		}
		long inode = socketInode(target);
		if (inode < 0) {
			throw new InvalidListenFdsException("inherited fd " + fd + " is not a socket (it is " + target + ")");
		}
		Entry entry = tcpSockets(Set.of(inode)).get(inode);
		if (entry == null) {
			throw new InvalidListenFdsException("inherited fd " + fd + " is not a TCP socket (" + target + ")");
		}
		if (!LISTEN.equals(entry.state)) {
			throw new InvalidListenFdsException("inherited fd " + fd + " is a TCP socket that is not listening");
		}
		return new ListeningSocket(fd, entry.address, inode);
	}

	/**
	 * Finds the descriptor of the listening socket bound to {@code bound}.
	 * @param bound the bound address as the channel reports it
	 * @return the socket, empty if none is found
	 */
	public static Optional<ListeningSocket> findListening(InetSocketAddress bound) {
		Map<Integer, Long> fds = socketFds();
		Map<Long, Entry> sockets = tcpSockets(new HashSet<>(fds.values()));
		// lowest descriptor first: a restart being spawned holds higher copies for a moment
		for (Map.Entry<Integer, Long> fd : fds.entrySet()) {
			Entry entry = sockets.get(fd.getValue());
			if (entry != null && LISTEN.equals(entry.state) && entry.address.getPort() == bound.getPort()
					&& ListeningSocket.sameAddress(bound.getAddress(), entry.address.getAddress())) {
				return Optional.of(new ListeningSocket(fd.getKey(), entry.address, fd.getValue()));
			}
		}
		return Optional.empty();
	}

	/**
	 * Lists this process's open descriptors.
	 * @return the descriptor numbers
	 */
	public static List<Integer> openFds() {
		List<Integer> listed;
		try (Stream<Path> fds = Files.list(FD_DIR)) {
			listed = fds.map((path) -> path.getFileName().toString())
				.filter((name) -> name.chars().allMatch(Character::isDigit))
				.map(Integer::valueOf)
				.toList();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot list " + FD_DIR, ex);
		}
		// drops the descriptor the listing itself used, closed by now
		return listed.stream().filter((fd) -> Files.isSymbolicLink(FD_DIR.resolve(fd.toString()))).sorted().toList();
	}

	private static Map<Integer, Long> socketFds() {
		Map<Integer, Long> result = new TreeMap<>();
		for (int fd : openFds()) {
			try {
				long inode = socketInode(Files.readSymbolicLink(FD_DIR.resolve(Integer.toString(fd))).toString());
				if (inode >= 0) {
					result.put(fd, inode);
				}
			}
			catch (IOException ex) {
				// closed while we looked: not ours to report
			}
		}
		return result;
	}

	private static long socketInode(String linkTarget) {
		if (linkTarget.startsWith("socket:[") && linkTarget.endsWith("]")) {
			return Long.parseLong(linkTarget.substring(8, linkTarget.length() - 1));
		}
		return -1;
	}

	// Only the sockets asked for are parsed: a busy machine lists tens of thousands of
	// connections (TIME_WAIT), and parsing them all took seconds on the restart's path.
	private static Map<Long, Entry> tcpSockets(Set<Long> inodes) {
		Map<Long, Entry> result = new HashMap<>();
		read(Path.of("/proc/self/net/tcp"), inodes, result);
		read(Path.of("/proc/self/net/tcp6"), inodes, result);
		return result;
	}

	private static void read(Path table, Set<Long> inodes, Map<Long, Entry> into) {
		List<String> lines;
		try {
			lines = Files.readAllLines(table);
		}
		catch (IOException ex) {
			return; // no IPv6 in this kernel, for example
		}
		String[] cols = new String[10];
		for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
			if (!fields(line, cols)) {
				continue;
			}
			long inode = parseInode(cols[9]);
			if (inodes.contains(inode)) {
				into.put(inode, new Entry(parseAddress(cols[1]), cols[3]));
			}
		}
	}

	// the first cols.length fields separated by spaces, without a regular expression
	static boolean fields(String line, String[] cols) {
		int i = 0;
		int n = line.length();
		for (int field = 0; field < cols.length; field++) {
			while (i < n && line.charAt(i) == ' ') {
				i++;
			}
			int start = i;
			while (i < n && line.charAt(i) != ' ') {
				i++;
			}
			if (start == i) {
				return false;
			}
			cols[field] = line.substring(start, i);
		}
		return true;
	}

	private static long parseInode(String value) {
		try {
			return Long.parseLong(value);
		}
		catch (NumberFormatException ex) {
			return -1;
		}
	}

	// The kernel prints each 32-bit word of the address in host byte order.
	static InetSocketAddress parseAddress(String hex) {
		int colon = hex.indexOf(':');
		String host = hex.substring(0, colon);
		int port = Integer.parseInt(hex.substring(colon + 1), 16);
		ByteBuffer bytes = ByteBuffer.allocate(host.length() / 2).order(ByteOrder.nativeOrder());
		for (int i = 0; i < host.length(); i += 8) {
			bytes.putInt((int) Long.parseLong(host.substring(i, i + 8), 16));
		}
		return new InetSocketAddress(ListeningSocket.normalize(toAddress(bytes.array())), port);
	}

	private static InetAddress toAddress(byte[] bytes) {
		try {
			return InetAddress.getByAddress(bytes);
		}
		catch (UnknownHostException ex) {
			throw new IllegalArgumentException(ex);
		}
	}

	private record Entry(InetSocketAddress address, String state) {
	}

}

package dev.grace.boot.internal.posix;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

import dev.grace.boot.internal.ListeningSocket;

/**
 * What the kernel says about this process's descriptors: {@code /proc/self/fd} names
 * each one, and the socket calls ({@code getsockopt}, {@code getsockname}) describe a
 * socket. The machine's connection tables ({@code /proc/net/tcp}) are never read: a busy
 * machine lists tens of thousands of connections there (TIME_WAIT), and reading them
 * made every new process of a busy server start slower. This needs no JVM flag, unlike
 * asking the JDK for a channel's descriptor number.
 */
public final class ProcNet {

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
		Sockets sockets = Sockets.get();
		if (!sockets.isTcp(fd)) {
			throw new InvalidListenFdsException("inherited fd " + fd + " is not a TCP socket (" + target + ")");
		}
		if (!sockets.isListening(fd)) {
			throw new InvalidListenFdsException("inherited fd " + fd + " is a TCP socket that is not listening");
		}
		InetSocketAddress address = sockets.localAddress(fd);
		if (address == null) {
			throw new InvalidListenFdsException("inherited fd " + fd + " is a listening TCP socket whose address "
					+ "cannot be read");
		}
		return new ListeningSocket(fd, address, inode);
	}

	/**
	 * Finds the descriptor of the listening socket bound to {@code bound}.
	 * @param bound the bound address as the channel reports it
	 * @return the socket, empty if none is found
	 */
	public static Optional<ListeningSocket> findListening(InetSocketAddress bound) {
		Sockets sockets = Sockets.get();
		// lowest descriptor first: a restart being spawned holds higher copies for a moment
		for (Map.Entry<Integer, Long> fd : socketFds().entrySet()) {
			int number = fd.getKey();
			if (!sockets.isTcp(number) || !sockets.isListening(number)) {
				continue;
			}
			InetSocketAddress address = sockets.localAddress(number);
			if (address != null && address.getPort() == bound.getPort()
					&& ListeningSocket.sameAddress(bound.getAddress(), address.getAddress())) {
				return Optional.of(new ListeningSocket(number, address, fd.getValue()));
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

}

package dev.grace.boot.handover;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * A listening TCP socket as the kernel lists it: its descriptor in this process, the
 * address it is bound to and its inode.
 *
 * @param fd descriptor number in this process
 * @param address bound address (an IPv4-mapped IPv6 address is given as IPv4)
 * @param inode the socket's inode
 */
public record ListeningSocket(int fd, InetSocketAddress address, long inode) {

	/**
	 * Whether a listener configured with {@code host} (null for all interfaces) and
	 * {@code port} is this socket.
	 * @param host the configured address or null
	 * @param port the configured port
	 * @return true if they match
	 */
	public boolean matches(InetAddress host, int port) {
		if (port != this.address.getPort()) {
			return false;
		}
		InetAddress bound = this.address.getAddress();
		if (host == null || host.isAnyLocalAddress()) {
			return bound.isAnyLocalAddress();
		}
		return ProcNet.normalize(host).equals(bound);
	}

	@Override
	public String toString() {
		return "fd " + this.fd + " (" + this.address.getAddress().getHostAddress() + ":" + this.address.getPort() + ")";
	}

}

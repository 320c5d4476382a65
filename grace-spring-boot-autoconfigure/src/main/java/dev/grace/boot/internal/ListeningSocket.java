package dev.grace.boot.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

import org.jspecify.annotations.Nullable;

/**
 * A listening TCP socket as the kernel lists it: its descriptor in this process, the
 * address it is bound to and its inode.
 *
 * @param fd descriptor number in this process
 * @param address bound address (an IPv4-mapped IPv6 address is given as IPv4; a
 * dual-stack wildcard stays {@code ::})
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
	public boolean matches(@Nullable InetAddress host, int port) {
		if (port != this.address.getPort()) {
			return false;
		}
		return sameAddress(host, this.address.getAddress());
	}

	/**
	 * Whether two addresses name the same binding: any wildcard matches any wildcard
	 * (the JDK may report {@code 0.0.0.0} for a socket the kernel lists as {@code ::}).
	 * @param configured an address, null for all interfaces
	 * @param bound the bound address
	 * @return true if they are the same
	 */
	public static boolean sameAddress(@Nullable InetAddress configured,
			InetAddress bound) {
		if (configured == null || configured.isAnyLocalAddress()) {
			return bound.isAnyLocalAddress();
		}
		return normalize(configured).equals(normalize(bound));
	}

	/**
	 * Gives an IPv4-mapped IPv6 address ({@code ::ffff:127.0.0.1}) as IPv4, every other
	 * address as it is.
	 * @param address the address
	 * @return the normalized address
	 */
	public static InetAddress normalize(InetAddress address) {
		if (address instanceof Inet6Address v6) {
			byte[] b = v6.getAddress();
			boolean mapped = true;
			for (int i = 0; i < 10; i++) {
				mapped &= b[i] == 0;
			}
			mapped &= (b[10] == (byte) 0xff) && (b[11] == (byte) 0xff);
			if (mapped) {
				try {
					return InetAddress.getByAddress(new byte[] { b[12], b[13], b[14], b[15] });
				}
				catch (UnknownHostException ex) {
					throw new IllegalArgumentException(ex);
				}
			}
		}
		return address;
	}

	@Override
	public String toString() {
		return "fd " + this.fd + " (" + hostAndPort() + ")";
	}

	/**
	 * The bound address as people write it: {@code 127.0.0.1:8080}, {@code [::]:8080}.
	 * @return the address
	 */
	public String hostAndPort() {
		InetAddress host = this.address.getAddress();
		String text = host.getHostAddress();
		if (host instanceof Inet6Address) {
			text = "[" + (host.isAnyLocalAddress() ? "::" : text) + "]";
		}
		return text + ":" + this.address.getPort();
	}

}

package dev.grace.boot.internal.posix;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Platform;
import jnr.ffi.annotations.Out;
import jnr.ffi.byref.IntByReference;
import org.jspecify.annotations.Nullable;

import dev.grace.boot.internal.ListeningSocket;

/**
 * libc's socket calls that describe one descriptor ({@code getsockopt},
 * {@code getsockname}), bound with jnr-ffi: what a socket is and where it listens, asked
 * of that socket alone.
 */
final class Sockets {

	// Linux's values (asm-generic/socket.h), the same on x86_64 and aarch64
	private static final int SOL_SOCKET = 1;

	private static final int SO_TYPE = 3;

	private static final int SO_ACCEPTCONN = 30;

	private static final int SO_PROTOCOL = 38;

	private static final int SO_DOMAIN = 39;

	private static final int SOCK_STREAM = 1;

	private static final int IPPROTO_TCP = 6;

	private static final int AF_INET = 2;

	private static final int AF_INET6 = 10;

	// sizeof(struct sockaddr_storage)
	private static final int ADDRESS_SIZE = 128;

	private static volatile @Nullable Sockets instance;

	private final Calls calls;

	private Sockets(Calls calls) {
		this.calls = calls;
	}

	/**
	 * The C library's calls, loaded once.
	 * @return the calls
	 */
	static Sockets get() {
		Sockets result = instance;
		if (result == null) {
			synchronized (Sockets.class) {
				result = instance;
				if (result == null) {
					result = new Sockets(LibraryLoader.create(Calls.class)
						.load(Platform.getNativePlatform().getStandardCLibraryName()));
					instance = result;
				}
			}
		}
		return result;
	}

	boolean isTcp(int fd) {
		int domain = option(fd, SO_DOMAIN);
		return (domain == AF_INET || domain == AF_INET6) && option(fd, SO_TYPE) == SOCK_STREAM
				&& option(fd, SO_PROTOCOL) == IPPROTO_TCP;
	}

	boolean isListening(int fd) {
		return option(fd, SO_ACCEPTCONN) == 1;
	}

	/**
	 * The address an IPv4 or IPv6 socket is bound to.
	 * @param fd the socket
	 * @return the address (an IPv4-mapped IPv6 address given as IPv4), null when it
	 * cannot be read
	 */
	@Nullable InetSocketAddress localAddress(int fd) {
		byte[] address = new byte[ADDRESS_SIZE];
		IntByReference length = new IntByReference(ADDRESS_SIZE);
		if (this.calls.getsockname(fd, address, length) != 0) {
			return null;
		}
		return decode(address, length.intValue());
	}

	// struct sockaddr_in / sockaddr_in6: the family in host order (little-endian here),
	// the port and the address in network order
	static @Nullable InetSocketAddress decode(byte[] address, int length) {
		int family = (address[0] & 0xff) | ((address[1] & 0xff) << 8);
		int port = ((address[2] & 0xff) << 8) | (address[3] & 0xff);
		byte[] host;
		if (family == AF_INET && length >= 8) {
			host = Arrays.copyOfRange(address, 4, 8);
		}
		else if (family == AF_INET6 && length >= 24) {
			host = Arrays.copyOfRange(address, 8, 24);
		}
		else {
			return null;
		}
		try {
			return new InetSocketAddress(ListeningSocket.normalize(InetAddress.getByAddress(host)), port);
		}
		catch (UnknownHostException ex) {
			return null;
		}
	}

	// -1 when the option cannot be read (not a socket, closed meanwhile)
	private int option(int fd, int name) {
		IntByReference value = new IntByReference(0);
		IntByReference length = new IntByReference(Integer.BYTES);
		return (this.calls.getsockopt(fd, SOL_SOCKET, name, value, length) == 0) ? value.intValue() : -1;
	}

	/**
	 * The bound calls.
	 */
	public interface Calls {

		int getsockopt(int fd, int level, int name, @Out IntByReference value, IntByReference length);

		int getsockname(int fd, @Out byte[] address, IntByReference length);

	}

}

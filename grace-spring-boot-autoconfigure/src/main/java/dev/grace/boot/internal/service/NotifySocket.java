package dev.grace.boot.internal.service;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import jnr.unixsocket.UnixDatagramChannel;
import jnr.unixsocket.UnixSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * The datagram socket systemd listens on for {@code sd_notify(3)} messages, named by
 * {@code NOTIFY_SOCKET}: a path, or an abstract name written with a leading {@code @}.
 * The JDK has no Unix datagram sockets, hence jnr-unixsocket.
 */
final class NotifySocket {

	static final String VARIABLE = "NOTIFY_SOCKET";

	private final String name;

	private final UnixSocketAddress address;

	private NotifySocket(String name) {
		this.name = name;
		// Linux's abstract namespace: a NUL byte where the path would start
		this.address = new UnixSocketAddress(name.startsWith("@") ? "\0" + name.substring(1) : name);
	}

	/**
	 * The socket {@code env} names.
	 * @param env the environment
	 * @return the socket, null when there is none
	 * @throws IllegalArgumentException when the name is not a path or an abstract name
	 */
	static @Nullable NotifySocket fromEnvironment(Map<String, String> env) {
		String name = env.get(VARIABLE);
		if (name == null || name.isEmpty()) {
			return null;
		}
		if (!name.startsWith("/") && !name.startsWith("@")) {
			throw new IllegalArgumentException(
					VARIABLE + "='" + name + "' is neither an absolute path nor an abstract socket name (@…)");
		}
		return new NotifySocket(name);
	}

	/**
	 * Sends one message: newline-separated {@code KEY=value} assignments.
	 * @param message the message
	 * @throws IOException when it cannot be sent
	 */
	void send(String message) throws IOException {
		try (UnixDatagramChannel channel = UnixDatagramChannel.open()) {
			channel.send(ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)), this.address);
		}
	}

	@Override
	public String toString() {
		return VARIABLE + "=" + this.name;
	}

}

package dev.grace.boot.internal.supervisor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import jnr.unixsocket.UnixDatagramChannel;
import jnr.unixsocket.UnixSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * How the application tells its supervisor which process serves: one datagram,
 * {@code MAINPID=<pid>}, sent by the serving process when a new one takes over, before
 * it exits; or {@code STOPPING=<pid>}, sent by a process that stops for good, so that
 * the supervisor does not wait for a successor once it is gone. An abstract Unix socket,
 * so that it works on a read-only root file system.
 */
final class SupervisorChannel {

	/** Names the socket in the application's environment; its presence means supervised. */
	static final String VARIABLE = "GRACE_SUPERVISOR_SOCKET";

	private SupervisorChannel() {
	}

	static UnixSocketAddress address(String name) {
		return new UnixSocketAddress("\0" + name);
	}

	/**
	 * Whether this process runs under a grace supervisor.
	 * @param env the environment
	 * @return true when one started it or its ancestors
	 */
	static boolean isSupervised(Map<String, String> env) {
		return env.containsKey(VARIABLE);
	}

	static void send(String name, String message) throws IOException {
		try (UnixDatagramChannel channel = UnixDatagramChannel.open()) {
			channel.send(ByteBuffer.wrap(message.getBytes(StandardCharsets.US_ASCII)), address(name));
		}
	}

	/**
	 * The pid a {@code MAINPID=} message names.
	 * @param message the message
	 * @return the pid, or -1
	 */
	static long mainPid(@Nullable String message) {
		return pid(message, "MAINPID=");
	}

	/**
	 * The pid a {@code STOPPING=} message names: a process that stops for good.
	 * @param message the message
	 * @return the pid, or -1
	 */
	static long stoppingPid(@Nullable String message) {
		return pid(message, "STOPPING=");
	}

	private static long pid(@Nullable String message, String prefix) {
		if (message == null) {
			return -1;
		}
		for (String line : message.split("\n")) {
			if (line.startsWith(prefix)) {
				try {
					long pid = Long.parseLong(line.substring(prefix.length()).trim());
					return (pid > 0) ? pid : -1;
				}
				catch (NumberFormatException ex) {
					return -1;
				}
			}
		}
		return -1;
	}

}

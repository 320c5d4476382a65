package dev.grace.boot.internal.supervisor;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.grace.boot.internal.NamedSocket;
import dev.grace.boot.internal.ServiceManager;

/**
 * The application's side of {@link Supervisor}: the serving process names its successor
 * before it exits.
 */
public final class SupervisorNotifier implements ServiceManager {

	private static final Log logger = LogFactory.getLog(SupervisorNotifier.class);

	private final String socket;

	private SupervisorNotifier(String socket) {
		this.socket = socket;
	}

	/**
	 * The notifier of a supervised process.
	 * @param env the environment this process started with
	 * @return the notifier, null when no supervisor runs this process
	 */
	public static @Nullable SupervisorNotifier fromEnvironment(Map<String, String> env) {
		String socket = env.get(SupervisorChannel.VARIABLE);
		return (socket != null) ? new SupervisorNotifier(socket) : null;
	}

	@Override
	public void replacedBy(long pid, int generation, List<NamedSocket> listeners) {
		try {
			SupervisorChannel.send(this.socket, "MAINPID=" + pid);
		}
		catch (IOException ex) {
			logger.warn("Could not tell the supervisor that pid " + pid + " serves now: " + ex);
		}
	}

	@Override
	public String toString() {
		return "grace supervisor";
	}

}

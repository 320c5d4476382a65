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
 * before it exits, or says that it stops for good.
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
	public void stopping() {
		long self = ProcessHandle.current().pid();
		try {
			SupervisorChannel.send(this.socket, "STOPPING=" + self);
		}
		catch (IOException ex) {
			// the supervisor then waits a moment for a successor before it exits
			logger.warn("Could not tell the supervisor that pid " + self + " stops: " + ex);
		}
	}

	@Override
	public String toString() {
		return "grace supervisor";
	}

}

package dev.grace.boot.handover;

import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGUSR2 restarts; SIGTERM and SIGINT stop gracefully with exit code 0 (the JVM's own
 * handlers exit 143 and 130). Installed for the rest of the JVM's life.
 */
public final class RestartSignals {

	private static final Log logger = LogFactory.getLog(RestartSignals.class);

	/**
	 * Installs the handlers.
	 * @param restart runs on SIGUSR2, on the signal thread: it must not block
	 * @param stop runs on SIGTERM or SIGINT, on the signal thread: it must not block
	 * @param env the environment, to warn when HotSpot still uses SIGUSR2
	 */
	public void install(Runnable restart, Runnable stop, Map<String, String> env) {
		if (!env.containsKey(ChildCommand.SR_SIGNUM_VARIABLE)) {
			logger.warn("HotSpot uses SIGUSR2 for thread suspension unless " + ChildCommand.SR_SIGNUM_VARIABLE
					+ " is set: while JFR samples, SIGUSR2 may not restart this process. Start it with "
					+ ChildCommand.SR_SIGNUM_VARIABLE + "=" + ChildCommand.SR_SIGNUM
					+ " in its environment (processes it restarts get it automatically)");
		}
		handle("USR2", (signal) -> restart.run());
		handle("TERM", (signal) -> stop.run());
		handle("INT", (signal) -> stop.run());
	}

	private void handle(String name, SignalHandler handler) {
		try {
			Signal.handle(new Signal(name), handler);
		}
		catch (IllegalArgumentException ex) {
			// -Xrs, or the signal is reserved by the VM
			logger.warn("Cannot handle SIG" + name + " in this JVM (" + ex.getMessage() + ")");
		}
	}

}

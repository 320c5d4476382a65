package dev.grace.boot.internal;

import java.util.HashMap;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The JVM's handlers for SIGUSR2, SIGTERM and SIGINT, installed once, as early as
 * possible, and kept until the JVM exits: HotSpot's own SIGUSR2 handling aborts the JVM,
 * so a restart signal must always find ours. Signals are routed to the process's
 * {@link Restarter} once there is one; until then a SIGUSR2 is remembered, and where the
 * restart cannot work it is logged and ignored. Handlers run on the JVM's signal thread:
 * nothing here blocks.
 */
public final class RestartSignals {

	private static final Log logger = LogFactory.getLog(RestartSignals.class);

	/** HotSpot suspends threads with SIGUSR2 unless this variable moves it elsewhere. */
	public static final String SR_SIGNUM_VARIABLE = "_JAVA_SR_SIGNUM";

	/** A real-time signal nothing else uses. */
	public static final String SR_SIGNUM = "39";

	private static final RestartSignals INSTANCE = new RestartSignals();

	private final Map<String, SignalHandler> previous = new HashMap<>();

	private volatile @Nullable Restarter restarter;

	private volatile @Nullable Runnable stop;

	private volatile @Nullable String inactive;

	private volatile boolean dueBeforeAttach;

	private RestartSignals() {
	}

	/**
	 * The handlers of this JVM.
	 * @return the one instance
	 */
	public static RestartSignals get() {
		return INSTANCE;
	}

	/**
	 * Installs the handlers, once.
	 */
	public synchronized void install() {
		if (!this.previous.isEmpty()) {
			return;
		}
		handle("USR2", (signal) -> onRestartSignal());
		handle("TERM", this::onStopSignal);
		handle("INT", this::onStopSignal);
	}

	/**
	 * Routes signals to a process's state machine: SIGUSR2 to {@link Restarter#signal()},
	 * SIGTERM and SIGINT to {@code stop}.
	 * @param restarter the state machine
	 * @param stop stops the application gracefully, without blocking
	 * @param env the environment, to warn when HotSpot still uses SIGUSR2
	 */
	public synchronized void attach(Restarter restarter, Runnable stop, Map<String, String> env) {
		if (!env.containsKey(SR_SIGNUM_VARIABLE)) {
			logger.warn("HotSpot uses SIGUSR2 for thread suspension unless " + SR_SIGNUM_VARIABLE
					+ " is set: while JFR samples, SIGUSR2 may not restart this process. Start it with "
					+ SR_SIGNUM_VARIABLE + "=" + SR_SIGNUM
					+ " in its environment (processes it restarts get it automatically)");
		}
		if (this.inactive != null) {
			// an earlier application of this JVM gave the stop signals back
			handle("TERM", this::onStopSignal);
			handle("INT", this::onStopSignal);
		}
		this.inactive = null;
		this.stop = stop;
		this.restarter = restarter;
		if (this.dueBeforeAttach) {
			this.dueBeforeAttach = false;
			restarter.signalReceivedEarlier();
		}
	}

	/**
	 * Declares that restarts cannot work in this process: SIGUSR2 is logged and ignored
	 * from now on, SIGTERM and SIGINT get the JVM's own handling back (exit 143 and 130).
	 * @param reason why, for the log
	 */
	public synchronized void deactivate(String reason) {
		this.inactive = reason;
		this.restarter = null;
		this.stop = null;
		restore("TERM");
		restore("INT");
	}

	private void onRestartSignal() {
		String reason = this.inactive;
		Restarter target = this.restarter;
		if (reason != null) {
			logger.warn("Ignoring SIGUSR2: graceful restart is inactive (" + reason + ")");
		}
		else if (target != null) {
			target.signal();
		}
		else {
			this.dueBeforeAttach = true;
			logger.info("SIGUSR2 while starting: the restart runs once this process is ready");
		}
	}

	private void onStopSignal(Signal signal) {
		Runnable action = this.stop;
		if (action != null) {
			action.run();
			return;
		}
		// Nothing to drain yet. Exit 0 as a stop later would: the JVM's shutdown hooks
		// close a context that is still starting once its refresh is done.
		logger.info("SIG" + signal.getName() + " while starting: exiting");
		Thread exit = new Thread(() -> System.exit(0), "grace-exit");
		exit.start();
	}

	private void handle(String name, SignalHandler handler) {
		try {
			SignalHandler old = Signal.handle(new Signal(name), handler);
			this.previous.putIfAbsent(name, old);
		}
		catch (IllegalArgumentException ex) {
			// -Xrs, or the signal is reserved by the VM
			logger.warn("Cannot handle SIG" + name + " in this JVM (" + ex.getMessage() + ")");
		}
	}

	private void restore(String name) {
		SignalHandler original = this.previous.get(name);
		if (original != null) {
			Signal.handle(new Signal(name), original);
		}
	}

}

package dev.grace.boot.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.grace.boot.internal.SpawnedChild.Outcome;
import dev.grace.boot.restart.RestartEvent;
import dev.grace.boot.restart.RestartEvent.Step;
import dev.grace.boot.restart.RestartHook;
import dev.grace.boot.restart.RestartRefusedException;
import dev.grace.boot.restart.RestartReport;
import dev.grace.boot.restart.RestartState;
import dev.grace.boot.restart.RestartTrigger;

/**
 * The restart state machine of one process (tableflip's {@code Upgrader}): both halves
 * of the protocol, the parent's (start the next process, wait for it, hand over) and the
 * child's ({@link #ready()}). The transitions are listed in the package documentation.
 * Anything short of the child's readiness (a veto, a release that is gone, a spawn error,
 * a child that exits or hangs) leaves this process serving, with the child stopped and
 * reaped. A restart without room for the new process (memory) is refused before
 * anything changes.
 */
public final class Restarter {

	private static final Log logger = LogFactory.getLog(Restarter.class);

	private static final Map<RestartState, Set<RestartState>> TRANSITIONS = Map.of(RestartState.STARTING,
			EnumSet.of(RestartState.SERVING, RestartState.STOPPING), RestartState.SERVING,
			EnumSet.of(RestartState.RESTARTING, RestartState.STOPPING), RestartState.RESTARTING,
			EnumSet.of(RestartState.SERVING, RestartState.DRAINING, RestartState.STOPPING), RestartState.DRAINING,
			EnumSet.noneOf(RestartState.class), RestartState.STOPPING, EnumSet.noneOf(RestartState.class));

	private final Spawner spawner;

	private final ListenerTable listeners;

	private final ParentChannel parent;

	private final ServiceManager manager;

	private final Settings settings;

	private final List<RestartHook> hooks;

	private final Consumer<RestartEvent> events;

	private final Runnable exit;

	private final LongLivedConnections longLived;

	// how every log line of a step ends: which process, which generation
	private final String where;

	private final Object lock = new Object();

	// guarded by lock
	private RestartState state = RestartState.STARTING;

	// guarded by lock: a SIGUSR2 that came while starting
	private boolean restartDue;

	// guarded by lock
	private @Nullable SpawnedChild child;

	// guarded by lock
	private @Nullable RestartReport last;

	/**
	 * Creates the state machine of a process that is starting.
	 * @param spawner starts the next process
	 * @param listeners this process's listening sockets
	 * @param parent the process that started this one
	 * @param manager whoever manages this service from outside
	 * @param settings generation and timeouts
	 * @param hooks run before each restart, in order; one that throws cancels it
	 * @param events receives each step, on the restart's thread
	 * @param exit called once this process has stopped accepting after a restart: it must
	 * close the application (which drains) and exit, without blocking
	 */
	public Restarter(Spawner spawner, ListenerTable listeners, ParentChannel parent, ServiceManager manager,
			Settings settings, List<RestartHook> hooks, Consumer<RestartEvent> events, Runnable exit) {
		this(spawner, listeners, parent, manager, settings, hooks, events, exit, LongLivedConnections.NONE);
	}

	/**
	 * Creates the state machine of a process that is starting.
	 * @param spawner starts the next process
	 * @param listeners this process's listening sockets
	 * @param parent the process that started this one
	 * @param manager whoever manages this service from outside
	 * @param settings generation and timeouts
	 * @param hooks run before each restart, in order; one that throws cancels it
	 * @param events receives each step, on the restart's thread
	 * @param exit called once this process has stopped accepting after a restart: it must
	 * close the application (which drains) and exit, without blocking
	 * @param longLived ended after the handover, once the DRAINING event was published
	 * and before {@code exit}
	 */
	public Restarter(Spawner spawner, ListenerTable listeners, ParentChannel parent, ServiceManager manager,
			Settings settings, List<RestartHook> hooks, Consumer<RestartEvent> events, Runnable exit,
			LongLivedConnections longLived) {
		this.longLived = longLived;
		this.spawner = spawner;
		this.listeners = listeners;
		this.parent = parent;
		this.manager = manager;
		this.settings = settings;
		this.hooks = List.copyOf(hooks);
		this.events = events;
		this.exit = exit;
		this.where = "[pid=" + ProcessHandle.current().pid() + " generation=" + settings.generation() + "]";
	}

	/**
	 * The child's half, once the application is ready for traffic: accept on the
	 * inherited sockets (closing those nobody claimed), serve, tell the parent, and run
	 * a restart that was signalled while starting.
	 */
	public void ready() {
		synchronized (this.lock) {
			if (this.state != RestartState.STARTING) {
				return;
			}
		}
		// before any connection is accepted: whatever this process answers includes it
		tell(ServiceManager::ready);
		this.listeners.startAccepting();
		boolean due;
		synchronized (this.lock) {
			if (this.state != RestartState.STARTING) {
				return; // stopping: the parent must not take this process for its successor
			}
			move(RestartState.STARTING, RestartState.SERVING);
			due = this.restartDue;
			this.restartDue = false;
		}
		// may throw (a PID file that cannot be written): the parent is not told then
		this.manager.serving(this.settings.generation(), this.listeners.sockets(), this.parent);
		if (this.parent.notifyReady()) {
			logger.info("Generation " + this.settings.generation() + " ready; told parent pid " + this.parent.pid()
					+ " " + this.where);
		}
		if (due) {
			logger.info("Running the restart that SIGUSR2 asked for while this process was starting");
			signal();
		}
	}

	/**
	 * SIGUSR2: a restart now, or once ready while starting; logged and ignored when one
	 * cannot start. Called on the signal thread: takes the lock briefly, runs no user
	 * code and never waits for the operating system.
	 */
	public void signal() {
		boolean starting;
		boolean alreadyDue;
		synchronized (this.lock) {
			starting = this.state == RestartState.STARTING;
			alreadyDue = this.restartDue;
			this.restartDue |= starting;
		}
		if (starting) {
			logger.info(alreadyDue ? "SIGUSR2 while starting: a restart is already due once this process is ready"
					: "SIGUSR2 while starting: the restart runs once this process is ready");
			return;
		}
		try {
			request(RestartTrigger.SIGNAL);
		}
		catch (RestartRefusedException ex) {
			// logged by request()
		}
	}

	/**
	 * A SIGUSR2 that came before this state machine existed, already logged.
	 */
	public void signalReceivedEarlier() {
		synchronized (this.lock) {
			if (this.state == RestartState.STARTING) {
				this.restartDue = true;
				return;
			}
		}
		signal();
	}

	/**
	 * Starts a restart on its own thread.
	 * @param trigger what asked for it
	 * @return the report of the restart just started
	 * @throws RestartRefusedException when a restart cannot start now
	 */
	public RestartReport request(RestartTrigger trigger) {
		// outside the lock: it reads files of the operating system
		String noRoom = (state() == RestartState.SERVING) ? noRoom() : null;
		RestartReport report = null;
		String busy = null;
		synchronized (this.lock) {
			if (this.state != RestartState.SERVING) {
				busy = refusal();
			}
			else if (noRoom != null) {
				this.last = RestartReport.refused(trigger, noRoom);
			}
			else {
				move(RestartState.SERVING, RestartState.RESTARTING);
				report = RestartReport.started(trigger);
				this.last = report;
			}
		}
		if (report == null) {
			String reason = (busy != null) ? busy : noRoom;
			logger.warn(((trigger == RestartTrigger.SIGNAL) ? "Ignoring SIGUSR2: " : "Refusing a restart by actuator: ")
					+ reason + " " + this.where);
			// counted at once, on the asking thread: no manager blocks on it
			tell((manager) -> manager.requestRefused(trigger, reason));
			if (busy == null) {
				startThread(() -> {
					tell((manager) -> manager.restartRefused(reason));
					publish(Step.REFUSED, -1, reason);
				});
			}
			throw new RestartRefusedException(reason);
		}
		logger.info("Restart requested by " + trigger.label() + " " + this.where);
		RestartReport started = report;
		startThread(() -> run(started));
		return report;
	}

	private @Nullable String noRoom() {
		try {
			this.spawner.checkRoom();
			return null;
		}
		catch (RestartRefusedException ex) {
			return ex.getMessage();
		}
		catch (RuntimeException ex) {
			logger.warn("Could not check the room for a new process; restarting anyway", ex);
			return null;
		}
	}

	// Where user code runs: never on a signal thread
	private static void startThread(Runnable task) {
		Thread thread = new Thread(task, "grace-restart");
		thread.setDaemon(true);
		// not the caller's: an actuator request thread carries the web application's loader
		thread.setContextClassLoader(Restarter.class.getClassLoader());
		thread.start();
	}

	// guarded by lock
	private String refusal() {
		return switch (this.state) {
			case STARTING -> "this process is still starting: a restart can begin once it is ready";
			case RESTARTING -> "a restart is in progress"
					+ ((this.child != null) ? " (child pid " + this.child.pid() + ")" : "");
			case DRAINING -> "this process is draining: the new process serves";
			case STOPPING -> "this process is stopping";
			case SERVING -> "this process is serving";
		};
	}

	/**
	 * Stops taking restarts; a child that has not taken over yet is stopped and reaped,
	 * so nothing is left behind. Does nothing once this process drains.
	 */
	public void stop() {
		SpawnedChild running;
		synchronized (this.lock) {
			if (this.state == RestartState.DRAINING || this.state == RestartState.STOPPING) {
				return;
			}
			running = (this.state == RestartState.RESTARTING) ? this.child : null;
			move(this.state, RestartState.STOPPING);
		}
		tell(ServiceManager::stopping);
		if (running != null) {
			logger.info("Stopping child pid " + running.pid() + ": this process is stopping during the restart "
					+ this.where);
			SpawnedChild.ExitStatus status = running.stop(this.settings.childStopGrace());
			logger.info("Child pid " + running.pid() + " stopped (" + status + ") " + this.where);
		}
	}

	public RestartState state() {
		synchronized (this.lock) {
			return this.state;
		}
	}

	/**
	 * The last restart this process started.
	 * @return its report, null before the first
	 */
	public @Nullable RestartReport lastRestart() {
		synchronized (this.lock) {
			return this.last;
		}
	}

	public int generation() {
		return this.settings.generation();
	}

	/**
	 * How long a new process may take to be ready; a derived one learns this process's
	 * own start when it is ready.
	 * @return the ready timeout
	 */
	public ReadyTimeout readyTimeout() {
		return this.settings.readyTimeout();
	}

	public long parentPid() {
		return this.parent.pid();
	}

	public List<NamedSocket> listeners() {
		return this.listeners.sockets();
	}

	private void run(RestartReport requested) {
		long start = System.nanoTime();
		RestartReport report = requested;
		SpawnedChild spawned = null;
		try {
			publish(Step.REQUESTED, -1, null);
			RestartReport accepted = report;
			tell((manager) -> manager.restartRequested(accepted));
			tell(ServiceManager::restarting);
			String veto = runHooks();
			if (veto != null) {
				fail(report, veto);
				return;
			}
			List<NamedSocket> sockets = this.listeners.sockets();
			if (state() != RestartState.RESTARTING) {
				fail(report, "cancelled: this process is " + state());
				return;
			}
			Spawner.NextProcess next;
			try {
				next = this.spawner.prepare();
			}
			catch (RestartRefusedException ex) {
				fail(report, ex.getMessage());
				return;
			}
			report = report.withRelease(next.release());
			synchronized (this.lock) {
				if (this.state == RestartState.RESTARTING) {
					this.last = report;
				}
			}
			logger.info(next.summary());
			spawned = next.spawn(sockets);
			long pid = spawned.pid();
			// before the status names the child: whoever sees it starting sees it as the
			// managers made it (the OOM killer's preferred victim)
			tell((manager) -> manager.childStarted(pid));
			synchronized (this.lock) {
				if (this.state == RestartState.RESTARTING) {
					this.child = spawned;
					report = report.withChild(spawned.pid());
					this.last = report;
				}
			}
			if (report.childPid() != spawned.pid()) {
				// stop() came while it was being spawned and could not see it
				spawned.stop(this.settings.childStopGrace());
				fail(report.withChild(spawned.pid()), "cancelled: this process is " + state());
				return;
			}
			logger.info("Started child pid " + spawned.pid() + " with " + sockets + "; it has "
					+ this.settings.readyTimeout() + " to be ready " + elapsed(start));
			publish(Step.CHILD_STARTED, spawned.pid(), null);
			await(report, spawned, start);
		}
		catch (Throwable ex) {
			if (spawned != null && !spawned.hasExited()) {
				spawned.stop(this.settings.childStopGrace());
			}
			fail(report, ((spawned == null) ? "could not start the new process: " : "restart failed: ") + ex);
		}
	}

	private @Nullable String runHooks() {
		for (RestartHook hook : this.hooks) {
			try {
				hook.beforeRestart();
			}
			catch (Exception ex) {
				return "cancelled by " + hook.getClass().getName() + ": " + ex.getMessage();
			}
		}
		return null;
	}

	private void await(RestartReport report, SpawnedChild spawned, long start) {
		ReadyTimeout timeout = this.settings.readyTimeout();
		Outcome outcome = spawned.awaitReady(timeout.value());
		switch (outcome.kind()) {
			case READY -> takeOver(report, spawned, (System.nanoTime() - start) / 1_000_000);
			case EXITED -> fail(report, "child pid " + spawned.pid() + " exited before it was ready ("
					+ outcome.status() + "); see its log above" + exitHint());
			case TIMED_OUT -> {
				// SIGTERM first: a child that got ready at the deadline drains what it took
				SpawnedChild.ExitStatus status = spawned.stop(this.settings.childStopGrace());
				fail(report, "child pid " + spawned.pid() + " was not ready within " + timeout + "; stopped it ("
						+ status + ")");
			}
		}
	}

	private String exitHint() {
		try {
			String hint = this.settings.exitHint().get();
			return (hint != null) ? ". " + hint : "";
		}
		catch (RuntimeException ex) {
			return "";
		}
	}

	private void takeOver(RestartReport report, SpawnedChild spawned, long readyAfterMillis) {
		if (spawned.hasExited()) {
			fail(report, "child pid " + spawned.pid() + " exited right after it said it was ready");
			return;
		}
		synchronized (this.lock) {
			if (this.state == RestartState.RESTARTING) {
				move(RestartState.RESTARTING, RestartState.DRAINING);
				this.last = report.succeeded(readyAfterMillis);
			}
		}
		if (state() != RestartState.DRAINING) {
			// stop() came first and is stopping this child
			fail(report, "cancelled: this process is " + state());
			return;
		}
		logger.info("Child pid " + spawned.pid() + " is ready after " + readyAfterMillis
				+ " ms; this process stops accepting and drains " + this.where);
		List<NamedSocket> sockets = this.listeners.sockets();
		tell((manager) -> manager.replacedBy(spawned.pid(), this.settings.generation() + 1, sockets));
		publish(Step.CHILD_READY, spawned.pid(), null);
		try {
			// before the application starts closing (and readiness turns to refusing
			// traffic), so that no new connection reaches this process any more
			this.listeners.stopAccepting();
		}
		finally {
			// the application hears first, and may say goodbye to its long-lived clients
			publish(Step.DRAINING, spawned.pid(), null);
			endLongLived();
			this.exit.run();
		}
	}

	private void endLongLived() {
		try {
			this.longLived.end();
		}
		catch (RuntimeException ex) {
			logger.warn("Ending " + this.longLived + " failed; the drain ends them at its timeout " + this.where, ex);
		}
	}

	private void fail(RestartReport report, String reason) {
		boolean restarting;
		synchronized (this.lock) {
			restarting = this.state == RestartState.RESTARTING;
		}
		if (restarting) {
			// before the status shows the failure: whoever sees it sees it counted
			tell((manager) -> manager.restartFailed(reason));
		}
		boolean serving;
		synchronized (this.lock) {
			this.last = report.failed(reason);
			this.child = null;
			serving = this.state == RestartState.RESTARTING;
			if (serving) {
				move(RestartState.RESTARTING, RestartState.SERVING);
			}
		}
		String elapsed = elapsed(report);
		if (serving) {
			logger.error("Restart failed, still serving: " + reason + " " + elapsed);
		}
		else {
			logger.warn("Restart abandoned, this process is stopping: " + reason + " " + elapsed);
		}
		publish(Step.FAILED, report.childPid(), reason);
	}

	private String elapsed(long startNanos) {
		return where((System.nanoTime() - startNanos) / 1_000_000);
	}

	// from the request: the report's start is all a failure has at hand
	private String elapsed(RestartReport report) {
		return where(Math.max(0, Duration.between(report.startedAt(), Instant.now()).toMillis()));
	}

	private String where(long elapsedMillis) {
		return this.where.substring(0, this.where.length() - 1) + " elapsed=" + elapsedMillis + "ms]";
	}

	// guarded by lock: the one place where the state changes
	private void move(RestartState from, RestartState to) {
		if (this.state != from || !TRANSITIONS.get(from).contains(to)) {
			throw new IllegalStateException("No transition " + from + " -> " + to + " in state " + this.state);
		}
		this.state = to;
		if (logger.isDebugEnabled()) {
			logger.debug("Restart state " + from + " -> " + to);
		}
	}

	private void tell(Consumer<ServiceManager> call) {
		try {
			call.accept(this.manager);
		}
		catch (RuntimeException ex) {
			logger.warn("Could not tell the service manager about the restart", ex);
		}
	}

	// A listener's exception must not decide the fate of the restart or of the sockets.
	private void publish(Step step, long childPid, @Nullable String reason) {
		RestartEvent event = new RestartEvent(step, childPid, reason);
		try {
			this.events.accept(event);
		}
		catch (Throwable ex) {
			logger.warn("A listener of " + event + " failed; the restart goes on", ex);
		}
	}

	/**
	 * What the state machine needs to know of this process.
	 *
	 * @param generation 1 for a process started by hand, +1 per restart
	 * @param readyTimeout how long a child may take to be ready
	 * @param childStopGrace how long a child may take to stop on SIGTERM before SIGKILL
	 * @param exitHint what this process knows that may keep a child from starting (an
	 * embedded database file it holds open), added to the reason when a child exits
	 * before it is ready; null when nothing is known
	 */
	public record Settings(int generation, ReadyTimeout readyTimeout, Duration childStopGrace,
			Supplier<@Nullable String> exitHint) {

		/** The grace a child gets to stop before it is killed. */
		public static final Duration CHILD_STOP_GRACE = Duration.ofSeconds(10);

		/**
		 * Settings with a fixed ready timeout and no exit hint.
		 * @param generation 1 for a process started by hand, +1 per restart
		 * @param readyTimeout how long a child may take to be ready
		 * @param childStopGrace how long a child may take to stop on SIGTERM before SIGKILL
		 */
		public Settings(int generation, Duration readyTimeout, Duration childStopGrace) {
			this(generation, ReadyTimeout.configured(readyTimeout), childStopGrace, () -> null);
		}

	}

}

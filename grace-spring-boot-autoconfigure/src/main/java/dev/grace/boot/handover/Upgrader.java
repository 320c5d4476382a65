package dev.grace.boot.handover;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.grace.boot.handover.Child.Outcome;
import dev.grace.boot.handover.ServingListeners.NamedSocket;
import dev.grace.boot.handover.UpgradeEvent.Step;

/**
 * Runs restarts, one at a time: spawn the next process with the listening sockets, wait
 * for it to say it is ready, then hand over (this process drains and exits). Anything
 * short of readiness (a veto, a spawn error, a child that exits or hangs) leaves this
 * process serving, with the child killed and reaped.
 */
public final class Upgrader {

	private static final Log logger = LogFactory.getLog(Upgrader.class);

	private static final Duration CHILD_STOP_GRACE = Duration.ofSeconds(10);

	private final AtomicReference<UpgradeState> state = new AtomicReference<>(UpgradeState.SERVING);

	private final ServingListeners listeners;

	private final ChildSpawner spawner;

	private final Supplier<ChildCommand> command;

	private final Lineage lineage;

	private final Duration readyTimeout;

	private final List<PreStartProcess> hooks;

	private final Consumer<UpgradeEvent> events;

	private final Runnable handOver;

	private volatile boolean ready;

	private volatile Child child;

	private volatile UpgradeReport lastUpgrade;

	public Upgrader(ServingListeners listeners, ChildSpawner spawner, Supplier<ChildCommand> command, Lineage lineage,
			Duration readyTimeout, List<PreStartProcess> hooks, Consumer<UpgradeEvent> events, Runnable handOver) {
		this.listeners = listeners;
		this.spawner = spawner;
		this.command = command;
		this.lineage = lineage;
		this.readyTimeout = readyTimeout;
		this.hooks = List.copyOf(hooks);
		this.events = events;
		this.handOver = handOver;
	}

	/** Marks this process fully started: restarts may begin. */
	public void markReady() {
		this.ready = true;
	}

	/**
	 * Starts a restart in the background.
	 * @param trigger what asked for it, for logs and status
	 * @return the report of the restart just started
	 * @throws UpgradeRefusedException when a restart cannot start now
	 */
	public UpgradeReport upgrade(String trigger) {
		if (!this.ready) {
			throw new UpgradeRefusedException("not started yet: a restart can begin once the application is ready");
		}
		if (!this.state.compareAndSet(UpgradeState.SERVING, UpgradeState.UPGRADING)) {
			UpgradeState current = this.state.get();
			Child running = this.child;
			throw new UpgradeRefusedException(switch (current) {
				case UPGRADING -> "upgrade in progress" + ((running != null) ? " (child pid " + running.pid() + ")" : "");
				case DRAINING -> "this process has handed over and is draining";
				default -> "this process is " + current.label();
			});
		}
		UpgradeReport report = UpgradeReport.started(trigger);
		this.lastUpgrade = report;
		logger.info("Restart requested by " + trigger);
		publish(new UpgradeEvent(this, Step.REQUESTED, -1, null));
		Thread worker = new Thread(() -> run(report), "grace-upgrade");
		worker.setDaemon(true);
		worker.start();
		return report;
	}

	private void run(UpgradeReport report) {
		long start = System.nanoTime();
		try {
			for (PreStartProcess hook : this.hooks) {
				try {
					hook.beforeStart();
				}
				catch (Exception ex) {
					fail(report, "cancelled by " + hook.getClass().getName() + ": " + ex.getMessage());
					return;
				}
			}
			List<NamedSocket> sockets = this.listeners.describe();
			ChildCommand next = this.command.get();
			Child spawned;
			synchronized (this) {
				// stop() holds this lock too: a child is either seen by it or never spawned
				if (this.state.get() != UpgradeState.UPGRADING) {
					fail(report, "cancelled: this process is " + this.state.get().label());
					return;
				}
				spawned = this.spawner.spawn(next, sockets, this.lineage);
				this.child = spawned;
			}
			report = report.withChild(spawned.pid());
			this.lastUpgrade = report;
			logger.info("Started child pid " + spawned.pid() + " with " + sockets);
			publish(new UpgradeEvent(this, Step.CHILD_STARTED, spawned.pid(), null));
			Outcome outcome = spawned.awaitReady(this.readyTimeout);
			switch (outcome.kind()) {
				case READY -> handOver(report, spawned, (System.nanoTime() - start) / 1_000_000);
				case EXITED -> fail(report, "child pid " + spawned.pid() + " exited before it was ready ("
						+ outcome.status() + "); see its log above");
				case TIMED_OUT -> {
					// SIGTERM first: a child that got ready at the deadline drains what it took
					Child.ExitStatus status = spawned.stop(CHILD_STOP_GRACE);
					fail(report, "child pid " + spawned.pid() + " was not ready within " + this.readyTimeout
							+ " (grace.ready-timeout); stopped it (" + status + ")");
				}
			}
		}
		catch (Throwable ex) {
			Child spawned = this.child;
			if (this.state.get() == UpgradeState.UPGRADING && spawned != null && !spawned.hasExited()) {
				spawned.stop(CHILD_STOP_GRACE);
			}
			if (this.state.get() == UpgradeState.UPGRADING) {
				fail(report, "restart failed: " + ex);
			}
			else {
				logger.error("Restart worker failed in state " + this.state.get().label(), ex);
			}
		}
	}

	private void handOver(UpgradeReport report, Child spawned, long readyAfterMillis) {
		if (spawned.hasExited()) {
			fail(report, "child pid " + spawned.pid() + " exited right after it said it was ready");
			return;
		}
		if (!this.state.compareAndSet(UpgradeState.UPGRADING, UpgradeState.DRAINING)) {
			// stop() came first and is stopping this child
			return;
		}
		this.lastUpgrade = report.succeeded(readyAfterMillis);
		logger.info("Child pid " + spawned.pid() + " is ready after " + readyAfterMillis
				+ " ms; handing over and draining");
		publish(new UpgradeEvent(this, Step.CHILD_READY, spawned.pid(), null));
		try {
			// Before the context starts closing (and readiness turns to refusing
			// traffic), so that no new connection reaches this process any more.
			this.listeners.stopAccepting();
		}
		finally {
			publish(new UpgradeEvent(this, Step.HANDED_OVER, spawned.pid(), null));
			this.handOver.run();
		}
	}

	private void fail(UpgradeReport report, String reason) {
		this.lastUpgrade = report.failed(reason);
		this.child = null;
		this.state.compareAndSet(UpgradeState.UPGRADING, UpgradeState.SERVING);
		logger.error("Restart failed, still serving: " + reason);
		publish(new UpgradeEvent(this, Step.FAILED, report.childPid(), reason));
	}

	// A listener's exception must not decide the fate of the restart or of the sockets.
	private void publish(UpgradeEvent event) {
		try {
			this.events.accept(event);
		}
		catch (Throwable ex) {
			logger.warn("A listener of " + event + " failed; the restart goes on", ex);
		}
	}

	/**
	 * Stops taking restarts; a child that has not taken over yet is stopped and reaped,
	 * so nothing is left behind.
	 */
	public void stop() {
		UpgradeState previous;
		Child running;
		synchronized (this) {
			previous = this.state.getAndUpdate(
					(current) -> (current == UpgradeState.DRAINING) ? current : UpgradeState.STOPPING);
			running = this.child;
		}
		if (previous == UpgradeState.UPGRADING && running != null) {
			logger.info("Stopping child pid " + running.pid() + ": this process is stopping during the restart");
			Child.ExitStatus status = running.stop(CHILD_STOP_GRACE);
			logger.info("Child pid " + running.pid() + " stopped (" + status + ")");
		}
	}

	public UpgradeState state() {
		return this.state.get();
	}

	public UpgradeReport lastUpgrade() {
		return this.lastUpgrade;
	}

	public Lineage lineage() {
		return this.lineage;
	}

	public List<NamedSocket> listeners() {
		return this.listeners.describe();
	}

}

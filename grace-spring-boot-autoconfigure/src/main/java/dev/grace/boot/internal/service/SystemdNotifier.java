package dev.grace.boot.internal.service;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.grace.boot.internal.NamedSocket;
import dev.grace.boot.internal.ParentChannel;
import dev.grace.boot.internal.ServiceManager;

/**
 * systemd's notification protocol, spoken by whichever process systemd takes the
 * messages from under {@code NotifyAccess=main}: the serving process is the main PID
 * until it exits, so it announces a restart ({@code RELOADING=1}), its outcome
 * ({@code READY=1}) and the new process's status; the new process speaks (status,
 * watchdog) only once its parent has exited and systemd has read the PID file. The main
 * PID is never handed over with {@code MAINPID=}: systemd would treat the new process as
 * one it did not start and kill it at once on stop.
 */
public final class SystemdNotifier implements ServiceManager {

	private static final Log logger = LogFactory.getLog(SystemdNotifier.class);

	private final NotifySocket socket;

	private final @Nullable Duration watchdog;

	private final BooleanSupplier alive;

	private volatile @Nullable ScheduledExecutorService pinger;

	SystemdNotifier(NotifySocket socket, @Nullable Duration watchdog, BooleanSupplier alive) {
		this.socket = socket;
		this.watchdog = watchdog;
		this.alive = alive;
	}

	/**
	 * The notifier {@code env} asks for.
	 * @param env the environment this process started with
	 * @param selfPid this process
	 * @param restarted whether a restart started this process (its environment then names
	 * the first process in {@code WATCHDOG_PID})
	 * @param alive whether the application is healthy enough for watchdog pings
	 * @return the notifier, null without {@code NOTIFY_SOCKET}
	 */
	public static @Nullable SystemdNotifier fromEnvironment(Map<String, String> env, long selfPid, boolean restarted,
			BooleanSupplier alive) {
		NotifySocket socket = NotifySocket.fromEnvironment(env);
		if (socket == null) {
			return null;
		}
		return new SystemdNotifier(socket, watchdog(env, selfPid, restarted), alive);
	}

	static @Nullable Duration watchdog(Map<String, String> env, long selfPid, boolean restarted) {
		String usec = env.get("WATCHDOG_USEC");
		String pid = env.get("WATCHDOG_PID");
		if (usec == null || (pid != null && !restarted && !pid.trim().equals(Long.toString(selfPid)))) {
			return null;
		}
		try {
			long micros = Long.parseLong(usec.trim());
			return (micros > 0) ? Duration.ofNanos(micros * 1000) : null;
		}
		catch (NumberFormatException ex) {
			logger.warn("Ignoring WATCHDOG_USEC='" + usec + "': not a number of microseconds");
			return null;
		}
	}

	@Override
	public void serving(int generation, List<NamedSocket> listeners, ParentChannel parent) {
		String status = "STATUS=generation " + generation + " serving on " + addresses(listeners);
		if (parent.pid() < 0) {
			send("READY=1\n" + status);
			startWatchdog();
			return;
		}
		// Until the parent exits it is the main PID: systemd would drop what this process says
		ProcessHandle.of(parent.pid()).map(ProcessHandle::onExit).ifPresentOrElse((exit) -> exit.thenRun(() -> {
			send(status);
			startWatchdog();
		}), () -> {
			send(status);
			startWatchdog();
		});
	}

	@Override
	public void restarting() {
		send("RELOADING=1\nMONOTONIC_USEC=" + monotonicMicros() + "\nSTATUS=restarting: starting a new process");
	}

	@Override
	public void childStarted(long pid) {
		send("STATUS=restarting: new process " + pid + " starting");
	}

	@Override
	public void replacedBy(long pid, int generation, List<NamedSocket> listeners) {
		send("READY=1\nSTATUS=generation " + generation + " serving on " + addresses(listeners) + " (pid " + pid
				+ "); the previous process drains");
	}

	@Override
	public void restartFailed(String reason) {
		send("READY=1\nSTATUS=restart failed, still serving: " + reason);
	}

	// A reload systemd asked for (Type=notify-reload) must end, even when refused
	@Override
	public void restartRefused(String reason) {
		send("RELOADING=1\nMONOTONIC_USEC=" + monotonicMicros());
		send("READY=1\nSTATUS=restart refused, still serving: " + reason);
	}

	@Override
	public void stopping() {
		ScheduledExecutorService running = this.pinger;
		if (running != null) {
			running.shutdownNow();
		}
		send("STOPPING=1\nSTATUS=stopping");
	}

	// HotSpot's System.nanoTime() is CLOCK_MONOTONIC on Linux, the clock systemd compares with
	static long monotonicMicros() {
		return System.nanoTime() / 1000;
	}

	private void startWatchdog() {
		Duration interval = this.watchdog;
		if (interval == null || this.pinger != null) {
			return;
		}
		ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "grace-systemd-watchdog");
			thread.setDaemon(true);
			thread.setContextClassLoader(SystemdNotifier.class.getClassLoader());
			return thread;
		});
		this.pinger = executor;
		long periodMicros = Math.max(interval.toNanos() / 2000, 1000);
		executor.scheduleAtFixedRate(this::ping, 0, periodMicros, TimeUnit.MICROSECONDS);
		logger.info("Sending systemd watchdog pings every " + Duration.ofNanos(periodMicros * 1000)
				+ " while the application is live");
	}

	private void ping() {
		if (this.alive.getAsBoolean()) {
			send("WATCHDOG=1");
		}
	}

	private void send(String message) {
		try {
			this.socket.send(message);
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Could not notify systemd through " + this.socket + ": " + ex);
		}
	}

	private static String addresses(List<NamedSocket> listeners) {
		return listeners.stream().map((named) -> named.socket().hostAndPort()).collect(Collectors.joining(", "));
	}

	@Override
	public String toString() {
		return "systemd (" + this.socket + ")";
	}

}

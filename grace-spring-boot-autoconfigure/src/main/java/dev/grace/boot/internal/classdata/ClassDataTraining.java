package dev.grace.boot.internal.classdata;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.grace.boot.internal.posix.ChildCommand;
import dev.grace.boot.internal.posix.CpuPriority;
import dev.grace.boot.internal.posix.SpawnedProcess;

/**
 * Trains the class-data cache of this build in a side run, so that the serving process
 * records nothing and pays nothing: once it serves, when no valid cache exists, the same
 * command starts again, with the option that writes a cache at exit and
 * {@code -Dspring.context.exit=onRefresh}, which ends it once its context is refreshed,
 * before any connector binds or any lifecycle bean starts. It runs only while the serving
 * process is quiet ({@link SideRunPacer}), and then in the {@code SCHED_IDLE} policy
 * (nice 19 where that policy is refused), so that it only takes CPU time the serving
 * process leaves, and gives it back the moment a thread of the serving process wakes;
 * nothing is inherited but its standard input, and its output goes to a log file next to
 * the cache. One side run per build at a time (a file lock); a run that
 * fails is not repeated for that build. A process that stops ends its side run. For a
 * Spring Boot fat jar, a side run paced the same way first makes its
 * {@link ExtractedLayout}, and the training trains that.
 */
public final class ClassDataTraining implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(ClassDataTraining.class);

	static final String EXIT_ON_REFRESH = "-Dspring.context.exit=onRefresh";

	// the serving process's own notifications and watchdog are not the side run's
	private static final List<String> NOT_INHERITED = List.of("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID");

	private final ClassDataCache cache;

	private final @Nullable ExtractedLayout layout;

	private final Supplier<ChildCommand> command;

	private final Duration timeout;

	private final SideRunPacer pacer;

	private volatile @Nullable Thread thread;

	private volatile @Nullable Process process;

	private volatile boolean closed;

	/**
	 * Creates the training of a process's next command.
	 * @param cache the cache
	 * @param layout the extracted layouts of fat jars, which are made first and trained
	 * instead, null to train the command as it is
	 * @param command the next process's command, naming the deployed jar, before its
	 * class-data options
	 * @param timeout how long a side run may run (the time it is paused not counted)
	 */
	public ClassDataTraining(ClassDataCache cache, @Nullable ExtractedLayout layout, Supplier<ChildCommand> command,
			Duration timeout) {
		this(cache, layout, command, timeout, new SideRunPacer());
	}

	ClassDataTraining(ClassDataCache cache, @Nullable ExtractedLayout layout, Supplier<ChildCommand> command,
			Duration timeout, SideRunPacer pacer) {
		this.cache = cache;
		this.layout = layout;
		this.command = command;
		this.timeout = timeout;
		this.pacer = pacer;
	}

	/**
	 * Starts a side run in the background when this build has no cache yet.
	 */
	public synchronized void start() {
		if (this.thread != null || this.closed) {
			return;
		}
		Thread thread = new Thread(this::train, "grace-class-data");
		thread.setDaemon(true);
		this.thread = thread;
		thread.start();
	}

	void train() {
		try {
			ChildCommand next = this.command.get();
			ExtractedLayout layout = this.layout;
			if (layout != null && this.cache.usableDirectory()) {
				ExtractedLayout.Source source = layout.source(next);
				if (source != null && layout.copy(source) == null && !layout.failed(source)) {
					extract(layout, source, next);
				}
				ChildCommand copy = (source != null) ? layout.launch(next, source) : null;
				if (this.closed) {
					return;
				}
				next = (copy != null) ? copy : next;
			}
			ClassDataCache.Plan plan = this.cache.plan(next);
			String key = plan.key();
			if (key == null || this.cache.validity(key) == null || isFailed(key)) {
				return;
			}
			this.cache.prune();
			while (this.pacer.awaitQuiet(() -> this.closed)) {
				try (FileChannel channel = FileChannel.open(this.cache.lock(key), StandardOpenOption.CREATE,
						StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
					// another process may have trained it while this one waited
					if (this.cache.validity(key) == null || this.closed
							|| run(key, new ChildCommand(plan.argv(), next.env(), next.directory()))) {
						return;
					}
				}
			}
		}
		catch (IOException | RuntimeException ex) {
			if (!this.closed) {
				logger.warn("Class data: training failed: " + ex);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Makes the extracted layout of the deployed fat jar, in a side run paced like the
	 * training's; one that fails is not repeated for that jar, and its processes train
	 * and run the fat jar itself.
	 */
	private void extract(ExtractedLayout layout, ExtractedLayout.Source source, ChildCommand next)
			throws IOException, InterruptedException {
		while (this.pacer.awaitQuiet(() -> this.closed)) {
			try (FileChannel channel = FileChannel.open(layout.extracting(source), StandardOpenOption.CREATE,
					StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
				if (layout.copy(source) != null || this.closed) {
					return;
				}
				Path destination = layout.temporary(source);
				ExtractedLayout.deleteTree(destination);
				long started = System.nanoTime();
				Process process = startSideRun(layout.extractArgv(next, source, destination), next,
						layout.log(source)).process();
				this.process = process;
				try {
					SideRunPacer.Paced paced = this.pacer.pace(process, this.timeout);
					if (this.closed || paced.ending() == SideRunPacer.Paced.Ending.PAUSED_TOO_LONG) {
						continue;
					}
					Path jar = destination.resolve(source.jar().getFileName());
					if (paced.ending() != SideRunPacer.Paced.Ending.EXITED || process.exitValue() != 0
							|| !Files.isRegularFile(jar)) {
						String why = (paced.ending() == SideRunPacer.Paced.Ending.EXITED)
								? "it exited with " + process.exitValue()
								: "it ran longer than " + this.timeout.toSeconds() + " s";
						layout.markFailed(source, why);
						logger.warn("Class data: extracting " + source.jar() + " failed, " + why + " (see "
								+ layout.log(source) + "); restarted processes run the fat jar");
						return;
					}
					layout.store(source, destination);
					logger.info("Class data: extracted " + source.jar() + " to " + layout.copy(source) + " in "
							+ TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms ("
							+ paced.pausesSummary() + "): restarted processes run Boot's extracted layout of it, "
							+ "whose classes the JVM can cache");
					return;
				}
				finally {
					end(process);
					ExtractedLayout.deleteTree(destination);
					this.process = null;
				}
			}
		}
	}

	private boolean isFailed(String key) {
		String validity = this.cache.validity(key);
		return validity != null && validity.startsWith("its training failed");
	}

	/** Runs a side run; {@code false} when it was ended for being paused too long. */
	private boolean run(String key, ChildCommand next) throws IOException, InterruptedException {
		Path output = this.cache.temporary(key);
		Path log = this.cache.log(key);
		long started = System.nanoTime();
		Started side = startSideRun(argv(next, output), next, log);
		Process process = side.process();
		this.process = process;
		logger.info("Class data: no " + this.cache.kind() + " for this build yet; training one in a side run (pid "
				+ process.pid() + ", " + (side.idle() ? "SCHED_IDLE" : "nice " + CpuPriority.NICEST)
				+ ", paused while this process is busy, log " + log + ")");
		try {
			SideRunPacer.Paced paced = this.pacer.pace(process, this.timeout);
			long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
			if (this.closed) {
				return true;
			}
			switch (paced.ending()) {
				case TIMED_OUT -> {
					fail(key, "the side run ran longer than " + this.timeout.toSeconds() + " s ("
							+ paced.pausesSummary() + ")");
					return true;
				}
				case PAUSED_TOO_LONG -> {
					logger.info("Class data: the side run was ended after "
							+ TimeUnit.NANOSECONDS.toSeconds(paced.pausedNanos())
							+ " s paused while this process was busy; it starts again once this process is quiet");
					return false;
				}
				case EXITED -> {
				}
			}
			if (process.exitValue() != 0 || !Files.isRegularFile(output) || Files.size(output) == 0) {
				fail(key, "the side run exited with " + process.exitValue() + " and wrote "
						+ (Files.isRegularFile(output) ? Files.size(output) + " bytes" : "no cache"));
				return true;
			}
			this.cache.store(key, output);
			logger.info("Class data: " + this.cache.kind() + " " + this.cache.archive(key) + " trained in "
					+ millis + " ms (" + ClassDataCache.megabytes(this.cache.archive(key)) + " MB; "
					+ paced.pausesSummary() + "); the next process uses it");
			return true;
		}
		finally {
			end(process);
			ClassDataCache.delete(output);
			ClassDataCache.delete(Path.of(output + ".config")); // JDK 25's recording, if it stayed
			this.process = null;
		}
	}

	private static Started startSideRun(List<String> argv, ChildCommand next, Path log)
			throws IOException, InterruptedException {
		Map<String, String> env = new HashMap<>(next.env());
		NOT_INHERITED.forEach(env::remove);
		return startNiced(new ChildCommand(argv, env, next.directory()), log);
	}

	// with the JVM a JDK 25 side run starts to write the cache, which a SIGSTOP may have
	// stopped too: orphaned, it would stay stopped
	private static void end(Process process) {
		process.descendants().forEach(ProcessHandle::destroyForcibly);
		process.destroyForcibly();
	}

	private void fail(String key, String why) {
		this.cache.markFailed(key, why);
		logger.warn("Class data: training failed, " + why + " (see " + this.cache.log(key)
				+ "); processes of this build start without a cache");
	}

	List<String> argv(ChildCommand next, Path output) {
		List<String> argv = new ArrayList<>(next.argv());
		// grace.supervisor=off: even with GRACE_SUPERVISOR=on the side run stays itself
		argv.addAll(1, List.of(this.cache.trainOption() + output, EXIT_ON_REFRESH, ClassDataCache.TRAINING_PROPERTY,
				"-Dgrace.supervisor=off"));
		return argv;
	}

	// Renicing the side run once started is too late: its JVM has already made the GC and
	// compiler threads that do most of its work, each with its own priority, and they
	// took a fifth of a serving process's throughput on 2 cores (bench/startup). A process
	// inherits the priority of the thread that starts it, so a thread of its own, lowered
	// first, starts it. Nice 19 alone still cost a tenth: a nice thread that got a CPU
	// keeps it for a while when a serving thread wakes; a SCHED_IDLE one does not. The
	// thread that waits for its exit is made here, by the caller, not lowered: the JDK's
	// process API makes it on the starting thread, and under load a SCHED_IDLE waiter left
	// the exited side run a zombie for over 2 s (ContainerIT behind tini, in CI).
	static Started startNiced(ChildCommand command, Path log) throws IOException, InterruptedException {
		SpawnedProcess.load();
		CompletableFuture<Long> spawned = new CompletableFuture<>();
		AtomicBoolean idle = new AtomicBoolean();
		Thread starter = new Thread(() -> {
			idle.set(CpuPriority.idleCallingThread());
			CpuPriority.setNiceOfCallingThread(CpuPriority.NICEST);
			try {
				spawned.complete(SpawnedProcess.spawn(command, log));
			}
			catch (Throwable ex) {
				spawned.completeExceptionally(ex);
			}
		}, "grace-class-data-start");
		starter.setDaemon(true);
		starter.start();
		try {
			return new Started(SpawnedProcess.reap(spawned.get()), idle.get());
		}
		catch (InterruptedException ex) {
			// nobody will hold it: it must not outlive this process's wish. Its reaper is
			// made here too, not by the lowered thread: the spawn is a moment, so it is
			// awaited (join does not answer interrupts)
			try {
				SpawnedProcess.reap(spawned.join()).destroyForcibly();
			}
			catch (CompletionException notStarted) {
				// nothing to end
			}
			throw ex;
		}
		catch (ExecutionException ex) {
			throw new IOException("Cannot start the side run: " + ex.getCause(), ex.getCause());
		}
	}

	/**
	 * A side run just started.
	 * @param process its process
	 * @param idle whether it runs in the {@code SCHED_IDLE} policy
	 */
	record Started(Process process, boolean idle) {

	}

	/**
	 * Ends the side run, if any: a process that stops leaves no process behind.
	 */
	@Override
	public void close() {
		this.closed = true;
		Process process = this.process;
		if (process != null) {
			end(process);
		}
		Thread thread = this.thread;
		if (thread != null) {
			thread.interrupt();
		}
	}

}

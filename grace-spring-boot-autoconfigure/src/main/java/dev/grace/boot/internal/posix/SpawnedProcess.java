package dev.grace.boot.internal.posix;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import jnr.constants.platform.OpenFlags;
import jnr.posix.POSIX;
import org.jspecify.annotations.Nullable;

import dev.grace.boot.internal.SpawnedChild.ExitStatus;

/**
 * A child started with {@code posix_spawnp}, as a {@link Process}. The JDK's process API
 * waits for each child on a thread of a pool that the starting thread makes when none is
 * free, with that thread's CPU priority: a child started from a thread lowered to
 * {@code SCHED_IDLE}, so that it inherits that policy, would be waited for by a thread
 * that a busy machine leaves unscheduled for seconds, and stay a zombie that long after
 * it exits. Here the spawn and the wait are apart: any thread spawns, and the waiting
 * thread is made by whoever calls {@link #reap(long)}.
 */
public final class SpawnedProcess extends Process {

	private static final int SIGNALLED = 0x80;

	// Nobody waits for a side run in a hurry, and while the process that started it is
	// busy it is stopped and cannot exit: each poll only wakes a thread of a process
	// that is serving (a side run's reaper polling ten times a second and its pacer four
	// times took 0.45-0.75 % of a serving process's CPU under the mixed load, bench/startup
	// of 2026-12-07).
	private static final Duration POLL = Duration.ofSeconds(1);

	private final long pid;

	// taken before it can be reaped: a handle knows its process's start time, and signals
	// and lists nothing once the pid is another process's
	private final @Nullable ProcessHandle handle;

	private final CompletableFuture<ExitStatus> exit;

	private SpawnedProcess(long pid, @Nullable ProcessHandle handle, CompletableFuture<ExitStatus> exit) {
		this.pid = pid;
		this.handle = handle;
		this.exit = exit;
	}

	/**
	 * Loads the native calls {@link #spawn} makes, and the threads they make once, at the
	 * calling thread's priority: a thread that spawns at a lowered priority must not be the
	 * first.
	 */
	public static void load() {
		NativePosix.get();
		NativeSpawn.get();
	}

	/**
	 * Starts a command on the calling thread, which the child takes its CPU priority
	 * from, with standard input from {@code /dev/null}, standard output and error to
	 * {@code log} (emptied first), and no other descriptor of this process.
	 * @param command what to run
	 * @param log where its output goes
	 * @return the child's pid; {@link #reap(long)} must be given it
	 * @throws IllegalStateException when it could not start
	 */
	public static long spawn(ChildCommand command, Path log) {
		POSIX posix = NativePosix.get();
		int input = open(posix, Path.of("/dev/null"), OpenFlags.O_RDONLY.intValue(), 0);
		try {
			int output = open(posix, log,
					OpenFlags.O_WRONLY.intValue() | OpenFlags.O_CREAT.intValue() | OpenFlags.O_TRUNC.intValue(),
					0644);
			try {
				List<int[]> dups = List.of(new int[] { input, 0 }, new int[] { output, 1 }, new int[] { output, 2 });
				List<Integer> closes = new ArrayList<>();
				int ceiling = Math.max(Collections.max(ProcNet.openFds()), output) + PosixSpawner.CLOSE_MARGIN;
				for (int fd = 3; fd <= ceiling; fd++) {
					closes.add(fd);
				}
				List<String> envp = new ArrayList<>();
				command.env().forEach((key, value) -> envp.add(key + "=" + value));
				NativeSpawn spawn = NativeSpawn.get();
				// without addchdir_np, a command meant to run here still starts
				Path directory = (command.directory() != null && !spawn.canChangeDirectory()
						&& PosixSpawner.isCurrentDirectory(command.directory())) ? null : command.directory();
				return spawn.spawnp(command.argv().get(0), dups, closes, directory, command.argv(), envp);
			}
			finally {
				posix.close(output);
			}
		}
		finally {
			posix.close(input);
		}
	}

	// close-on-exec, as the JDK's own are not: a process another thread starts meanwhile
	// must not inherit them
	private static int open(POSIX posix, Path path, int flags, int mode) {
		int fd = posix.open(path.toString(), flags | OpenFlags.O_CLOEXEC.intValue(), mode);
		if (fd < 0) {
			throw new IllegalStateException("Cannot open " + path + ": errno " + posix.errno());
		}
		return fd;
	}

	/**
	 * Waits for a child started by {@link #spawn}, on a new thread that has the calling
	 * thread's CPU priority, which learns that it exited within a second (within 10 ms
	 * while it is young).
	 * @param pid the child
	 * @return the child as a process
	 */
	public static SpawnedProcess reap(long pid) {
		ProcessHandle handle = ProcessHandle.of(pid).orElse(null);
		return new SpawnedProcess(pid, handle, Reaper.start(pid, "grace-spawned-" + pid + "-reaper", POLL));
	}

	@Override
	public OutputStream getOutputStream() {
		return OutputStream.nullOutputStream();
	}

	@Override
	public InputStream getInputStream() {
		return InputStream.nullInputStream();
	}

	@Override
	public InputStream getErrorStream() {
		return InputStream.nullInputStream();
	}

	@Override
	public int waitFor() throws InterruptedException {
		try {
			this.exit.get();
		}
		catch (ExecutionException ex) {
			throw new IllegalStateException(ex.getCause());
		}
		return exitValue();
	}

	@Override
	public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
		try {
			this.exit.get(timeout, unit);
			return true;
		}
		catch (TimeoutException ex) {
			return false;
		}
		catch (ExecutionException ex) {
			throw new IllegalStateException(ex.getCause());
		}
	}

	@Override
	public CompletableFuture<Process> onExit() {
		return this.exit.thenApply((status) -> this);
	}

	/**
	 * The exit code, or {@code 0x80} plus the signal that killed it, as the JDK's own
	 * processes give; {@code -1} when its status is unknown (another waiter reaped it).
	 */
	@Override
	public int exitValue() {
		ExitStatus status = this.exit.getNow(null);
		if (status == null) {
			throw new IllegalThreadStateException("process " + this.pid + " has not exited");
		}
		if (status.code() >= 0) {
			return status.code();
		}
		return (status.signal() >= 0) ? SIGNALLED + status.signal() : -1;
	}

	@Override
	public void destroy() {
		if (this.handle != null && !this.exit.isDone()) {
			this.handle.destroy();
		}
	}

	@Override
	public Process destroyForcibly() {
		if (this.handle != null && !this.exit.isDone()) {
			this.handle.destroyForcibly();
		}
		return this;
	}

	@Override
	public boolean supportsNormalTermination() {
		return true;
	}

	@Override
	public boolean isAlive() {
		return !this.exit.isDone();
	}

	@Override
	public long pid() {
		return this.pid;
	}

	@Override
	public ProcessHandle toHandle() {
		if (this.handle == null) {
			throw new IllegalStateException("process " + this.pid + " had exited when it was reaped");
		}
		return this.handle;
	}

	@Override
	public Stream<ProcessHandle> children() {
		return (this.handle != null && isAlive()) ? this.handle.children() : Stream.empty();
	}

	@Override
	public Stream<ProcessHandle> descendants() {
		return (this.handle != null && isAlive()) ? this.handle.descendants() : Stream.empty();
	}

	@Override
	public String toString() {
		ExitStatus status = this.exit.getNow(null);
		return "process " + this.pid + ((status != null) ? ", " + status : ", running");
	}

}

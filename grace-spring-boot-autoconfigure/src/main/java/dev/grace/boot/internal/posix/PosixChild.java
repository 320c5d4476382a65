package dev.grace.boot.internal.posix;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jnr.constants.platform.Errno;
import jnr.posix.POSIX;

import dev.grace.boot.internal.SpawnedChild;

/**
 * A child started by {@link PosixSpawner}, watched from two sides at once: its readiness pipe (one byte
 * means ready) and {@code waitpid} (which also reaps it, so it never lingers as a
 * zombie). Whichever answers first decides; a crash is seen at once, not at the timeout.
 */
final class PosixChild implements SpawnedChild {

	private static final int SIGTERM = 15;

	private static final int SIGKILL = 9;

	private static final long PIPE_CLOSED_EXIT_WAIT_MILLIS = 10_000;

	private final long pid;

	private final CompletableFuture<Boolean> ready = new CompletableFuture<>();

	private final CompletableFuture<ExitStatus> exit;

	private PosixChild(long pid, CompletableFuture<ExitStatus> exit) {
		this.pid = pid;
		this.exit = exit;
	}

	static PosixChild start(long pid, int readyFd) {
		PosixChild child = new PosixChild(pid, Reaper.start(pid, "grace-child-" + pid + "-reaper"));
		Reaper.daemon(() -> child.readReadiness(readyFd), "grace-child-" + pid + "-ready").start();
		return child;
	}

	@Override
	public long pid() {
		return this.pid;
	}

	/**
	 * Waits until the child is ready, exits, or {@code timeout} passes.
	 * @param timeout how long to wait
	 * @return what happened
	 */
	@Override
	public Outcome awaitReady(Duration timeout) {
		CompletableFuture<Object> first = CompletableFuture.anyOf(this.ready.thenApply((ok) -> ok),
				this.exit.thenApply((status) -> status));
		try {
			Object result = first.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
			if (Boolean.TRUE.equals(result)) {
				return Outcome.ready();
			}
			if (result instanceof ExitStatus status) {
				return Outcome.exited(status);
			}
			// the pipe closed without the byte: the child is exiting; its status tells why
			return Outcome.exited(this.exit.get(PIPE_CLOSED_EXIT_WAIT_MILLIS, TimeUnit.MILLISECONDS));
		}
		catch (TimeoutException ex) {
			// ready at the very deadline still counts: it may already be accepting
			return Boolean.TRUE.equals(this.ready.getNow(false)) ? Outcome.ready() : Outcome.timedOut();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return Outcome.timedOut();
		}
		catch (ExecutionException ex) {
			throw new IllegalStateException(ex.getCause());
		}
	}

	/**
	 * Stops the child: SIGTERM, then SIGKILL if it is still there after {@code grace}.
	 * Returns once it is reaped.
	 * @param grace how long SIGTERM may take
	 * @return how it ended
	 */
	@Override
	public ExitStatus stop(Duration grace) {
		if (!this.exit.isDone()) {
			NativePosix.get().kill(this.pid, grace.isZero() ? SIGKILL : SIGTERM);
		}
		try {
			return this.exit.get(Math.max(grace.toMillis(), 1), TimeUnit.MILLISECONDS);
		}
		catch (TimeoutException ex) {
			NativePosix.get().kill(this.pid, SIGKILL);
			return this.exit.join();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			NativePosix.get().kill(this.pid, SIGKILL);
			return this.exit.join();
		}
		catch (ExecutionException ex) {
			throw new IllegalStateException(ex.getCause());
		}
	}

	/**
	 * Whether the child has exited and been reaped.
	 * @return true once reaped
	 */
	@Override
	public boolean hasExited() {
		return this.exit.isDone();
	}

	private void readReadiness(int fd) {
		POSIX posix = NativePosix.get();
		byte[] buffer = new byte[1];
		try {
			while (true) {
				int n = posix.read(fd, buffer, 1);
				if (n == 1) {
					this.ready.complete(true);
					return;
				}
				if (n == 0 || posix.errno() != Errno.EINTR.intValue()) {
					this.ready.complete(false);
					return;
				}
			}
		}
		finally {
			posix.close(fd);
		}
	}

}

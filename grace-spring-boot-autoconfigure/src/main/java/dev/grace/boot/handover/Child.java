package dev.grace.boot.handover;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jnr.constants.platform.Errno;
import jnr.posix.POSIX;

/**
 * A spawned next process, watched from two sides at once: its readiness pipe (one byte
 * means ready) and {@code waitpid} (which also reaps it, so it never lingers as a
 * zombie). Whichever answers first decides; a crash is seen at once, not at the timeout.
 */
public final class Child {

	private static final int SIGTERM = 15;

	private static final int SIGKILL = 9;

	private static final long PIPE_CLOSED_EXIT_WAIT_MILLIS = 10_000;

	private final long pid;

	private final CompletableFuture<Boolean> ready = new CompletableFuture<>();

	private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();

	private Child(long pid) {
		this.pid = pid;
	}

	static Child start(long pid, int readyFd) {
		Child child = new Child(pid);
		Thread reader = new Thread(() -> child.readReadiness(readyFd), "grace-child-" + pid + "-ready");
		reader.setDaemon(true);
		reader.start();
		Thread reaper = new Thread(child::reap, "grace-child-" + pid + "-reaper");
		reaper.setDaemon(true);
		reaper.start();
		return child;
	}

	public long pid() {
		return this.pid;
	}

	/**
	 * Waits until the child is ready, exits, or {@code timeout} passes.
	 * @param timeout how long to wait
	 * @return what happened
	 */
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

	private void reap() {
		POSIX posix = NativePosix.get();
		int[] status = new int[1];
		while (true) {
			long result = posix.waitpid(this.pid, status, 0);
			if (result == this.pid) {
				this.exit.complete(ExitStatus.of(status[0]));
				return;
			}
			if (posix.errno() != Errno.EINTR.intValue()) {
				this.exit.complete(new ExitStatus(-1, -1));
				return;
			}
		}
	}

	/**
	 * How a process ended.
	 *
	 * @param code the exit code, or -1 if killed by a signal
	 * @param signal the signal that killed it, or -1
	 */
	public record ExitStatus(int code, int signal) {

		static ExitStatus of(int wait) {
			int termsig = wait & 0x7f;
			return (termsig == 0) ? new ExitStatus((wait >> 8) & 0xff, -1) : new ExitStatus(-1, termsig);
		}

		@Override
		public String toString() {
			if (this.code >= 0) {
				return "exit code " + this.code;
			}
			return (this.signal >= 0) ? "killed by signal " + this.signal : "unknown status (not our child)";
		}

	}

	/**
	 * What waiting for readiness found.
	 *
	 * @param kind ready, exited or timed out
	 * @param status how it exited, for {@link Kind#EXITED}
	 */
	public record Outcome(Kind kind, ExitStatus status) {

		static Outcome ready() {
			return new Outcome(Kind.READY, null);
		}

		static Outcome exited(ExitStatus status) {
			return new Outcome(Kind.EXITED, status);
		}

		static Outcome timedOut() {
			return new Outcome(Kind.TIMED_OUT, null);
		}

		/** The possible outcomes. */
		public enum Kind {

			READY, EXITED, TIMED_OUT

		}

	}

}
